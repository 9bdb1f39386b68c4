import { runQuery } from '../catalog/run-query.ts';
import type { ConsoleContext } from '../console-context.ts';
import { controlPlane, websiteShard } from '../tenants/pwb-websites.ts';

/**
 * Every website id and the shard its shard_name routes to, from the primary. Ids only (no names):
 * 100,000 websites are a few MB, and each shard name is stored once.
 */
export async function readRoutingMap(ctx: ConsoleContext): Promise<Map<number, string>> {
  const rows = await runQuery(ctx.pools.primary(), controlPlane.selectFrom('pwb_websites').select(['id', websiteShard.as('shard')]));
  const internedNames = new Map<string, string>();
  const routing = new Map<number, string>();
  for (const r of rows) {
    let shard = internedNames.get(r.shard);
    if (shard === undefined) {
      shard = r.shard;
      internedNames.set(shard, shard);
    }
    routing.set(r.id, shard);
  }
  return routing;
}
