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
import { applyMigrations } from '../../electron/core/schema/apply-migrations.ts';

/*
 * Real PostgreSQL servers for the test suites (vitest's globalSetup and Playwright's): a primary and
 * two shards with password auth, migrated and seeded with a small deterministic data set.
 */

/** The environment variable the test profile reads its password from. */
export const TEST_PASSWORD_VARIABLE = 'SC_TEST_PASSWORD';

export interface TestClusterInfo {
  /** `test-profile.json`: passwords are `${SC_TEST_PASSWORD}`. */
  profilePath: string;
  password: string;
  dir: string;
  servers: EmbeddedServer[];
  seed: SeedDemoResult;
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
  try {
    const seed = await migrateAndSeed(cluster.servers, password, options);
    const profilePath = path.join(dir, 'test-profile.json');
    await writeProfileFile(profilePath, profileForServers('test', cluster.servers, `\${${TEST_PASSWORD_VARIABLE}}`));
    return { profilePath, password, dir, servers: cluster.servers, seed, stop };
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

async function migrateAndSeed(servers: EmbeddedServer[], password: string, options: StartTestClusterOptions): Promise<SeedDemoResult> {
  const pools = new Map(servers.map((server) => [server.name, testPool(server, password)]));
  try {
    const primary = pools.get(DEFAULT_SHARD);
    if (!primary) throw new Error(`a test cluster needs a "${DEFAULT_SHARD}" server`);
    await applyMigrations(primary, { set: 'global' });
    await Promise.all([...pools.values()].map((pool) => applyMigrations(pool, { set: 'tenant' })));
    // Small tenants plus large ones of ~1.4k rows each, which have rows in every tenant table.
    return await seedDemo(
      { primary, shards: Object.fromEntries([...pools].filter(([name]) => name !== DEFAULT_SHARD)) },
      { websites: options.websites ?? 60, scale: options.scale ?? 0.02, seed: options.seed ?? 42 },
    );
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.end()));
  }
}
