import type { TenantDetailResult } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import { describeTenantPath } from '../catalog/tenant-tables.ts';
import { tenantRowsQuery } from '../catalog/tenant-row-filter.ts';
import { databaseForShard, findWebsite } from './website-routing.ts';
import { poolShare, runLimited } from '../run-limited.ts';
import { databaseError } from '../pools/database-error.ts';
import { lockHolders } from '../pools/lock-holders.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { ConsoleError } from '../../../shared/errors.ts';

/** How long counting a website's rows waits for a table another session holds exclusively. */
const LOCK_WAIT_SECONDS = 5;

async function lockedTable(handle: DatabaseHandle, table: string, id: number): Promise<ConsoleError> {
  const holders = await lockHolders(handle, { exclusive: true }).catch(() => '');
  return new ConsoleError(
    'DATABASE_ERROR',
    `${table} on ${handle.target.name} is locked by another session${holders || ''}, so website ${id}'s rows there could not be counted within ${LOCK_WAIT_SECONDS} s. Refresh once it is released (a migration or a VACUUM FULL ends on its own; an idle transaction does not: end it with SELECT pg_terminate_backend(pid)).`,
    { target: handle.target.name },
  );
}

/**
 * Exact rows and bytes of one website in every tenant table of the database that holds it, tables
 * reached only through FK chains included. Bytes are the sum of each row's stored size (pg_column_size
 * of the whole row), so they add up to what a move would copy. `on`: another database than the one the
 * website routes to (a known one; the caller checked it).
 */
export async function tenantDetail(ctx: ConsoleContext, id: number, on?: string): Promise<TenantDetailResult> {
  const website = await findWebsite(ctx, id);
  const database = on ?? databaseForShard(ctx, website);
  const handle = ctx.pools.get(database);
  const catalog = await ctx.catalog.get(database);
  const tenantTables = [...catalog.tenantTables.values()].sort((a, b) => a.table.localeCompare(b.table));
  const measured = new Map<string, { table: string; rows: number; bytes: number; via: string }>();
  // Bounded fan-out: 19 tables at once would queue in the pool past its connect timeout on a big tenant.
  await runLimited(tenantTables, poolShare(handle.pool), async (t) => {
    const sql = tenantRowsQuery(t, catalog.tables, `count(*)::int8::text AS rows, coalesce(sum(pg_column_size(t.*)), 0)::int8::text AS bytes`);
    const client = await handle.longSession();
    try {
      // Counting may take as long as the website is big, but never waits long for a table another
      // session holds exclusively (a migration, a VACUUM FULL): the page says who, instead of spinning.
      await client.query(`SET lock_timeout = '${LOCK_WAIT_SECONDS}s'`);
      const row = (await client.query<{ rows: string; bytes: string }>(sql, [id])).rows[0]!;
      measured.set(t.table, { table: t.table, rows: Number(row.rows), bytes: Number(row.bytes), via: describeTenantPath(t) });
    } catch (error) {
      if ((error as { code?: string }).code === '55P03') throw await lockedTable(handle, t.table, id);
      throw databaseError(handle.target, error);
    } finally {
      await client.query('RESET lock_timeout').catch(() => {});
      client.release();
    }
  });
  const tables = tenantTables.map((t) => measured.get(t.table)!);
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
