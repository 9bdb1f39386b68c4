import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type pg from 'pg';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { runLimited } from '../run-limited.ts';
import { websitePredicate, type ScopedTable } from './tenant-scope.ts';

const BATCH = 50_000;

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
  const levels = [...new Set(tables.map((t) => t.level))].sort((a, b) => b - a);
  for (const level of levels) {
    // Tables of one level do not reference each other: they are cleared in parallel, children's level first.
    const atLevel = tables.filter((t) => t.level === level).sort((a, b) => a.name.localeCompare(b.name));
    await runLimited(atLevel, 3, async (t) => {
      total += await deleteTableRows(handle, catalog, t, websiteId, onDeleted);
    });
  }
  return total;
}


async function deleteTableRows(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  t: ScopedTable,
  websiteId: number,
  onDeleted?: (table: string, rows: number) => void,
): Promise<number> {
  let total = 0;
  const client = await handle.longSession();
  try {
    await client.query(`SET shard_console.bypass_fence = 'on'`);
    const ref = tableRef(t.table.schema, t.table.table);
    const where = websitePredicate(t, catalog, websiteId);
    if (t.selfReferencing) {
      const r = await client.query(`DELETE FROM ${ref} t WHERE ${where}`);
      total += r.rowCount ?? 0;
      onDeleted?.(t.name, r.rowCount ?? 0);
      return total;
    }
    // Keyset batches on the primary key: each batch starts where the last ended, so no batch rescans
    // the dead tuples the previous ones left (a LIMIT without a key restart is quadratic on big
    // tenants). The batch's keys go in as an array, `= ANY(ARRAY(...))`, which can only be an index
    // (or TID) scan: a join against the batch let the planner pick a hash join that read the whole
    // table once per batch. A composite key goes by ctid, which cannot change under the fence.
    const pk = t.table.primaryKey.map((c) => `t.${quoteIdent(c)}`);
    const rowKey = pk.length === 1 ? quoteIdent(t.table.primaryKey[0]!) : 'ctid';
    let last: string[] | null = null;
    for (;;) {
      const after = last ? ` AND ROW(${pk.join(', ')}) > ROW(${last.map((_, i) => `$${i + 1}`).join(', ')})` : '';
      const r: pg.QueryResult<Record<string, string | number>> = await client.query(
        `WITH gone AS (
           DELETE FROM ${ref} d WHERE d.${rowKey} = ANY(ARRAY(SELECT t.${rowKey} FROM ${ref} t WHERE ${where}${after} ORDER BY ${pk.join(', ')} LIMIT ${BATCH}))
           RETURNING ${t.table.primaryKey.map((c) => `d.${quoteIdent(c)}`).join(', ')})
         SELECT count(*)::int AS n, ${t.table.primaryKey.map((c, i) => `(array_agg(g.${quoteIdent(c)}::text ORDER BY ${t.table.primaryKey.map((x) => `g.${quoteIdent(x)} DESC`).join(', ')}))[1] AS k${i}`).join(', ')} FROM gone g`,
        last ?? [],
      );
      const row = r.rows[0]!;
      const n = Number(row.n);
      total += n;
      // Stop on an empty batch, not a short one: a short batch may only mean another session removed
      // some of its rows first, with more of the website's rows after them.
      if (n === 0) break;
      onDeleted?.(t.name, n);
      last = t.table.primaryKey.map((_, i) => String(row[`k${i}`]));
    }
  } finally {
    await client.query(`RESET shard_console.bypass_fence`).catch(() => {});
    client.release();
  }
  return total;
}
