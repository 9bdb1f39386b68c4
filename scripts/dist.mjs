#!/usr/bin/env node
// `npm run dist`: installers for this platform from local files (docs/packaging.md).
//   node scripts/dist.mjs [--dir] [--targets deb,rpm] [--output DIR] [--allow-downloads]
// Expects the app built (`npm run build:app`, which `npm run dist` runs first). The Electron it packs
// is electronDist (electron-builder.yml), else ELECTRON_OVERRIDE_DIST_PATH, else the electron
// package's own binary; build tools are the system's where electron-builder lets us (scripts/dist-plan.mjs).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { planDist, whichIn } from './dist-plan.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const { values: args } = parseArgs({
  options: {
    dir: { type: 'boolean', default: false },
    targets: { type: 'string' },
    output: { type: 'string' },
    'allow-downloads': { type: 'boolean', default: false },
  },
});

/** `electronDist` as electron-builder.yml sets it, resolved against the project. */
function configElectronDist() {
  const { parse } = require('yaml');
  const config = parse(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) ?? {};
  return typeof config.electronDist === 'string' ? resolve(repoRoot, config.electronDist) : null;
}

/** node_modules/electron/dist when `npx install-electron` (or a postinstall) has put the binary there. */
function installedElectronDist() {
  const pkgDir = join(repoRoot, 'node_modules', 'electron');
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  return existsSync(join(pkgDir, 'dist', readFileSync(pathFile, 'utf8'))) ? join(pkgDir, 'dist') : null;
}

/** The version an unpacked Electron says it is (its `version` file), when it says. */
function distVersion(dist) {
  const file = join(dist, 'version');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().replace(/^v/, '') : null;
}

function checkBuilt() {
  const needed = ['dist/electron/shell/main.js', 'dist/electron/shell/preload.cjs', 'dist/renderer/index.html'];
  const missing = needed.filter((file) => !existsSync(join(repoRoot, file)));
  if (missing.length > 0) {
    console.error(`The app is not built (${missing.join(', ')} missing): run \`npm run build:app\`, or \`npm run dist\` which builds first.`);
    process.exit(1);
  }
}

async function main() {
  checkBuilt();
  const plan = planDist({
    platform: process.platform,
    env: process.env,
    which: whichIn(process.env.PATH, existsSync),
    configElectronDist: configElectronDist(),
    installedElectronDist: installedElectronDist(),
    dirOnly: args.dir,
    allowDownloads: args['allow-downloads'],
    requestedTargets: args.targets
      ? args.targets
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : null,
  });
  for (const note of plan.notes) console.log(note);
  for (const { target, reason } of plan.leftOut) console.log(`${target} left out: ${reason}`);
  if (plan.error) {
    console.error(plan.error);
    process.exit(1);
  }
  for (const [name, value] of Object.entries(plan.env)) {
    console.log(`${name}=${value}`);
    process.env[name] = value;
  }

  const config = {};
  if (plan.electronDist) {
    config.electronDist = resolve(plan.electronDist);
    const version = distVersion(config.electronDist);
    if (version) config.electronVersion = version;
  }
  if (args.output) config.directories = { output: resolve(args.output) };

  const builder = require('electron-builder');
  const platform = { linux: builder.Platform.LINUX, darwin: builder.Platform.MAC, win32: builder.Platform.WINDOWS }[process.platform];
  if (!platform) throw new Error(`Packaging on ${process.platform} is not supported.`);
  console.log(`Building ${plan.targets.join(', ')} for ${process.platform}`);
  const artifacts = await builder.build({ projectDir: repoRoot, targets: platform.createTarget(plan.targets), config });
  for (const artifact of artifacts) console.log(artifact);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
