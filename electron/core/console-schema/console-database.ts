import type { ColumnType, Generated, Kysely } from 'kysely';
import { queryBuilder } from '../catalog/run-query.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';

/*
 * The console's own tables in schema `shard_console`, described once (sql/ creates them on the
 * primary; the migration ledger is created on every database by migrations/): every query on them is
 * built with Kysely against this interface, so a renamed column is a compile error rather than a
 * runtime one. A new table: its interface below, then its line in ConsoleDatabase.
 */

/** The console's own schema: never an application schema, left out of introspection and copies. */
export const CONSOLE_SCHEMA = 'shard_console';

/** The marker a schema or table the console creates for a restore carries in its comment. */
export const RESTORE_MARK = 'shard-console restore ';

type Json<T> = ColumnType<T, string, string>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface JobsTable {
  id: string;
  kind: 'migration' | 'backup' | 'restore';
  title: string;
  state: 'running' | 'succeeded' | 'failed' | 'interrupted' | 'cancelled' | 'rolled_back';
  started_by: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  finished_at: Timestamp | null;
  params: Json<Record<string, unknown>>;
  progress: Json<unknown> | null;
  detail: Json<unknown>;
  error: Json<unknown> | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Generated<Date>;
  actor: string;
  action: string;
  target: string | null;
  details: Json<Record<string, unknown>>;
  /** 'started' by default until the action's outcome is known. */
  outcome: ColumnType<'started' | 'succeeded' | 'failed', 'started' | undefined, 'succeeded' | 'failed'>;
  finished_at: Timestamp | null;
  error: string | null;
}

export interface SizeSnapshotsTable {
  id: Generated<string>;
  taken_at: Generated<Date>;
  database: string;
  size_bytes: ColumnType<string, string | number, string | number>;
  websites: number | null;
  table_bytes: Json<Record<string, number>>;
}

export interface SchemaVersionsTable {
  version: string;
  applied_at: Generated<Date>;
}

/** What ran where, beside Rails' schema_migrations, on every database (see migrations/migration-ledger.ts). */
export interface MigrationChecksumsTable {
  version: string;
  name: string;
  migration_set: string;
  checksum: string;
  status: 'applied' | 'failed';
  applied_at: Timestamp | null;
  failed_at: Timestamp | null;
  error: string | null;
}

export interface ConsoleDatabase {
  'shard_console.jobs': JobsTable;
  'shard_console.audit_log': AuditLogTable;
  'shard_console.size_snapshots': SizeSnapshotsTable;
  'shard_console.schema_versions': SchemaVersionsTable;
  'shard_console.migration_checksums': MigrationChecksumsTable;
}

/** Builds queries on the console's tables without a connection, to run with runQuery on a handle or a client. */
export const consoleTables = queryBuilder<ConsoleDatabase>();

/** Kysely over the primary's pool, typed for the console's tables. */
export function consoleDb(primary: DatabaseHandle): Kysely<ConsoleDatabase> {
  return primary.db as Kysely<ConsoleDatabase>;
}
