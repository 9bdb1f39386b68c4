import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedCluster } from '../../electron/core/demo/embedded-cluster.ts';
import type { EmbeddedMajor, EmbeddedServer } from '../../electron/core/demo/embedded-cluster.ts';
import { DEFAULT_SHARD } from '../../electron/core/demo/plan-demo-websites.ts';
import { seedDemo } from '../../electron/core/demo/seed-demo.ts';
import type { SeedDemoResult } from '../../electron/core/demo/seed-demo.ts';
import { profileForServers, writeProfileFile } from '../../electron/core/demo/write-profile-file.ts';
import { applyMigrations, type DatabaseLayout } from '../../electron/core/migrations/apply-migrations.ts';

/*
 * Real PostgreSQL servers for the test suites (vitest's globalSetup and Playwright's): a primary and
 * two shards with password auth, migrated and seeded with a small deterministic data set. The shards
 * are built the two ways PWB clusters are: shard_1 from the tenant tables alone (no control plane, so
 * none of the foreign keys into it), shard_2 with `schema:load` (every table and foreign key; its global
 * tables hold the rows its own websites reference).
 */

/** How each shard of a default test cluster is built. */
export const DEFAULT_SHARD_LAYOUTS: Readonly<Record<string, ShardLayout>> = Object.freeze({ shard_1: 'tenant-shard', shard_2: 'schema-load-shard' });

export type ShardLayout = Exclude<DatabaseLayout, 'primary'>;

/** The environment variable the test profile reads its password from. */
export const TEST_PASSWORD_VARIABLE = 'SC_TEST_PASSWORD';

export interface TestClusterInfo {
  /** `test-profile.json`: passwords are `${SC_TEST_PASSWORD}`. */
  profilePath: string;
  password: string;
  dir: string;
  servers: EmbeddedServer[];
  seed: SeedDemoResult;
  /** How each shard was built (the primary is always `primary`). */
  layouts: Record<string, ShardLayout>;
}

export interface TestCluster extends TestClusterInfo {
  /** Stops the servers and deletes the folder. */
  stop(): Promise<void>;
}

export interface StartTestClusterOptions {
  names?: string[];
  websites?: number;
  scale?: number;
  seed?: number;
  /** How each shard is built; a shard not named here is a tenant-only shard. Default: DEFAULT_SHARD_LAYOUTS. */
  layouts?: Record<string, ShardLayout>;
  /** PostgreSQL major version of every server (18 unless a test needs 15's pg_dump). */
  major?: EmbeddedMajor;
  onLog?: (message: string) => void;
}

export async function startTestCluster(options: StartTestClusterOptions = {}): Promise<TestCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shard-console-test-'));
  const password = randomBytes(24).toString('base64url');
  const cluster = await startEmbeddedCluster({
    dir,
    names: options.names ?? [DEFAULT_SHARD, 'shard_1', 'shard_2'],
    auth: { kind: 'password', password },
    fsync: false,
    ...(options.major ? { major: options.major } : {}),
    ...(options.onLog ? { onLog: options.onLog } : {}),
  }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const stop = async (): Promise<void> => {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const layouts = Object.fromEntries(
    cluster.servers
      .filter((s) => s.name !== DEFAULT_SHARD)
      .map((s) => [s.name, (options.layouts ?? DEFAULT_SHARD_LAYOUTS)[s.name] ?? ('tenant-shard' as const)]),
  );
  try {
    const seed = await migrateAndSeed(cluster.servers, password, layouts, options);
    const profilePath = path.join(dir, 'test-profile.json');
    await writeProfileFile(profilePath, profileForServers('test', cluster.servers, `\${${TEST_PASSWORD_VARIABLE}}`));
    return { profilePath, password, dir, servers: cluster.servers, seed, layouts, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A pool on one of the cluster's servers; `database` overrides the server's own. */
export function testPool(server: EmbeddedServer, password: string, database = server.database): pg.Pool {
  const pool = new pg.Pool({ host: server.host, port: server.port, user: server.user, password, database, max: 4 });
  pool.on('error', () => undefined);
  return pool;
}

async function migrateAndSeed(
  servers: EmbeddedServer[],
  password: string,
  layouts: Record<string, ShardLayout>,
  options: StartTestClusterOptions,
): Promise<SeedDemoResult> {
  const pools = new Map(servers.map((server) => [server.name, testPool(server, password)]));
  try {
    const primary = pools.get(DEFAULT_SHARD);
    if (!primary) throw new Error(`a test cluster needs a "${DEFAULT_SHARD}" server`);
    await Promise.all([...pools].map(([name, pool]) => applyMigrations(pool, { layout: name === DEFAULT_SHARD ? 'primary' : layouts[name]! })));
    // Small tenants plus large ones of ~1.4k rows each, which have rows in every tenant table.
    return await seedDemo(
      { primary, shards: Object.fromEntries([...pools].filter(([name]) => name !== DEFAULT_SHARD)) },
      {
        websites: options.websites ?? 60,
        scale: options.scale ?? 0.02,
        seed: options.seed ?? 42,
        schemaLoadShards: Object.keys(layouts).filter((name) => layouts[name] === 'schema-load-shard'),
      },
    );
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.end()));
  }
}
