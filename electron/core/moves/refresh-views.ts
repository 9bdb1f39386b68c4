import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';

/**
 * Refreshes every materialized view of a database: a refresh covers the whole view, and after a move
 * it is stale on both sides. CONCURRENTLY (readers never blocked) where a plain unique index allows it.
 */
export async function refreshMaterializedViews(handle: DatabaseHandle, catalog: DatabaseCatalog): Promise<string[]> {
  const refreshed: string[] = [];
  const client = await handle.longSession();
  try {
    for (const view of catalog.views.values()) {
      if (!view.materialized) continue;
      const concurrently = view.indexes.some((i) => i.unique && i.predicate === null && !i.columns.includes('(expression)'));
      await client.query(`REFRESH MATERIALIZED VIEW ${concurrently ? 'CONCURRENTLY ' : ''}${tableRef(view.schema, view.table)}`);
      refreshed.push(view.name);
    }
  } finally {
    client.release();
  }
  return refreshed;
}
