import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { startTestCluster } from '../harness/test-cluster.ts';
import { firstLine, stopProcess } from './server-process.ts';
import { SCREENSHOT_DIR, UI_SERVER_FILE } from './ui-server.ts';
import type { UiDatabase, UiServer } from './ui-server.ts';

/*
 * Starts what the UI specs drive: a real test cluster (primary + shard_1 + shard_2) and the browser-mode
 * server over it, then describes both in test-results/ui-server.json. The returned function is the
 * teardown: it stops the server, then the cluster.
 */

const repoRoot = resolve(import.meta.dirname, '../..');

export default async function globalSetup(): Promise<() => Promise<void>> {
  buildRenderer();
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  // PostgreSQL 15, the major whose pg_dump this machine has: the Backups page can back the cluster up.
  const cluster = await startTestCluster({ major: 15 });
  let server: ChildProcess | null = null;
  try {
    const env = { ...process.env, SC_TEST_PASSWORD: cluster.password, SHARD_CONSOLE_DATA_DIR: resolve(repoRoot, 'test-results/ui-data') };
    // A copy of the migrations the specs may add to (a run stopped from the UI needs one pending).
    const migrationsDir = resolve(repoRoot, 'test-results/ui-migrations');
    await rm(migrationsDir, { recursive: true, force: true });
    await cp(resolve(repoRoot, 'migrations'), migrationsDir, { recursive: true });
    const profilePath = resolve(cluster.dir, 'ui-profile.json');
    await writeFile(profilePath, JSON.stringify({ ...JSON.parse(await readFile(cluster.profilePath, 'utf8')), migrationsDir }, null, 2), { mode: 0o600 });
    server = spawn(process.execPath, ['bin/shard-console.js', 'serve', '--profile', profilePath, '--port', '0', '--json'], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const printed = await firstLine(server);
    const announced = JSON.parse(printed) as { url: string; port: number; token: string };
    const description: UiServer = {
      url: announced.url,
      origin: new URL(announced.url).origin,
      port: announced.port,
      token: announced.token,
      profilePath,
      migrationsDir,
      password: cluster.password,
      databases: (cluster.servers as readonly UiDatabase[]).map((s) => ({ name: s.name, host: s.host, port: s.port, database: s.database, user: s.user })),
    };
    await mkdir(dirname(UI_SERVER_FILE), { recursive: true });
    await writeFile(UI_SERVER_FILE, `${JSON.stringify(description, null, 2)}\n`, { mode: 0o600 });
    process.env.SC_UI_URL = description.url;
  } catch (error) {
    if (server !== null) await stopProcess(server);
    await cluster.stop();
    throw error;
  }
  const running = server;
  return async () => {
    await stopProcess(running);
    await cluster.stop();
    await rm(UI_SERVER_FILE, { force: true });
  };
}

/**
 * The pages under test are the built ones (dist/renderer): build them so a spec never sees a stale
 * bundle. With SC_ELECTRON_PATH the desktop app runs too: its main and preload bundles as well.
 */
function buildRenderer(): void {
  if (process.env.SC_UI_SKIP_BUILD === '1') return;
  const configs = ['renderer/vite.config.ts'];
  if (process.env.SC_ELECTRON_PATH) configs.push('electron/shell/vite.main.config.ts', 'electron/shell/vite.preload.config.ts');
  const vite = resolve(repoRoot, 'node_modules/vite/bin/vite.js');
  for (const config of configs) {
    const result = spawnSync(process.execPath, [vite, 'build', '--config', config, '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`vite build --config ${config} failed (exit ${result.status ?? result.signal})`);
  }
}
