import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { deleteWebsiteRows } from '../../../electron/core/moves/delete-website-rows.ts';
import { rowsOnDatabase } from '../../../electron/core/moves/move-preflight.ts';
import { scopedTables } from '../../../electron/core/moves/tenant-scope.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { otherWebsites, tenantSnapshot } from '../../support/tenant-snapshot.ts';

/*
 * The fenced cleanup deletes by ctids it listed in one pass. pwb_prop_photos has no website column, so
 * the website cannot be re-checked in the DELETE: nothing but the relfilenode check stands between a
 * ctid listed before a rewrite (VACUUM FULL moves every row) and another website's photo.
 */

let pc: PrivateCluster;
let ctx: ConsoleContext;

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 4, scale: 0.02 });
  ctx = await pc.open();
});
afterAll(() => pc.stop());

it("a table reached only through its FK chain, rewritten between batches, loses no other website's rows", async () => {
  const primary = await pc.client('default');
  try {
    const { site, photos } = (
      await primary.query(
        `SELECT a.website_id AS site, count(*)::int AS photos FROM pwb_prop_photos p JOIN pwb_realty_assets a ON a.id = p.realty_asset_id
          JOIN pwb_websites w ON w.id = a.website_id AND coalesce(w.shard_name, 'default') = 'default' GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
      )
    ).rows[0];
    expect(photos).toBeGreaterThan(3);
    const others = (
      await primary.query(`SELECT count(*)::int AS n FROM pwb_prop_photos p JOIN pwb_realty_assets a ON a.id = p.realty_asset_id WHERE a.website_id <> $1`, [
        site,
      ])
    ).rows[0].n;
    expect(others).toBeGreaterThan(0);
    const before = await tenantSnapshot(pc);
    const catalog = await ctx.catalog.get('default', { refresh: true });
    const batches: Array<[number, number]> = [];
    await deleteWebsiteRows(ctx.pools.get('default'), catalog, scopedTables(catalog), site, {
      batch: Math.ceil(photos / 3),
      fenced: true,
      onBatch: async (table, b) => {
        if (table !== 'pwb_prop_photos') return;
        batches.push([b.picked, b.deleted]);
        if (batches.length === 1) await primary.query('VACUUM FULL pwb_prop_photos');
      },
    });
    expect(batches.length).toBeGreaterThan(2);
    for (const [listed, deleted] of batches) expect(deleted).toBe(listed);
    expect((await rowsOnDatabase(ctx.pools.get('default'), catalog, scopedTables(catalog), site)).filter((r) => r.rows > 0)).toEqual([]);
    const after = await tenantSnapshot(pc);
    expect(otherWebsites(after, [site])).toEqual(otherWebsites(before, [site]));
  } finally {
    await primary.end();
  }
});
