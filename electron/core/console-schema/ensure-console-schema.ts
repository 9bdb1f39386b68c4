import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { CONSOLE_SCHEMA } from '../catalog/introspect-database.ts';
import { APP_ROOT } from '../app-paths.ts';
import { assertWritableDatabase } from '../read-only-guard.ts';

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
  assertWritableDatabase(primary, 'Creating the console\'s own tables (shard_console)');
  let done = ensured.get(primary);
  if (!done) {
    done = upgrade(primary);
    ensured.set(primary, done);
    done.catch(() => ensured.delete(primary));
  }
  return done;
}

async function upgrade(primary: DatabaseHandle): Promise<void> {
  const files = (await readdir(SQL_DIR)).filter((f) => f.endsWith('.sql')).sort();
  const client = await primary.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${CONSOLE_SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${CONSOLE_SCHEMA}.schema_versions (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = new Set((await client.query<{ version: string }>(`SELECT version FROM ${CONSOLE_SCHEMA}.schema_versions`)).rows.map((r) => r.version));
    for (const file of files) {
      if (applied.has(file)) continue;
      await client.query(await readFile(join(SQL_DIR, file), 'utf8'));
      await client.query(`INSERT INTO ${CONSOLE_SCHEMA}.schema_versions (version) VALUES ($1)`, [file]);
    }
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
  const found = await primary.query<{ found: boolean }>(
    `SELECT coalesce(has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT'), false) AS found
       FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid WHERE n.nspname = $1 AND c.relname = $2`,
    [CONSOLE_SCHEMA, table],
  );
  return found.rows[0]?.found === true;
}
