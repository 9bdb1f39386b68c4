import type { ViewRefresh } from '../../../shared/methods/move-methods.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';

/**
 * Refreshes every materialized view of a database: a refresh covers the whole view, and after a move
 * it is stale on both sides. `concurrently` (readers never blocked) where a plain unique index allows
 * it; `rebuild` on request, or for a view without such an index. The refresh's diff and sorts get a
 * generous work_mem for this transaction only: with the default they spill to disk.
 */
export async function refreshMaterializedViews(handle: DatabaseHandle, catalog: DatabaseCatalog, mode: ViewRefresh = 'concurrently'): Promise<string[]> {
  const refreshed: string[] = [];
  const client = await handle.longSession();
  try {
    for (const view of catalog.views.values()) {
      if (!view.materialized) continue;
      const concurrently = mode === 'concurrently' && view.indexes.some((i) => i.unique && i.predicate === null && !i.columns.includes('(expression)'));
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL work_mem = '256MB'`);
        await client.query(`REFRESH MATERIALIZED VIEW ${concurrently ? 'CONCURRENTLY ' : ''}${tableRef(view.schema, view.table)}`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        const failed = new Error(`refreshing ${view.name} on ${handle.target.name}: ${(error as Error).message}`, { cause: error });
        throw Object.assign(failed, { code: (error as { code?: string }).code });
      }
      refreshed.push(view.name);
    }
  } finally {
    client.release();
  }
  return refreshed;
}

/** What a database's materialized views read: every table (as `schema.table`), or `complete` false when that cannot be known. */
export interface ViewSources {
  readonly tables: ReadonlySet<string>;
  /** False when a view reads through a function of the database's own (its tables are not in the catalog's dependencies). */
  readonly complete: boolean;
}

/**
 * The tables the database's materialized views read, from their rewrite rules, followed through the
 * plain views (and materialized views) they read and down to the partitions and inheritance children of
 * the tables they name: a refresh reads all of those. A view that calls a function defined in the
 * database may read anything: `complete` is false, and callers treat every table as a source.
 */
export async function materializedViewSources(handle: DatabaseHandle): Promise<ViewSources> {
  const reads = `WITH RECURSIVE edges(parent, child) AS (
         SELECT w.ev_class, d.refobjid FROM pg_rewrite w
           JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> w.ev_class
         UNION ALL
         SELECT inhparent, inhrelid FROM pg_inherits
       ), reads(rel) AS (
         SELECT oid FROM pg_class WHERE relkind = 'm'
         UNION
         SELECT e.child FROM reads r JOIN edges e ON e.parent = r.rel
       )`;
  const tables = await handle.query<{ schema: string; table: string }>(
    `${reads} SELECT DISTINCT n.nspname AS schema, c.relname AS table
       FROM reads r JOIN pg_class c ON c.oid = r.rel JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'f')`,
  );
  const opaque = await handle.query<{ opaque: boolean }>(
    `${reads} SELECT EXISTS (
       SELECT 1 FROM reads r JOIN pg_rewrite w ON w.ev_class = r.rel
         JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid AND d.refclassid = 'pg_proc'::regclass
        WHERE d.refobjid >= 16384) AS opaque`,
  );
  return { tables: new Set(tables.rows.map((row) => `${row.schema}.${row.table}`)), complete: !opaque.rows[0]!.opaque };
}

/**
 * Which of the tables being written the views read (every one of them when the sources are not
 * complete), and `written(name)`, to call as each commits: once all the read ones are in, `start`
 * runs, once (never when the views read none of the database's tables: their refresh waits for its step).
 */
export function viewSourceGate(
  sources: ViewSources,
  tables: ReadonlyArray<{ readonly name: string; readonly schema: string; readonly table: string }>,
  start: () => void,
): { readonly read: ReadonlySet<string>; written: (name: string) => void } {
  const read = new Set(tables.filter((t) => !sources.complete || sources.tables.has(`${t.schema}.${t.table}`)).map((t) => t.name));
  const waiting = new Set(read);
  let started = sources.complete && sources.tables.size === 0;
  return {
    read,
    written(name) {
      waiting.delete(name);
      if (started || waiting.size > 0) return;
      started = true;
      start();
    },
  };
}
