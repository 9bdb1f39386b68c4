import { sql } from 'kysely';
import type { DatabaseLargestTenants, LargestTenantsResult } from '../../../shared/contract.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { databaseError } from '../pools/database-error.ts';
import { controlPlane, websiteShard } from '../tenants/pwb-websites.ts';
import { runQuery } from '../catalog/run-query.ts';
import { readTableSizes, tenantDataBytes } from './table-sizes.ts';
import { estimateTenantSizes } from './tenant-size-estimates.ts';
import type { RunningJob } from '../jobs/job-registry.ts';
import { stopIfRequested } from '../call-context.ts';

/** Rounded to 4 decimals: a share is read as a percentage, and JSON stays short. */
function shareOf(bytes: number, of: number): number {
  return of > 0 ? Math.round((bytes / of) * 10_000) / 10_000 : 0;
}

/** One database's largest tenants by id, before the primary names them. */
type UnnamedLargestTenants = Omit<DatabaseLargestTenants, 'largest'> & { largest: { id: number; rows: number; bytes: number; share: number }[] };

async function largestTenantsOn(ctx: ConsoleContext, name: string, limit: number): Promise<UnnamedLargestTenants> {
  const started = performance.now();
  const handle = ctx.pools.get(name);
  try {
    const catalog = await ctx.catalog.get(name);
    const [estimates, sizes] = await Promise.all([estimateTenantSizes(handle, catalog, limit), readTableSizes(handle, catalog)]);
    const dataBytes = tenantDataBytes(sizes.tables);
    return {
      name,
      figure: 'estimate',
      tenants: estimates.tenants,
      tenantRows: estimates.rows,
      tenantBytes: estimates.bytes,
      tenantDataBytes: dataBytes,
      largest: estimates.largest.map((t) => ({ ...t, share: shareOf(t.bytes, dataBytes) })),
      sampledTables: estimates.sampledTables,
      durationMs: Math.round(performance.now() - started),
      error: null,
    };
  } catch (error) {
    return {
      name,
      figure: 'estimate',
      tenants: 0,
      tenantRows: 0,
      tenantBytes: 0,
      tenantDataBytes: 0,
      largest: [],
      sampledTables: [],
      durationMs: Math.round(performance.now() - started),
      error: databaseError(handle.target, error).toInfo(),
    };
  }
}

type WebsiteNames = { websites: Map<number, { subdomain: string | null; shard: string }>; error: ErrorInfo | null };

/**
 * Subdomain and shard of each website id, from the primary in one lookup. When the primary does not
 * answer, the sizes are still the answer, with why nobody is named: never as if no website had the ids.
 */
async function websiteNames(ctx: ConsoleContext, ids: readonly number[]): Promise<WebsiteNames> {
  const websites = new Map<number, { subdomain: string | null; shard: string }>();
  if (ids.length === 0) return { websites, error: null };
  const query = controlPlane
    .selectFrom('pwb_websites')
    .select(['id', 'subdomain', websiteShard.as('shard')])
    .where((eb) => eb('id', '=', eb.fn.any(sql<number[]>`${ids}::int4[]`)));
  const primary = ctx.pools.primary();
  try {
    for (const r of await runQuery(primary, query)) websites.set(r.id, { subdomain: r.subdomain, shard: r.shard });
  } catch (error) {
    if (!(error instanceof ConsoleError)) throw error;
    return { websites, error: databaseError(primary.target, error).toInfo() };
  }
  return { websites, error: null };
}

/**
 * The largest tenants of every database (or one), databases queried in parallel. Each tenant's
 * subdomain and shard come from the primary in one lookup; a key no website carries stays anonymous
 * (the doctor reports those rows as orphaned).
 */
export async function largestTenants(
  ctx: ConsoleContext,
  params: { database?: string | undefined; limit: number },
  job?: Pick<RunningJob, 'progress'>,
): Promise<LargestTenantsResult> {
  const started = performance.now();
  const names = params.database ? [ctx.pools.get(params.database).target.name] : ctx.pools.targets.map((t) => t.name);
  let measured = 0;
  job?.progress({ phase: 'largest tenants', done: 0, total: names.length, unit: 'databases' });
  const perDatabase = await Promise.all(
    names.map((name) =>
      largestTenantsOn(ctx, name, params.limit).then((result) => {
        job?.progress({ phase: 'largest tenants', done: ++measured, total: names.length, unit: 'databases', message: `${name} measured` });
        return result;
      }),
    ),
  );
  // Stopped: the databases' "errors" are the cancelled statements, not an answer.
  stopIfRequested();
  const ids = [...new Set(perDatabase.flatMap((d) => d.largest.map((t) => t.id)))].filter((id) => id > 0 && id <= 2_147_483_647);
  const { websites, error: websitesError } = await websiteNames(ctx, ids);
  return {
    figure: 'estimate',
    websitesError,
    databases: perDatabase.map((d) => ({
      ...d,
      largest: d.largest.map((t) => {
        const website = websites.get(t.id);
        return { id: t.id, subdomain: website?.subdomain ?? null, shard: website?.shard ?? null, bytes: t.bytes, rows: t.rows, share: t.share };
      }),
    })),
    durationMs: Math.round(performance.now() - started),
  };
}
