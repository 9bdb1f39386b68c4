import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadProfile } from '../../../electron/core/config/load-profile.ts';
import { memorySecretStore } from '../../../electron/core/config/secret-store.ts';
import { openConsole, type ConsoleContext } from '../../../electron/core/console-context.ts';
import { DEFAULT_MIGRATIONS_DIR } from '../../../electron/core/migrations/migration-files.ts';
import { startTestCluster, TEST_PASSWORD_VARIABLE, type TestCluster } from '../../harness/test-cluster.ts';

/*
 * A cluster of this test file's own (tests here change schemas, which the shared harness cluster must
 * never see), a copy of the bundled migrations to add files to, and a profile naming that copy.
 */

export interface OwnCluster {
  readonly cluster: TestCluster;
  readonly env: Record<string, string | undefined>;
  /** A copy of migrations/ this file may add to. */
  readonly migrationsDir: string;
  /** The harness profile plus `migrationsDir`. */
  readonly profilePath: string;
  open(): Promise<ConsoleContext>;
  client(name: string, database?: string): Promise<pg.Client>;
  /** Runs SQL on one database directly, bypassing the console. */
  sql<R extends pg.QueryResultRow = any>(name: string, text: string, values?: unknown[]): Promise<R[]>;
  addMigration(set: 'tenant' | 'global', version: string, name: string, sql: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startOwnCluster(): Promise<OwnCluster> {
  const cluster = await startTestCluster({ websites: 8, scale: 0.005 });
  const env = { ...process.env, [TEST_PASSWORD_VARIABLE]: cluster.password };
  const work = await mkdtemp(path.join(tmpdir(), 'sc-migrations-'));
  const migrationsDir = path.join(work, 'migrations');
  await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
  const profile = JSON.parse(await readFile(cluster.profilePath, 'utf8'));
  const profilePath = path.join(cluster.dir, 'own-profile.json');
  await writeFile(profilePath, JSON.stringify({ ...profile, migrationsDir }, null, 2), { mode: 0o600 });
  const client = async (name: string, database?: string) => {
    const server = cluster.servers.find((s) => s.name === name);
    if (!server) throw new Error(`no server ${name}`);
    const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password: cluster.password, database: database ?? server.database });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  return {
    cluster,
    env,
    migrationsDir,
    profilePath,
    open: async () => openConsole(await loadProfile(profilePath, { env, secrets: memorySecretStore() })),
    client,
    async sql(name, text, values) {
      const c = await client(name);
      try {
        return (await c.query(text, values)).rows;
      } finally {
        await c.end();
      }
    },
    async addMigration(set, version, name, sql) {
      const file = path.join(migrationsDir, set, `${version}_${name}.sql`);
      await writeFile(file, sql);
      return file;
    },
    stop: () => cluster.stop(),
  };
}
