import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';

/*
 * The console's own tables in schema `shard_console` on the primary, described once (sql/ creates
 * them): every query on them is built with Kysely against this interface, so a renamed column is a
 * compile error rather than a runtime one.
 */

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
  outcome: 'started' | 'succeeded' | 'failed';
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

export interface ConsoleDatabase {
  'shard_console.jobs': JobsTable;
  'shard_console.audit_log': AuditLogTable;
  'shard_console.size_snapshots': SizeSnapshotsTable;
  'shard_console.schema_versions': SchemaVersionsTable;
}

/** Kysely over the primary's pool, typed for the console's tables. */
export function consoleDb(primary: DatabaseHandle): Kysely<ConsoleDatabase> {
  return primary.db as Kysely<ConsoleDatabase>;
}
