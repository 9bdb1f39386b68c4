import { ConsoleError } from '../../../shared/errors.ts';
import { runQuery, runQueryFirst } from '../catalog/run-query.ts';
import type { ConsoleContext } from '../console-context.ts';
import { controlPlane, websiteShard } from './pwb-websites.ts';

// Moves and backups build their own routing SQL from it.
export { SHARD_SQL } from './pwb-websites.ts';

export interface WebsiteRow {
  id: number;
  subdomain: string | null;
  customDomain: string | null;
  shard: string;
}

export async function websitesPerShard(ctx: ConsoleContext): Promise<Map<string, number>> {
  const query = controlPlane
    .selectFrom('pwb_websites')
    .select((eb) => [websiteShard.as('shard'), eb.cast<number>(eb.fn.countAll(), 'integer').as('websites')])
    .groupBy(websiteShard);
  const rows = await runQuery(ctx.pools.primary(), query);
  return new Map(rows.map((r) => [r.shard, r.websites]));
}

/** The website row from the primary, or WEBSITE_NOT_FOUND. */
export async function findWebsite(ctx: ConsoleContext, id: number): Promise<WebsiteRow> {
  const query = controlPlane
    .selectFrom('pwb_websites')
    .select(['id', 'subdomain', 'custom_domain as customDomain', websiteShard.as('shard')])
    .where('id', '=', id);
  const row = await runQueryFirst(ctx.pools.primary(), query);
  if (!row) {
    const message = `No website with id ${id} in pwb_websites on the primary. Search the tenant list for its subdomain to find its id.`;
    throw new ConsoleError('WEBSITE_NOT_FOUND', message, { target: String(id) });
  }
  return row;
}

/** The configured database a website's shard_name routes to, or SHARD_UNKNOWN naming the fix. */
export function databaseForShard(ctx: ConsoleContext, website: WebsiteRow): string {
  if (ctx.pools.has(website.shard)) return website.shard;
  const known = ctx.pools.targets.map((t) => t.name).join(', ');
  throw new ConsoleError(
    'SHARD_UNKNOWN',
    `Website ${website.id} routes to shard "${website.shard}", which no configured database carries (configured: ${known}). ` +
      "Add that database to the profile, or correct the website's shard_name.",
    { target: website.shard },
  );
}
