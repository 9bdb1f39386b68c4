import type pg from 'pg';
import { CONSOLE_SCHEMA } from '../catalog/introspect-database.ts';
import type { MigrationFile } from './migration-files.ts';

/*
 * What ran where. `schema_migrations (version)` is Rails' own table, so a database Rails manages shows
 * its real state and one the console migrated looks migrated to Rails. Beside it, on every database
 * (shards have no console schema otherwise), `shard_console.migration_checksums` keeps the checksum of
 * the file that ran, when, and the last failure, which Rails' table has no room for.
 */

interface Queryable {
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

const LEDGER = `${CONSOLE_SCHEMA}.migration_checksums`;

export async function ensureLedger(client: pg.ClientBase): Promise<void> {
  await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version character varying NOT NULL PRIMARY KEY)');
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${CONSOLE_SCHEMA}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${LEDGER} (
    version character varying PRIMARY KEY,
    name text NOT NULL,
    migration_set text NOT NULL,
    checksum text NOT NULL,
    status text NOT NULL CHECK (status IN ('applied', 'failed')),
    applied_at timestamptz,
    failed_at timestamptz,
    error text
  )`);
}

export interface LedgerEntry {
  readonly status: 'applied' | 'failed';
  readonly checksum: string;
  readonly appliedAt: Date | null;
  readonly failedAt: Date | null;
  readonly error: string | null;
}

export interface Ledger {
  /** Versions in schema_migrations. */
  readonly applied: ReadonlySet<string>;
  readonly entries: ReadonlyMap<string, LedgerEntry>;
}

/** Reads without creating anything: status and dry runs must not write, and a fresh database has neither table. */
export async function readLedger(db: Queryable): Promise<Ledger> {
  // The ledger only when this role may read it: a SELECT-only role of a read-only console sees the
  // versions (Rails' table, beside the application's) without the checksums.
  const tables = await db.query<{ migrations: string | null; ledger: string | null }>(
    `SELECT to_regclass('schema_migrations')::text AS migrations,
            (SELECT 'ok' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = '${CONSOLE_SCHEMA}' AND c.relname = 'migration_checksums'
                AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')) AS ledger`,
  );
  const row = tables.rows[0];
  const applied = row?.migrations ? (await db.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version) : [];
  const entries = new Map<string, LedgerEntry>();
  if (row?.ledger) {
    const found = await db.query<{ version: string; status: 'applied' | 'failed'; checksum: string; applied_at: Date | null; failed_at: Date | null; error: string | null }>(
      `SELECT version, status, checksum, applied_at, failed_at, error FROM ${LEDGER}`,
    );
    for (const r of found.rows) entries.set(r.version, { status: r.status, checksum: r.checksum, appliedAt: r.applied_at, failedAt: r.failed_at, error: r.error });
  }
  return { applied: new Set(applied), entries };
}

/** Inside the migration's own transaction: the version and its checksum commit with the schema change or not at all. */
export async function recordApplied(client: pg.ClientBase, file: MigrationFile): Promise<void> {
  await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file.version]);
  await client.query(
    `INSERT INTO ${LEDGER} (version, name, migration_set, checksum, status, applied_at, failed_at, error)
     VALUES ($1, $2, $3, $4, 'applied', now(), NULL, NULL)
     ON CONFLICT (version) DO UPDATE SET name = excluded.name, migration_set = excluded.migration_set, checksum = excluded.checksum,
       status = 'applied', applied_at = now(), failed_at = NULL, error = NULL`,
    [file.version, file.name, file.set, file.checksum],
  );
}

/** After the rollback, in a transaction of its own, so the matrix can show the failure and its error. */
export async function recordFailure(client: pg.ClientBase, file: MigrationFile, error: string): Promise<void> {
  await client.query(
    `INSERT INTO ${LEDGER} (version, name, migration_set, checksum, status, failed_at, error)
     VALUES ($1, $2, $3, $4, 'failed', now(), $5)
     ON CONFLICT (version) DO UPDATE SET checksum = excluded.checksum, status = 'failed', failed_at = now(), error = excluded.error`,
    [file.version, file.name, file.set, file.checksum, error],
  );
}
