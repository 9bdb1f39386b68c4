import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedCluster } from '../../electron/core/demo/embedded-cluster.ts';
import type { EmbeddedCluster, EmbeddedServer } from '../../electron/core/demo/embedded-cluster.ts';
import { DEFAULT_SHARD } from '../../electron/core/demo/plan-demo-websites.ts';
import { seedDemo } from '../../electron/core/demo/seed-demo.ts';
import { profileForServers, writeProfileFile } from '../../electron/core/demo/write-profile-file.ts';
import { applyMigrations } from '../../electron/core/migrations/apply-migrations.ts';

/*
 * A large embedded cluster for benchmarks: three real PostgreSQL servers seeded server-side (INSERT ...
 * SELECT over generate_series, see seed-demo) with many websites. Trust auth on loopback, like the demo:
 * fake data, no password to keep. `SC_BENCH_DIR` keeps the data between runs, so a second run of the
 * same size skips the minutes of seeding; without it the cluster lives in a temp folder that is removed.
 */

export interface BenchClusterOptions {
  websites: number;
  scale: number;
  seed?: number;
  /** Keep the data here between runs (reused when it holds the same number of websites). */
  dir?: string;
  log: (line: string) => void;
}

export interface BenchCluster {
  profilePath: string;
  servers: readonly EmbeddedServer[];
  /** Tenant rows per database, counted with reltuples after ANALYZE. */
  tenantRows: Record<string, number>;
  seeded: boolean;
  stop(): Promise<void>;
}

const NAMES = [DEFAULT_SHARD, 'shard_1', 'shard_2'];

export async function startBenchCluster(options: BenchClusterOptions): Promise<BenchCluster> {
  const keep = options.dir !== undefined;
  const dir = options.dir ? path.resolve(options.dir) : await mkdtemp(path.join(os.tmpdir(), 'shard-console-bench-'));
  if (keep && existsSync(dir)) options.log(`reusing the bench cluster folder ${dir}`);
  const cluster = await startEmbeddedCluster({ dir, names: NAMES, auth: { kind: 'trust' }, fsync: false });
  const stop = async (): Promise<void> => {
    await cluster.stop();
    if (!keep) await rm(dir, { recursive: true, force: true });
  };
  try {
    const pools = new Map(cluster.servers.map((server) => [server.name, benchPool(server)]));
    try {
      const seeded = await prepare(pools, options);
      const tenantRows = await countRows(pools);
      const profilePath = path.join(dir, 'bench-profile.json');
      await writeProfileFile(profilePath, profileForServers('bench', cluster.servers));
      return { profilePath, servers: cluster.servers, tenantRows, seeded, stop };
    } finally {
      await Promise.all([...pools.values()].map((pool) => pool.end()));
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

async function prepare(pools: Map<string, pg.Pool>, options: BenchClusterOptions): Promise<boolean> {
  const primary = pools.get(DEFAULT_SHARD)!;
  await Promise.all([...pools].map(([name, pool]) => applyMigrations(pool, { layout: name === DEFAULT_SHARD ? 'primary' : 'tenant-shard' })));
  const existing = Number((await primary.query<{ n: string }>('SELECT count(*) AS n FROM pwb_websites')).rows[0]?.n ?? 0);
  if (existing === options.websites) {
    options.log(`keeping the ${existing.toLocaleString('en')} websites seeded by an earlier run`);
    return false;
  }
  if (existing !== 0) throw new Error(`${options.dir} holds ${existing} websites, not ${options.websites}: delete it or pick another SC_BENCH_DIR.`);
  options.log(`seeding ${options.websites.toLocaleString('en')} websites at scale ${options.scale} (server-side, databases in parallel; a few minutes)...`);
  const started = Date.now();
  const ticker = setInterval(() => options.log(`  ...still seeding (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  try {
    await seedDemo(
      { primary, shards: Object.fromEntries([...pools].filter(([name]) => name !== DEFAULT_SHARD)) },
      { websites: options.websites, scale: options.scale, seed: options.seed ?? 7, log: (line) => options.log(`  ${line}`) },
    );
  } finally {
    clearInterval(ticker);
  }
  // A production database is vacuumed: the visibility map lets GROUP BY tenant key run as index-only scans.
  options.log('VACUUM ANALYZE on every database...');
  await Promise.all([...pools.values()].map((pool) => pool.query('VACUUM ANALYZE')));
  options.log(`seeded in ${Math.round((Date.now() - started) / 1000)} s`);
  return true;
}

async function countRows(pools: Map<string, pg.Pool>): Promise<Record<string, number>> {
  const entries = await Promise.all(
    [...pools].map(async ([name, pool]) => {
      // Tenant tables are the pwb_* tables other than the global ones the primary holds.
      const r = await pool.query<{ n: string }>(
        `SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::int8::text AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE 'pwb\\_%'
            AND c.relname NOT IN ('pwb_websites', 'pwb_users', 'pwb_user_memberships', 'pwb_subscriptions', 'pwb_agencies', 'pwb_addresses')`,
      );
      return [name, Number(r.rows[0]?.n ?? 0)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

function benchPool(server: EmbeddedServer): pg.Pool {
  const pool = new pg.Pool({ host: server.host, port: server.port, database: server.database, user: server.user, max: 3 });
  pool.on('error', () => undefined);
  return pool;
}

export type { EmbeddedCluster };
