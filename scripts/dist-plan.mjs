// What `npm run dist` will build and with which tools, decided before electron-builder runs, so that a
// machine without a route out builds what it can from local files and says what it left out and why.
// Pure apart from the `which` and `exists` it is given: test/packaging/dist-plan.test.ts drives it.
import { delimiter, join } from 'node:path';

/** The installers each platform can build; electron-builder cannot make a dmg off macOS. */
export const TARGETS_BY_PLATFORM = { linux: ['AppImage', 'deb', 'rpm'], darwin: ['dmg'], win32: ['nsis'] };

/**
 * @param {object} input
 * @param {NodeJS.Platform} input.platform
 * @param {Record<string, string | undefined>} input.env
 * @param {(name: string) => string | null} input.which  an executable on PATH, or null
 * @param {string | null} input.configElectronDist  `electronDist` from electron-builder.yml
 * @param {string | null} input.installedElectronDist  node_modules/electron/dist when its binary is there
 * @param {boolean} input.dirOnly  only the unpacked app (`--dir`)
 * @param {boolean} input.allowDownloads  let electron-builder download what is not on this machine
 * @param {string[] | null} input.requestedTargets  `--targets a,b`, or null for the platform's all
 */
export function planDist(input) {
  const { platform, env, which, allowDownloads } = input;
  const plan = { electronDist: null, env: {}, targets: [], leftOut: [], notes: [], error: null };

  const electron = chooseElectron(input);
  if (electron.dist) {
    plan.electronDist = electron.dist;
    plan.notes.push(`Electron: ${electron.dist} (${electron.source})`);
  } else if (allowDownloads) {
    plan.notes.push('Electron: none on this machine, electron-builder downloads it (--allow-downloads)');
  } else {
    plan.error =
      'No Electron distribution: set ELECTRON_OVERRIDE_DIST_PATH (or electronDist in electron-builder.yml) to an unpacked Electron, install its binary (npx install-electron), or pass --allow-downloads.';
    return plan;
  }

  const sevenZip = env.ELECTRON_BUILDER_7ZIP_PATH ?? which('7za') ?? which('7z') ?? which('7zz');
  if (sevenZip && !env.ELECTRON_BUILDER_7ZIP_PATH) plan.env.ELECTRON_BUILDER_7ZIP_PATH = sevenZip;

  if (input.dirOnly) {
    plan.targets = ['dir'];
    return plan;
  }
  const available = TARGETS_BY_PLATFORM[platform] ?? [];
  const wanted = input.requestedTargets ?? available;
  for (const target of wanted) {
    if (!available.includes(target)) {
      plan.leftOut.push({ target, reason: `not buildable on ${platform} (builds here: ${available.join(', ') || 'none'})` });
      continue;
    }
    const needs = targetNeeds(target, { platform, env, which, sevenZip });
    if (needs.missing.length > 0) {
      plan.leftOut.push({ target, reason: `needs ${[...needs.missing, ...needs.downloads].join('; ')}` });
      continue;
    }
    if (needs.downloads.length > 0 && !allowDownloads) {
      plan.leftOut.push({ target, reason: `needs ${needs.downloads.join('; ')} (or --allow-downloads)` });
      continue;
    }
    Object.assign(plan.env, needs.env);
    plan.targets.push(target);
    for (const tool of needs.downloads) plan.notes.push(`${target}: electron-builder downloads ${tool.split(':')[0]}`);
  }
  if (plan.targets.length === 0) {
    plan.error = `No installer can be built on this machine as it is (${plan.leftOut.map((l) => l.target).join(', ') || 'no target'}); \`npm run dist -- --dir\` builds the unpacked app.`;
  }
  return plan;
}

function chooseElectron({ env, configElectronDist, installedElectronDist }) {
  if (configElectronDist) return { dist: configElectronDist, source: 'electronDist in electron-builder.yml' };
  if (env.ELECTRON_OVERRIDE_DIST_PATH) return { dist: env.ELECTRON_OVERRIDE_DIST_PATH, source: 'ELECTRON_OVERRIDE_DIST_PATH' };
  if (installedElectronDist) return { dist: installedElectronDist, source: 'the electron package' };
  return { dist: null, source: null };
}

/**
 * For one target: tools that must be on this machine (`missing`), tools electron-builder would
 * download (`downloads`), and the environment that points electron-builder at the local ones.
 */
function targetNeeds(target, { platform, env, which, sevenZip }) {
  const missing = [];
  const downloads = [];
  const toolEnv = {};
  const fpm = () => {
    if (env.CUSTOM_FPM_PATH || env.USE_SYSTEM_FPM === 'true') return;
    if (which('fpm')) toolEnv.USE_SYSTEM_FPM = 'true';
    else downloads.push('fpm: `gem install fpm` (Ruby), or CUSTOM_FPM_PATH');
  };
  switch (target) {
    case 'deb':
      fpm();
      break;
    case 'rpm':
      fpm();
      if (!which('rpmbuild')) missing.push('rpmbuild (apt-get install rpm)');
      break;
    case 'AppImage':
      if (!env.APPIMAGE_TOOLS_PATH) downloads.push('the AppImage toolset: APPIMAGE_TOOLS_PATH, an unpacked electron-builder appimage-12.0.1 bundle');
      break;
    case 'dmg':
      if (platform !== 'darwin' || !which('hdiutil')) missing.push('macOS (hdiutil)');
      if (!env.CUSTOM_DMGBUILD_PATH) {
        const dmgbuild = which('dmgbuild');
        if (dmgbuild) toolEnv.CUSTOM_DMGBUILD_PATH = dmgbuild;
        else downloads.push('dmgbuild: `pip install dmgbuild`, or CUSTOM_DMGBUILD_PATH');
      }
      break;
    case 'nsis':
      if (!env.ELECTRON_BUILDER_NSIS_DIR || !env.ELECTRON_BUILDER_NSIS_RESOURCES_DIR) {
        downloads.push('NSIS: ELECTRON_BUILDER_NSIS_DIR and ELECTRON_BUILDER_NSIS_RESOURCES_DIR (unpacked nsis-3.0.4.1 and nsis-resources-3.4.1 bundles)');
      }
      if (!env.ELECTRON_BUILDER_RCEDIT_PATH) downloads.push('rcedit: ELECTRON_BUILDER_RCEDIT_PATH (a folder with rcedit-x64.exe)');
      if (!sevenZip) downloads.push('7-Zip: 7za on PATH, or ELECTRON_BUILDER_7ZIP_PATH');
      break;
  }
  return { missing, downloads, env: toolEnv };
}

/** `which` over a PATH string: the first executable named `name`, or null. */
export function whichIn(path, exists, platform = process.platform) {
  const suffixes = platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  return (name) => {
    for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
      for (const suffix of suffixes) {
        const candidate = join(dir, name + suffix);
        if (exists(candidate)) return candidate;
      }
    }
    return null;
  };
}
