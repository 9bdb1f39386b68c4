#!/usr/bin/env node
// First step of `npm test` (and of .ci/run): make sure the UI tests have a Chromium before the long run
// starts. Found: one line saying which. Missing: as root on Debian or Ubuntu, install the system package;
// anywhere else, stop at once with one line saying what to install.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { findChromium, INSTALL_HINT } from './chromium-path.mjs';

function osRelease() {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const field = (name) => (text.match(new RegExp(`^${name}=\"?([^\"\\n]*)`, 'm'))?.[1] ?? '').toLowerCase();
    return { id: field('ID'), like: field('ID_LIKE').split(/\s+/) };
  } catch {
    return { id: '', like: [] };
  }
}

function canInstallWithApt() {
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return false;
  const { id, like } = osRelease();
  return [id, ...like].some((name) => name === 'debian' || name === 'ubuntu');
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

/** The same steps as a person would type: `apt-get update`, then `apt-get install chromium`. */
function installWithApt() {
  console.error('No Chromium found: installing the system package (apt-get install chromium)...');
  return run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', 'chromium']);
}

function report(found) {
  console.log(`Chromium for the UI tests: ${found.path} (${found.source})`);
}

let found;
try {
  found = findChromium();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
if (found === null && canInstallWithApt() && installWithApt()) found = findChromium();
if (found === null) {
  console.error(INSTALL_HINT);
  process.exit(1);
}
report(found);
