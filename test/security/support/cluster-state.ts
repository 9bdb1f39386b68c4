import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { EmbeddedServer } from '../../../electron/core/demo/embedded-cluster.ts';

/*
 * "Nothing changed", by content: a hash per table (rows and every value), per sequence, the list of
 * databases on each server and of schemas in each database (the console schema appearing is a change),
 * and a hash of every file in the profile folders. Compared before and after, so a refusal that left a
 * trace is caught whether or not it also answered with an error.
 */

export interface StateSource {
  readonly servers: readonly EmbeddedServer[];
  readonly password: string;
  /** Folders holding profiles (and anything a failed write might leave beside them). */
  readonly folders: readonly string[];
}

async function withClient<T>(server: EmbeddedServer, password: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password, database: server.database });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function databaseState(client: pg.Client): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const lists = await client.query<{ databases: string; schemas: string; sequences: string | null }>(`SELECT
      (SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database) AS databases,
      (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema') AS schemas,
      (SELECT string_agg(format('%I.%I=%s', schemaname, sequencename, coalesce(last_value::text, '-')), ',' ORDER BY 1) FROM pg_sequences) AS sequences`);
  Object.assign(out, lists.rows[0]);
  const tables = await client.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  if (tables.rows.length === 0) return out;
  const union = tables.rows
    .map(
      ({ name }) => `SELECT ${pg.escapeLiteral(name)} AS name, count(*)::text || '/' || coalesce(sum(hashtext(t::text)::int8), 0)::text AS hash FROM ${name} t`,
    )
    .join(' UNION ALL ');
  for (const row of (await client.query<{ name: string; hash: string }>(union)).rows) out[`table ${row.name}`] = row.hash;
  return out;
}

async function folderState(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isFile()) continue;
    out[`file ${join(folder, entry.name)}`] = createHash('sha256')
      .update(await readFile(join(folder, entry.name)))
      .digest('hex');
  }
  return out;
}

/** Every database's content and every profile file's bytes, as one flat record to compare with toEqual. */
export async function clusterState(source: StateSource): Promise<Record<string, string>> {
  const parts = await Promise.all([
    ...source.servers.map(async (server) => {
      const state = await withClient(server, source.password, databaseState);
      return Object.fromEntries(Object.entries(state).map(([key, value]) => [`${server.name} ${key}`, value]));
    }),
    ...source.folders.map(folderState),
  ]);
  return Object.assign({}, ...parts);
}
