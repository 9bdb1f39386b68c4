import { expressionBuilder, type Expression, type SqlBool } from 'kysely';
import { CONSOLE_SCHEMA } from '../console-schema/console-database.ts';
import { queryBuilder } from './run-query.ts';

/*
 * The PostgreSQL system catalogs the console reads, described once, with the columns it reads and
 * the types node-postgres returns for them (oid and int2 as numbers, int8 as text). Every
 * introspection query (catalog, drift, sizes, doctor, migration locks) is built against this, so a
 * misspelt catalog column is a compile error. Only read, never written.
 */

export interface PgClass {
  oid: number;
  relname: string;
  relnamespace: number;
  /** r table, p partitioned table, v view, m materialized view, i index, S sequence, t TOAST */
  relkind: string;
  reltuples: number;
  relispartition: boolean;
  reltoastrelid: number;
  relispopulated: boolean;
}

export interface PgNamespace {
  oid: number;
  nspname: string;
}

export interface PgAttribute {
  attrelid: number;
  attname: string;
  atttypid: number;
  atttypmod: number;
  attnum: number;
  attnotnull: boolean;
  attisdropped: boolean;
  attgenerated: string;
  attidentity: string;
}

export interface PgAttrdef {
  adrelid: number;
  adnum: number;
  /** pg_node_tree: only ever passed to pg_get_expr. */
  adbin: string;
}

export interface PgConstraint {
  oid: number;
  conname: string;
  /** p primary key, u unique, f foreign key, c check, x exclusion, n not null, t trigger */
  contype: string;
  conrelid: number;
  confrelid: number;
  conkey: number[] | null;
  confkey: number[] | null;
}

export interface PgIndex {
  indexrelid: number;
  indrelid: number;
  indisunique: boolean;
  /** False for an index a failed CREATE INDEX CONCURRENTLY left behind: queries do not use it. */
  indisvalid: boolean;
  /** Key columns of indkey (PostgreSQL 11+); the ones after them are INCLUDE columns. */
  indnkeyatts: number;
  /** int2vector: cast to int2[] to unnest it. */
  indkey: string;
  /** pg_node_tree of a partial index's predicate: only ever passed to pg_get_expr. */
  indpred: string | null;
}

export interface PgSequences {
  schemaname: string;
  sequencename: string;
  data_type: string;
  increment_by: string;
  min_value: string;
  max_value: string;
  cycle: boolean;
  last_value: string | null;
}

export interface PgDepend {
  classid: number;
  objid: number;
  refclassid: number;
  refobjid: number;
  refobjsubid: number;
  deptype: string;
}

export interface PgStatAllTables {
  relid: number;
  n_live_tup: string;
}

export interface PgStats {
  schemaname: string;
  tablename: string;
  inherited: boolean;
  null_frac: number;
  avg_width: number;
}

export interface PgLocks {
  locktype: string;
  granted: boolean;
  database: number | null;
  classid: number | null;
  objid: number | null;
  objsubid: number | null;
  pid: number | null;
}

export interface PgStatActivity {
  pid: number;
  application_name: string;
  usename: string | null;
  client_addr: string | null;
  backend_start: Date | null;
}

export interface PgDatabase {
  oid: number;
  datname: string;
}

export interface PgInherits {
  inhrelid: number;
  inhparent: number;
}

export interface SystemCatalog {
  'pg_catalog.pg_class': PgClass;
  'pg_catalog.pg_namespace': PgNamespace;
  'pg_catalog.pg_attribute': PgAttribute;
  'pg_catalog.pg_attrdef': PgAttrdef;
  'pg_catalog.pg_constraint': PgConstraint;
  'pg_catalog.pg_index': PgIndex;
  'pg_catalog.pg_sequences': PgSequences;
  'pg_catalog.pg_depend': PgDepend;
  'pg_catalog.pg_stat_all_tables': PgStatAllTables;
  'pg_catalog.pg_stats': PgStats;
  'pg_catalog.pg_locks': PgLocks;
  'pg_catalog.pg_stat_activity': PgStatActivity;
  'pg_catalog.pg_database': PgDatabase;
  'pg_catalog.pg_inherits': PgInherits;
}

/** Builds queries on the system catalogs; run them with runQuery. */
export const systemCatalog = queryBuilder<SystemCatalog>();

const SYSTEM_SCHEMAS: readonly string[] = Object.freeze(['pg_catalog', 'information_schema']);

/** Schemas that never hold application tables: the system's and the console's own bookkeeping. */
export const NON_APPLICATION_SCHEMAS: readonly string[] = Object.freeze([...SYSTEM_SCHEMAS, CONSOLE_SCHEMA]);

function noneOf(schema: Expression<string>, excluded: readonly string[]): Expression<SqlBool> {
  const eb = expressionBuilder<SystemCatalog, never>();
  return eb.and([eb(schema, 'not in', excluded), eb(schema, 'not like', 'pg\\_%')]);
}

/** `schema` is not a system schema (nor a `pg_` one: TOAST, temporary): the console's own included. */
export function isUserSchema(schema: Expression<string>): Expression<SqlBool> {
  return noneOf(schema, SYSTEM_SCHEMAS);
}

/** isApplicationSchema's test as SQL text, for a hand-written query: `column` names the schema (`n.nspname`). */
export function applicationSchemaSql(column: string): string {
  return `${column} NOT IN (${NON_APPLICATION_SCHEMAS.map((s) => `'${s}'`).join(', ')}) AND ${column} NOT LIKE 'pg\\_%'`;
}

/** `schema` can hold application tables: a user schema other than the console's own. */
export function isApplicationSchema(schema: Expression<string>): Expression<SqlBool> {
  return noneOf(schema, NON_APPLICATION_SCHEMAS);
}
