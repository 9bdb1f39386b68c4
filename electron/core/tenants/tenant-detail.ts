import type { TenantDetailResult } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import { describeTenantPath } from '../catalog/tenant-tables.ts';
import { tenantRowsQuery } from '../catalog/tenant-row-filter.ts';
import { databaseForShard, findWebsite } from './website-routing.ts';

/**
 * Exact rows and bytes of one website in every tenant table of the database that holds it, tables
 * reached only through FK chains included. Bytes are the sum of each row's stored size (pg_column_size
 * of the whole row), so they add up to what a move would copy.
 */
export async function tenantDetail(ctx: ConsoleContext, id: number): Promise<TenantDetailResult> {
  const website = await findWebsite(ctx, id);
  const database = databaseForShard(ctx, website);
  const handle = ctx.pools.get(database);
  const catalog = await ctx.catalog.get(database);
  const tenantTables = [...catalog.tenantTables.values()].sort((a, b) => a.table.localeCompare(b.table));
  const tables = await Promise.all(
    tenantTables.map(async (t) => {
      const sql = tenantRowsQuery(t, catalog.tables, `count(*)::int8::text AS rows, coalesce(sum(pg_column_size(t.*)), 0)::int8::text AS bytes`);
      const result = await handle.query<{ rows: string; bytes: string }>(sql, [id]);
      const row = result.rows[0]!;
      return { table: t.table, rows: Number(row.rows), bytes: Number(row.bytes), via: describeTenantPath(t) };
    }),
  );
  return {
    id: website.id,
    subdomain: website.subdomain,
    customDomain: website.customDomain,
    shard: website.shard,
    database,
    tables,
    totalRows: tables.reduce((sum, t) => sum + t.rows, 0),
    totalBytes: tables.reduce((sum, t) => sum + t.bytes, 0),
  };
}
