import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { poolShare, runLimited } from '../run-limited.ts';
import { groupedTenantCountsSql, tenantCountsForKeysSql } from '../shards/tenant-key-sql.ts';

/**
 * Exact rows per tenant key on one database, every tenant table counted once (FK-chained tables through
 * their parents) and summed per key in PostgreSQL: one row per key comes back, never one per table.
 * Unlike the size estimate nothing is sampled: one misplaced row must show.
 */
export async function tenantKeyTotals(handle: DatabaseHandle, catalog: DatabaseCatalog): Promise<Map<number, number>> {
  const parts = [...catalog.tenantTables.values()].map((t) => groupedTenantCountsSql(t, catalog.tables));
  const totals = new Map<number, number>();
  if (parts.length === 0) return totals;
  const result = await handle.query<{ k: string; n: string }>(
    `SELECT k::text, sum(n)::int8::text AS n FROM (${parts.join('\n UNION ALL ')}) u WHERE k IS NOT NULL GROUP BY k`,
  );
  for (const r of result.rows) totals.set(Number(r.k), Number(r.n));
  return totals;
}

/** Rows per tenant table of the given keys only (index-driven): table -> key -> rows. */
export async function tenantRowsByTable(handle: DatabaseHandle, catalog: DatabaseCatalog, keys: readonly number[]): Promise<Map<string, Map<number, number>>> {
  const out = new Map<string, Map<number, number>>();
  if (keys.length === 0) return out;
  await runLimited([...catalog.tenantTables.values()], poolShare(handle.pool), async (t) => {
    const { rows } = await handle.query<{ k: string; n: string }>(tenantCountsForKeysSql(t, catalog.tables), [keys]);
    if (rows.length > 0) out.set(t.table, new Map(rows.map((r) => [Number(r.k), Number(r.n)])));
  });
  return out;
}
