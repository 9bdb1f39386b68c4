import { inject } from 'vitest';
import pg from 'pg';
import { loadClusterProfile } from '../../electron/core/config/resolve-profile-source.ts';
import { memorySecretStore } from '../../electron/core/config/secret-store.ts';
import { openConsole, type ConsoleContext } from '../../electron/core/console-context.ts';

/** The harness cluster's info and the env its profile needs (`${SC_TEST_PASSWORD}`). */
export function testCluster() {
  const cluster = inject('cluster');
  return { ...cluster, env: { ...process.env, SC_TEST_PASSWORD: cluster.password } };
}

export async function openTestConsole(profilePath = testCluster().profilePath): Promise<ConsoleContext> {
  const profile = await loadClusterProfile({ profile: profilePath }, { env: testCluster().env, secrets: memorySecretStore() });
  return openConsole(profile);
}

/** Calls a method through the console's own dispatcher (validation, read-only refusal), as every transport does. */
export { callConsole as callMethod } from '../../electron/core/dispatch/console-dispatcher.ts';

/** A direct connection to one harness database, bypassing the console, for independent checks. */
export async function directClient(name: string): Promise<pg.Client> {
  const cluster = testCluster();
  const server = cluster.servers.find((s) => s.name === name);
  if (!server) throw new Error(`no test server ${name}`);
  const client = new pg.Client({ host: server.host, port: server.port, database: server.database, user: server.user, password: cluster.password });
  await client.connect();
  return client;
}

/**
 * A fingerprint of every table's contents in every database: equal before and after means nothing
 * changed anywhere. Hashes each row's text form, so it sees updates as well as inserts and deletes.
 */
export async function clusterFingerprint(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const server of testCluster().servers) {
    const client = await directClient(server.name);
    try {
      const tables = await client.query<{ name: string }>(
        `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
      );
      for (const { name } of tables.rows) {
        const r = await client.query(`SELECT count(*) AS n, coalesce(sum(hashtext(t::text)::int8), 0) AS h FROM ${name} t`);
        out[`${server.name}:${name}`] = `${r.rows[0].n}/${r.rows[0].h}`;
      }
    } finally {
      await client.end();
    }
  }
  return out;
}
