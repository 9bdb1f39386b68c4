import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { websitePredicate, type ScopedTable } from './tenant-scope.ts';

const BATCH = 5_000;

/**
 * Deletes a website's rows from one database, children before parents (reverse copy order) so FK
 * chains stay resolvable, in batches so no single transaction holds a big tenant's locks. A
 * self-referencing table goes in one statement: a batch could otherwise remove a parent folder whose
 * child is in the next batch. Idempotent: a rerun finds nothing left to delete.
 */
export async function deleteWebsiteRows(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  tables: readonly ScopedTable[],
  websiteId: number,
  onDeleted?: (table: string, rows: number) => void,
): Promise<number> {
  let total = 0;
  const ordered = [...tables].sort((a, b) => b.level - a.level || a.name.localeCompare(b.name));
  const client = await handle.pool.connect();
  try {
    await client.query(`SET shard_console.bypass_fence = 'on'`);
    for (const t of ordered) {
      const ref = tableRef(t.table.schema, t.table.table);
      const where = websitePredicate(t, catalog, websiteId);
      if (t.selfReferencing) {
        const r = await client.query(`DELETE FROM ${ref} t WHERE ${where}`);
        total += r.rowCount ?? 0;
        onDeleted?.(t.name, r.rowCount ?? 0);
        continue;
      }
      for (;;) {
        const r = await client.query(`DELETE FROM ${ref} WHERE ctid = ANY (ARRAY(SELECT t.ctid FROM ${ref} t WHERE ${where} LIMIT ${BATCH}))`);
        const n = r.rowCount ?? 0;
        total += n;
        if (n > 0) onDeleted?.(t.name, n);
        if (n < BATCH) break;
      }
    }
  } finally {
    await client.query(`RESET shard_console.bypass_fence`).catch(() => {});
    client.release();
  }
  return total;
}
