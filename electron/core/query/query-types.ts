/*
 * The query console's shapes. They are plain data the contract (shared/) will restate as zod schemas
 * once the query methods exist; until then they live here, beside the engine that produces them.
 */

/** Which databases a run goes to. `website` routes to the database its shard_name names and binds its id as $1. */
export type QueryTarget =
  | { readonly kind: 'all' }
  | { readonly kind: 'shards' }
  | { readonly kind: 'databases'; readonly names: readonly string[] }
  | { readonly kind: 'website'; readonly id: number };

export interface QueryColumn {
  readonly name: string;
  /** PostgreSQL's name for the type with its modifier, as format_type gives it: `character varying(255)`, `numeric(10,2)`. */
  readonly type: string;
}

/** Why one database gave no (or not all of its) rows. `code` is a ConsoleError code; `sqlstate` PostgreSQL's, when it sent one. */
export interface QueryDatabaseError {
  readonly code: string;
  readonly sqlstate: string | null;
  readonly message: string;
}

/** One database's part of a run (or of a "fetch more"): the element of the result's `databases`. */
export interface QueryDatabaseOutcome {
  readonly name: string;
  /** Rows this call returned from the database. */
  readonly rows: number;
  /** More rows wait in its cursor ("fetch more" reads them). */
  readonly truncated: boolean;
  /** From the call's start to this database's last row or error. */
  readonly ms: number;
  readonly error: QueryDatabaseError | null;
}

/**
 * What a run streams through `emit`, per database: `columns` once (before its first rows), `rows` chunks
 * (values in that database's own column order), then `done`. A fetch-more streams `rows` and `done`.
 */
export type QueryEvent =
  | { readonly type: 'columns'; readonly database: string; readonly columns: readonly QueryColumn[] }
  | { readonly type: 'rows'; readonly database: string; readonly rows: readonly (readonly unknown[])[] }
  | { readonly type: 'done'; readonly outcome: QueryDatabaseOutcome };

/** A row of the merged result: values in the order of the result's `columns` (null where its database lacks the column). */
export interface QueryResultRow {
  readonly database: string;
  readonly values: readonly unknown[];
}

/** The merged result, the shape `shard-console query --json` prints. */
export interface QueryResult {
  readonly columns: readonly QueryColumn[];
  readonly rows: readonly QueryResultRow[];
  readonly databases: readonly QueryDatabaseOutcome[];
}

/** A run's request. `timeoutSeconds` overrides the profile's statement timeout for this run. */
export interface QueryRequest {
  readonly sql: string;
  readonly target: QueryTarget;
  /** Rows per database before the run stops and waits for "fetch more" (default 1,000). */
  readonly limit?: number;
  readonly timeoutSeconds?: number;
}
