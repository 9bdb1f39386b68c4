// Where the UI tests find a Chromium: SC_CHROMIUM_PATH, else the system's, else Playwright's own
// download. Plain Node with no dependency, so `npm test` can ask before anything else runs.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

/** One line telling a person what to do when no Chromium is found. */
export const INSTALL_HINT =
  'No Chromium for the UI tests: install one (Debian/Ubuntu: apt-get install chromium), or run `npx playwright install chromium`, or set SC_CHROMIUM_PATH to a Chromium or Chrome executable.';

const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/** Well-known install places outside PATH, per platform. */
function knownLocations(platform, env) {
  if (platform === 'darwin') {
    return ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter(Boolean);
    return roots.flatMap((root) => [join(root, 'Chromium', 'Application', 'chrome.exe'), join(root, 'Google', 'Chrome', 'Application', 'chrome.exe')]);
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome', '/snap/bin/chromium'];
}

function isExecutableFile(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name, env, platform) {
  const suffixes = platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const suffix of suffixes) {
      const candidate = join(dir, name + suffix);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return null;
}

/** The executable Playwright would download for itself (`npx playwright install chromium`), when it is there. */
function playwrightOwn() {
  try {
    const require = createRequire(import.meta.url);
    const { chromium } = require('playwright-core');
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/**
 * The Chromium to drive, and where it came from; `null` when there is none. A SC_CHROMIUM_PATH that
 * names nothing runnable is an error, not a reason to quietly pick another browser.
 */
export function findChromium({ env = process.env, platform = process.platform, playwright = playwrightOwn } = {}) {
  if (env.SC_CHROMIUM_PATH) {
    if (!isExecutableFile(env.SC_CHROMIUM_PATH)) throw new Error(`SC_CHROMIUM_PATH=${env.SC_CHROMIUM_PATH} is not an executable file.`);
    return { path: env.SC_CHROMIUM_PATH, source: 'SC_CHROMIUM_PATH' };
  }
  for (const name of SYSTEM_NAMES) {
    const found = onPath(name, env, platform);
    if (found) return { path: found, source: 'system' };
  }
  for (const candidate of knownLocations(platform, env)) {
    if (isExecutableFile(candidate)) return { path: candidate, source: 'system' };
  }
  const own = playwright();
  return own ? { path: own, source: 'playwright' } : null;
}
