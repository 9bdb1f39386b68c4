import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { groupedTenantCountsSql } from './tenant-key-sql.ts';
import { tenantRowWidths } from './tenant-row-widths.ts';

/**
 * Rows read per table at most: a table above this is block-sampled down to about this many rows. It
 * bounds the estimate's cost per database (tables x this) whatever the data grows to, which is what
 * keeps the largest-tenants view under two seconds at 10 million rows.
 */
export const SAMPLE_ROWS_PER_TABLE = 10_000;
/**
 * FK-chained tables cost an index lookup of the parent per sampled group (about ten times a row of a
 * keyed table), so they read a third of that: still thousands of rows of any tenant large enough to rank.
 */
const CHAINED_SHARE = 3;

export interface TenantEstimate {
  readonly id: number;
  readonly rows: number;
  readonly bytes: number;
}

export interface TenantEstimates {
  /** Distinct tenant keys seen (in sampled tables a tiny tenant can go unseen). */
  readonly tenants: number;
  readonly rows: number;
  readonly bytes: number;
  /** The largest `limit` tenants by estimated bytes, largest first. */
  readonly largest: TenantEstimate[];
  /** Tables read as a sample rather than row by row. */
  readonly sampledTables: string[];
}

/**
 * Estimated bytes and rows of every tenant on one database, in one statement: each tenant table is
 * grouped by tenant key in one pass (FK-chained tables through their parents; large tables from a
 * block sample), weighted by its average row width, and summed per tenant inside PostgreSQL, so only
 * the top `limit` rows and the totals travel back, whatever the number of tenants.
 */
export async function estimateTenantSizes(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  limit: number,
  options: { sampleRowsPerTable?: number } = {},
): Promise<TenantEstimates> {
  const budget = options.sampleRowsPerTable ?? SAMPLE_ROWS_PER_TABLE;
  const stats = await tenantRowWidths(handle, catalog);
  const sampledTables: string[] = [];
  const parts = [...catalog.tenantTables.values()].map((tenant) => {
    const table = stats.get(tenant.table) ?? { width: 0, rows: 0 };
    const tableBudget = tenant.chain.length === 0 ? budget : Math.max(1, Math.round(budget / CHAINED_SHARE));
    const sampling = table.rows > tableBudget ? { percent: (100 * tableBudget) / table.rows, tableRows: table.rows } : null;
    if (sampling) sampledTables.push(tenant.table);
    const width = Number.isFinite(table.width) ? table.width : 0;
    return `SELECT g.k, g.n, ${width}::float8 AS w FROM (${groupedTenantCountsSql(tenant, catalog.tables, sampling)}) g`;
  });
  if (parts.length === 0) return { tenants: 0, rows: 0, bytes: 0, largest: [], sampledTables };
  const sql = `
    SELECT k::text AS id, round(sum(n))::int8::text AS rows, round(sum(n * w))::int8::text AS bytes,
           count(*) OVER ()::text AS tenants, round(sum(sum(n)) OVER ())::int8::text AS total_rows,
           round(sum(sum(n * w)) OVER ())::int8::text AS total_bytes
      FROM (${parts.join('\n UNION ALL ')}) u
     WHERE k IS NOT NULL
     GROUP BY k
     ORDER BY sum(n * w) DESC, k
     LIMIT $1`;
  const result = await handle.query<{ id: string; rows: string; bytes: string; tenants: string; total_rows: string; total_bytes: string }>(sql, [limit]);
  const first = result.rows[0];
  return {
    tenants: Number(first?.tenants ?? 0),
    rows: Number(first?.total_rows ?? 0),
    bytes: Number(first?.total_bytes ?? 0),
    largest: result.rows.map((r) => ({ id: Number(r.id), rows: Number(r.rows), bytes: Number(r.bytes) })),
    sampledTables: sampledTables.sort(),
  };
}
