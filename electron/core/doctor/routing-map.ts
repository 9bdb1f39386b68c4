import type { ConsoleContext } from '../console-context.ts';
import { SHARD_SQL } from '../tenants/website-routing.ts';

/**
 * Every website id and the shard its shard_name routes to, from the primary. Ids only (no names):
 * 100,000 websites are a few MB, and each shard name is stored once.
 */
export async function readRoutingMap(ctx: ConsoleContext): Promise<Map<number, string>> {
  const result = await ctx.pools.primary().query<{ id: number; shard: string }>(`SELECT id, ${SHARD_SQL} AS shard FROM pwb_websites`);
  const names = new Map<string, string>();
  const routing = new Map<number, string>();
  for (const r of result.rows) {
    let shard = names.get(r.shard);
    if (shard === undefined) {
      shard = r.shard;
      names.set(shard, shard);
    }
    routing.set(r.id, shard);
  }
  return routing;
}
