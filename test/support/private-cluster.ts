import pg from 'pg';
import { startTestCluster, type StartTestClusterOptions, type TestCluster } from '../harness/test-cluster.ts';
import { loadClusterProfile } from '../../electron/core/config/resolve-profile-source.ts';
import { memorySecretStore } from '../../electron/core/config/secret-store.ts';
import { openConsole, type ConsoleContext } from '../../electron/core/console-context.ts';

/** A cluster of this test file's own, for tests that change data: the shared one serves read-only tests. */
export interface PrivateCluster {
  readonly cluster: TestCluster;
  readonly env: NodeJS.ProcessEnv;
  open(profilePath?: string, env?: NodeJS.ProcessEnv): Promise<ConsoleContext>;
  client(name: string): Promise<pg.Client>;
  /**
   * What an operator does before moving a website onto a shard built with `schema:load` (which keeps
   * its own control-plane tables and enforces PWB's foreign keys into them): copies the website's
   * pwb_websites row there from the primary. A no-op for a tenant-only shard or the primary.
   */
  admit(websiteId: number, shard: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateCluster(options: StartTestClusterOptions = {}): Promise<PrivateCluster> {
  const cluster = await startTestCluster({ ...options, websites: options.websites ?? 9, scale: options.scale ?? 0.02 });
  const env = { ...process.env, SC_TEST_PASSWORD: cluster.password };
  const opened: ConsoleContext[] = [];
  const client = async (name: string): Promise<pg.Client> => {
    const server = cluster.servers.find((s) => s.name === name);
    if (!server) throw new Error(`no server ${name}`);
    const c = new pg.Client({ host: server.host, port: server.port, database: server.database, user: server.user, password: cluster.password });
    c.on('error', () => {});
    await c.connect();
    return c;
  };
  return {
    cluster,
    env,
    async open(profilePath = cluster.profilePath, withEnv = env) {
      const profile = await loadClusterProfile({ profile: profilePath }, { env: withEnv, secrets: memorySecretStore() });
      const ctx = openConsole(profile);
      opened.push(ctx);
      return ctx;
    },
    client,
    async admit(websiteId, shard) {
      if (cluster.layouts[shard] !== 'schema-load-shard') return;
      const primary = await client('default');
      const target = await client(shard);
      try {
        const row = (await primary.query(`SELECT json_agg(w) AS rows FROM pwb_websites w WHERE id = $1`, [websiteId])).rows[0].rows;
        await target.query(`INSERT INTO pwb_websites SELECT * FROM json_populate_recordset(NULL::pwb_websites, $1::json) ON CONFLICT (id) DO NOTHING`, [
          JSON.stringify(row),
        ]);
      } finally {
        await Promise.all([primary.end(), target.end()]);
      }
    },
    async stop() {
      await Promise.allSettled(opened.map((c) => c.close()));
      await cluster.stop();
    },
  };
}
