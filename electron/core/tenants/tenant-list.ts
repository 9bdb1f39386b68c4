import { expressionBuilder, sql, type Kysely } from 'kysely';
import type { ParsedParams, TenantListResult } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { databaseError } from '../pools/database-error.ts';
import { websiteShard, type ControlPlaneDatabase } from './pwb-websites.ts';

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * One page of websites from the primary. Paging, search and sort run in the database (indexes on
 * subdomain, custom_domain and shard_name), so the console stays fast at 100,000 websites.
 */
export async function listTenants(ctx: ConsoleContext, params: ParsedParams<'tenants.list'>): Promise<TenantListResult> {
  const db = ctx.pools.primary().db as Kysely<ControlPlaneDatabase>;
  let where = db.selectFrom('pwb_websites');
  const search = params.search?.trim();
  if (search) {
    const pattern = likePattern(search);
    const id = /^\d{1,10}$/.test(search) ? Number(search) : null;
    where = where.where((eb) =>
      eb.or([...(id !== null && id <= 2_147_483_647 ? [eb('id', '=', id)] : []), eb('subdomain', 'ilike', pattern), eb('custom_domain', 'ilike', pattern)]),
    );
  }
  if (params.shard) {
    const shard = params.shard;
    where = where.where((eb) => (shard === 'default' ? eb(websiteShard, '=', 'default') : eb('shard_name', '=', shard)));
  }
  const column = expressionBuilder<ControlPlaneDatabase, 'pwb_websites'>();
  const sortColumn = { id: column.ref('id'), subdomain: column.ref('subdomain'), customDomain: column.ref('custom_domain'), shard: websiteShard }[params.sort];
  const direction = params.direction === 'desc' ? sql`desc` : sql`asc`;
  const nulls = params.direction === 'desc' ? sql`nulls first` : sql`nulls last`;
  try {
    const [rows, count] = await Promise.all([
      where
        .select(['id', 'subdomain', 'custom_domain as customDomain', websiteShard.as('shard')])
        .orderBy(sql`${sortColumn} ${direction} ${nulls}`)
        .orderBy('id', params.direction)
        .limit(params.limit)
        .offset(params.offset)
        .execute(),
      where.select(sql<string>`count(*)`.as('total')).executeTakeFirstOrThrow(),
    ]);
    const configured = new Set(ctx.pools.targets.map((t) => t.name));
    // A name no database has and no website routes to is a typo, not an empty shard.
    if (params.shard && !configured.has(params.shard) && Number(count.total) === 0 && !search)
      throw new ConsoleError(
        'SHARD_UNKNOWN',
        `No database named "${params.shard}" is configured, and no website routes to it (configured: ${[...configured].join(', ')}). Check the name.`,
        { target: params.shard },
      );
    return {
      total: Number(count.total),
      items: rows.map((r) => ({ id: r.id, subdomain: r.subdomain, customDomain: r.customDomain, shard: r.shard, configured: configured.has(r.shard) })),
    };
  } catch (error) {
    throw databaseError(ctx.pools.primaryTarget(), error);
  }
}
