import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { _electron, type ElectronApplication, type Page } from '@playwright/test';
import type { UiServer } from './ui-server.ts';

/*
 * The desktop app under Playwright: the same specs, driving the Electron window (renderer over IPC)
 * instead of Chromium on the HTTP bridge. Used by the `electron` project, which playwright.config.ts
 * defines only when SC_ELECTRON_PATH names an Electron executable.
 */

const repoRoot = resolve(import.meta.dirname, '../..');
export const DESKTOP_MAIN = resolve(repoRoot, 'dist/electron/shell/main.js');

export interface DesktopAppOptions {
  /** The Electron executable to run the app with; undefined in the browser-mode project. */
  desktopApp: string | undefined;
}

/** Starts the built app (dist/electron/shell/main.js) on the test cluster's profile. */
export async function launchDesktopApp(executablePath: string, ui: UiServer): Promise<ElectronApplication> {
  const dataDir = resolve(repoRoot, 'test-results/desktop-data');
  await mkdir(dataDir, { recursive: true });
  // Chromium refuses to run as root with its sandbox on (containers, CI).
  const rootArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return _electron.launch({
    executablePath,
    args: [...rootArgs, DESKTOP_MAIN],
    cwd: repoRoot,
    env: {
      ...(process.env as Record<string, string>),
      SHARD_CONSOLE_PROFILE: ui.profilePath,
      SC_TEST_PASSWORD: ui.password,
      SHARD_CONSOLE_DATA_DIR: dataDir,
      ELECTRON_DISABLE_SECURITY_WARNINGS: 'true',
    },
  });
}

/** The app's window once it shows the console page (loaded from file://, talking over IPC). */
export async function desktopWindow(app: ElectronApplication): Promise<Page> {
  const window = await app.firstWindow();
  await window.waitForURL((url) => url.protocol === 'file:');
  await window.waitForLoadState('domcontentloaded');
  return window;
}
