import type { Figure, TenantFootprintResult } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import { poolShare, runLimited } from '../run-limited.ts';
import { tenantDetail } from '../tenants/tenant-detail.ts';
import { databaseForShard, findWebsite } from '../tenants/website-routing.ts';
import { readTableSizes, tenantDataBytes } from './table-sizes.ts';
import { tenantCountsForKeysSql } from './tenant-key-sql.ts';
import { tenantRowWidths } from './tenant-row-widths.ts';

/**
 * One website's bytes and rows per tenant table on its database. `exact` sums every row's stored size
 * (tenants/tenant-detail); `estimate` counts its rows and weighs them with the tables' average row
 * width, the same figure the largest-tenants list shows, so the two can be compared side by side.
 * `on` measures on another database than the one the website routes to (rows it has left there).
 */
export async function tenantFootprint(ctx: ConsoleContext, id: number, figure: Figure, on?: string): Promise<TenantFootprintResult> {
  const website = await findWebsite(ctx, id);
  const database = on === undefined ? databaseForShard(ctx, website) : ctx.pools.get(on).target.name;
  const handle = ctx.pools.get(database);
  const catalog = await ctx.catalog.get(database);
  const sizes = readTableSizes(handle, catalog);
  // Handled now so a failure while the tables are measured is not an unhandled rejection; rethrown below.
  sizes.catch(() => {});
  let tables: { table: string; rows: number; bytes: number }[];
  if (figure === 'exact') {
    const detail = await tenantDetail(ctx, id, database);
    tables = detail.tables.map((t) => ({ table: t.table, rows: t.rows, bytes: t.bytes }));
  } else {
    const widths = await tenantRowWidths(handle, catalog);
    const tenantTables = [...catalog.tenantTables.values()].sort((a, b) => a.table.localeCompare(b.table));
    const counted = new Map<string, number>();
    await runLimited(tenantTables, poolShare(handle.pool), async (t) => {
      const result = await handle.query<{ n: string }>(tenantCountsForKeysSql(t, catalog.tables), [[id]]);
      counted.set(t.table, Number(result.rows[0]?.n ?? 0));
    });
    tables = tenantTables.map((t) => {
      const rows = counted.get(t.table)!;
      return { table: t.table, rows, bytes: Math.round(rows * (widths.get(t.table)?.width ?? 0)) };
    });
  }
  const totalBytes = tables.reduce((sum, t) => sum + t.bytes, 0);
  const dataBytes = tenantDataBytes((await sizes).tables);
  return {
    id: website.id,
    subdomain: website.subdomain,
    shard: website.shard,
    database,
    figure,
    tables,
    totalRows: tables.reduce((sum, t) => sum + t.rows, 0),
    totalBytes,
    share: dataBytes > 0 ? Math.round((totalBytes / dataBytes) * 10_000) / 10_000 : 0,
  };
}
