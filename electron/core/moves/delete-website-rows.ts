import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type pg from 'pg';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { runLimited } from '../run-limited.ts';
import { websitePredicate, type ScopedTable } from './tenant-scope.ts';

const BATCH = 10_000;

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
      // the dead tuples the previous ones left (a LIMIT without a key restart is quadratic on big tenants).
      const pk = t.table.primaryKey.map((c) => `t.${quoteIdent(c)}`);
      const pkRow = `ROW(${pk.join(', ')})`;
      let last: unknown[] | null = null;
      for (;;) {
        const after = last ? ` AND ${pkRow} > ROW(${last.map((_, i) => `$${i + 1}`).join(', ')})` : '';
        const keys = t.table.primaryKey.map((c) => quoteIdent(c));
        const r: pg.QueryResult = await client.query(
          `WITH batch AS MATERIALIZED (SELECT ${pk.join(', ')} FROM ${ref} t WHERE ${where}${after} ORDER BY ${pk.join(', ')} LIMIT ${BATCH}),
                gone AS (DELETE FROM ${ref} d USING batch b WHERE ${keys.map((k) => `d.${k} = b.${k}`).join(' AND ')} RETURNING 1)
           SELECT (SELECT count(*) FROM gone)::int AS n, ${keys.map((k, i) => `(SELECT b.${k} FROM batch b ORDER BY ${keys.map((x) => `b.${x} DESC`).join(', ')} LIMIT 1)::text AS k${i}`).join(', ')}`,
          last ?? [],
        );
        const row = r.rows[0] as Record<string, unknown>;
        const n = Number(row.n);
        total += n;
        if (n > 0) onDeleted?.(t.name, n);
        if (n < BATCH) break;
        last = keys.map((_, i) => row[`k${i}`]);
      }
  } finally {
    await client.query(`RESET shard_console.bypass_fence`).catch(() => {});
    client.release();
  }
  return total;
}
