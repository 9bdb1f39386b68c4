import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type pg from 'pg';
import { APP_ROOT } from '../app-paths.ts';
import { runQuery, runQueryFirst } from '../catalog/run-query.ts';
import { systemCatalog } from '../catalog/system-catalog.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { assertWritableDatabase } from '../read-only-guard.ts';
import { CONSOLE_SCHEMA, consoleTables } from './console-database.ts';

/*
 * The console's own tables (jobs, audit log, size snapshots) live on the primary in schema
 * `shard_console`, created by the console, never by the PWB migrations, so every console and the CLI
 * share them. Files in sql/ are applied once each, in name order, under an advisory lock.
 */

// Read from the app folder (not relative to this module) so the bundled CLI and packaged app find it too.
const SQL_DIR = join(APP_ROOT, 'electron', 'core', 'console-schema', 'sql');
/** Arbitrary constant: one key for "the console schema is being upgraded" on this database. */
const LOCK_KEY = 0x5c_0de_5c;

const ensured = new WeakMap<DatabaseHandle, Promise<void>>();

/** Creates or upgrades the console's tables: only for writes, never on a read-only profile's database. */
export async function ensureConsoleSchema(primary: DatabaseHandle): Promise<void> {
  assertWritableDatabase(primary, "Creating the console's own tables (shard_console)");
  let upgraded = ensured.get(primary);
  if (!upgraded) {
    upgraded = upgrade(primary);
    ensured.set(primary, upgraded);
    upgraded.catch(() => ensured.delete(primary));
  }
  return upgraded;
}

/** Creates the schema and its version table, then applies each sql/ file not yet recorded there. */
async function applyPendingFiles(client: pg.PoolClient): Promise<void> {
  const files = (await readdir(SQL_DIR)).filter((f) => f.endsWith('.sql')).sort();
  await runQuery(client, consoleTables.schema.createSchema(CONSOLE_SCHEMA).ifNotExists());
  const versions = consoleTables.schema
    .withSchema(CONSOLE_SCHEMA)
    .createTable('schema_versions')
    .ifNotExists()
    .addColumn('version', 'text', (column) => column.primaryKey())
    .addColumn('applied_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`));
  await runQuery(client, versions);
  const recorded = await runQuery(client, consoleTables.selectFrom('shard_console.schema_versions').select('version'));
  const applied = new Set(recorded.map((r) => r.version));
  for (const file of files) {
    if (applied.has(file)) continue;
    await client.query(await readFile(join(SQL_DIR, file), 'utf8'));
    await runQuery(client, consoleTables.insertInto('shard_console.schema_versions').values({ version: file }));
  }
}

/** In one transaction under the advisory lock: two consoles starting at once apply each file once. */
async function upgrade(primary: DatabaseHandle): Promise<void> {
  const client = await primary.pool.connect();
  try {
    await client.query('BEGIN');
    await runQuery(
      client,
      consoleTables.selectNoFrom((eb) => eb.fn('pg_advisory_xact_lock', [eb.val(LOCK_KEY)]).as('locked')),
    );
    await applyPendingFiles(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Whether a console table exists and this role may read it, for readers: they report "nothing recorded"
 * on a database the console never wrote to, or whose console schema this role may not read (a
 * SELECT-only role of a read-only console), rather than creating the schema or failing.
 */
export async function consoleTableExists(primary: DatabaseHandle, table: string): Promise<boolean> {
  const query = systemCatalog
    .selectFrom('pg_catalog.pg_namespace as n')
    .innerJoin('pg_catalog.pg_class as c', 'c.relnamespace', 'n.oid')
    .select((eb) => {
      const usable = eb.fn<boolean>('has_schema_privilege', ['n.oid', eb.val('USAGE')]);
      const readable = eb.fn<boolean>('has_table_privilege', ['c.oid', eb.val('SELECT')]);
      return eb.fn
        .coalesce(eb.and([usable, readable]), eb.lit(false))
        .$castTo<boolean>()
        .as('found');
    })
    .where('n.nspname', '=', CONSOLE_SCHEMA)
    .where('c.relname', '=', table);
  return (await runQueryFirst(primary, query))?.found === true;
}
