import pg from 'pg';
import { startTestCluster, type TestCluster } from '../harness/test-cluster.ts';
import { loadClusterProfile } from '../../electron/core/config/resolve-profile-source.ts';
import { memorySecretStore } from '../../electron/core/config/secret-store.ts';
import { openConsole, type ConsoleContext } from '../../electron/core/console-context.ts';

/** A cluster of this test file's own, for tests that change data: the shared one serves read-only tests. */
export interface PrivateCluster {
  readonly cluster: TestCluster;
  readonly env: NodeJS.ProcessEnv;
  open(profilePath?: string, env?: NodeJS.ProcessEnv): Promise<ConsoleContext>;
  client(name: string): Promise<pg.Client>;
  stop(): Promise<void>;
}

export async function startPrivateCluster(options: { websites?: number; scale?: number } = {}): Promise<PrivateCluster> {
  const cluster = await startTestCluster({ websites: options.websites ?? 9, scale: options.scale ?? 0.02 });
  const env = { ...process.env, SC_TEST_PASSWORD: cluster.password };
  const opened: ConsoleContext[] = [];
  return {
    cluster,
    env,
    async open(profilePath = cluster.profilePath, withEnv = env) {
      const profile = await loadClusterProfile({ profile: profilePath }, { env: withEnv, secrets: memorySecretStore() });
      const ctx = openConsole(profile);
      opened.push(ctx);
      return ctx;
    },
    async client(name) {
      const server = cluster.servers.find((s) => s.name === name);
      if (!server) throw new Error(`no server ${name}`);
      const client = new pg.Client({ host: server.host, port: server.port, database: server.database, user: server.user, password: cluster.password });
      client.on('error', () => {});
      await client.connect();
      return client;
    },
    async stop() {
      await Promise.allSettled(opened.map((c) => c.close()));
      await cluster.stop();
    },
  };
}
