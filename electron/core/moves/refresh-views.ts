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

/** The tables (as `schema.table`) the database's materialized views read, from their rewrite rules. */
export async function materializedViewSources(handle: DatabaseHandle): Promise<Set<string>> {
  const r = await handle.query<{ schema: string; table: string }>(
    `SELECT DISTINCT n.nspname AS schema, c.relname AS table
       FROM pg_class v
       JOIN pg_rewrite w ON w.ev_class = v.oid
       JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid AND d.refclassid = 'pg_class'::regclass
       JOIN pg_class c ON c.oid = d.refobjid AND c.oid <> v.oid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE v.relkind = 'm'`,
  );
  return new Set(r.rows.map((row) => `${row.schema}.${row.table}`));
}
