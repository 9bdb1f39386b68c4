import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';

/** PWB's rule: a NULL shard_name means `default`, the primary. */
export const SHARD_SQL = `coalesce(shard_name, 'default')`;

export interface WebsiteRow {
  id: number;
  subdomain: string | null;
  customDomain: string | null;
  shard: string;
}

export async function websitesPerShard(ctx: ConsoleContext): Promise<Map<string, number>> {
  const result = await ctx.pools
    .primary()
    .query<{ shard: string; websites: number }>(`SELECT ${SHARD_SQL} AS shard, count(*)::int AS websites FROM pwb_websites GROUP BY 1`);
  return new Map(result.rows.map((r) => [r.shard, r.websites]));
}

/** The website row from the primary, or WEBSITE_NOT_FOUND. */
export async function findWebsite(ctx: ConsoleContext, id: number): Promise<WebsiteRow> {
  const result = await ctx.pools
    .primary()
    .query<WebsiteRow>(
      `SELECT id, subdomain, custom_domain AS "customDomain", ${SHARD_SQL} AS shard FROM pwb_websites WHERE id = $1`,
      [id],
    );
  const row = result.rows[0];
  if (!row) {
    throw new ConsoleError('WEBSITE_NOT_FOUND', `No website with id ${id} in pwb_websites on the primary. Search the tenant list for its subdomain to find its id.`, {
      target: String(id),
    });
  }
  return row;
}

/** The configured database a website's shard_name routes to, or SHARD_UNKNOWN naming the fix. */
export function databaseForShard(ctx: ConsoleContext, website: WebsiteRow): string {
  if (ctx.pools.has(website.shard)) return website.shard;
  const known = ctx.pools.targets.map((t) => t.name).join(', ');
  throw new ConsoleError(
    'SHARD_UNKNOWN',
    `Website ${website.id} routes to shard "${website.shard}", which no configured database carries (configured: ${known}). Add that database to the profile, or correct the website's shard_name.`,
    { target: website.shard },
  );
}
