import type { ColumnType, Generated } from 'kysely';
import type { MoveJob, MovePlan, MoveState, MoveStep } from '../../../shared/methods/move-methods.ts';
import { queryBuilder } from '../catalog/run-query.ts';

/*
 * The console tables moves own, described once (console-schema/sql/ creates move_jobs on the primary;
 * the fence creates fenced_websites on each source): every query on them is built with Kysely against
 * this interface, so a renamed column is a compile error. The rest of the console schema is described
 * in console-schema/console-database.ts.
 */

type Json<T> = ColumnType<T, string, string>;
/** A jsonb column with a default: optional on insert. */
type JsonWithDefault<T> = ColumnType<T, string | undefined, string>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** Per table: the target transaction that copied it and how many rows its COPY wrote. */
export interface CopiedTable {
  xid: string;
  rows: number;
}

export interface MoveJobsTable {
  id: string;
  website_id: number;
  source: string;
  target: string;
  state: MoveState;
  step: MoveStep;
  started_by: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  finished_at: Timestamp | null;
  error: string | null;
  plan: Json<MovePlan | null> | null;
  progress: JsonWithDefault<MoveJob['progress']>;
  verification: JsonWithDefault<MoveJob['verification']>;
  timings: JsonWithDefault<Record<string, number>>;
  copy_xids: JsonWithDefault<string[]>;
  /** Per table: the target transaction that copied it and how many rows its COPY wrote. */
  copied: JsonWithDefault<Record<string, CopiedTable>>;
  rollback_of: string | null;
  rollback_job: string | null;
  /** Per database: when its materialized views were last refreshed by this job. */
  refreshed_at: JsonWithDefault<Record<string, string>>;
}

/** On each source database while a move of one of its websites is under way: what the fence triggers read. */
export interface FencedWebsitesTable {
  website_id: ColumnType<string, number, number>;
  job_id: string;
  fenced_at: Generated<Date>;
}

export interface MoveDatabase {
  'shard_console.move_jobs': MoveJobsTable;
  'shard_console.fenced_websites': FencedWebsitesTable;
}

/** Builds queries on the move tables without a connection; run them with runQuery on the session that must run them. */
export const moveTables = queryBuilder<MoveDatabase>();
