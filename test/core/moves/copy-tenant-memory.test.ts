import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTenant } from '../../../electron/core/moves/copy-tenant.ts';
import { scopedTables } from '../../../electron/core/moves/tenant-scope.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { seedPropertiesWithPhotos, withSpillsRefused } from '../../support/spill-guard.ts';

/*
 * The copy reads a chain table (photos) as the join of the table with the website's rows of its parent
 * (properties). With the default work_mem a parent of many keys splits that join into batches spilled to
 * temp files on the source, a production shard: the copy's reading transaction keeps it in memory.
 */

let pc: PrivateCluster;
const BIG = 424_242;
const PROPERTIES = 4_000;

async function sql(database: string, text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = await pc.client(database);
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 3, scale: 0.02 });
  await seedPropertiesWithPhotos(sql, 'shard_1', BIG, PROPERTIES);
}, 120_000);
afterAll(() => pc?.stop());

describe("a move's copy of a big chain table", () => {
  it('keeps its join in memory on a source whose work_mem is small and temp files are refused', async () => {
    await withSpillsRefused(sql, 'shard_1', BIG, async () => {
      const ctx = await pc.open();
      try {
        const sourceCatalog = await ctx.catalog.get('shard_1', { refresh: true });
        const targetCatalog = await ctx.catalog.get('shard_2', { refresh: true });
        const tables = scopedTables(sourceCatalog).filter((t) => t.name === 'pwb_realty_assets' || t.name === 'pwb_prop_photos');
        await copyTenant(ctx.pools.get('shard_1'), ctx.pools.get('shard_2'), {
          websiteId: BIG,
          tables,
          sourceCatalog,
          targetCatalog,
          plannedRows: new Map(),
          onProgress: () => {},
          onTargetXid: async () => {},
        });
        expect(
          await sql(
            'shard_2',
            `SELECT count(*)::int AS n FROM pwb_prop_photos WHERE realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)`,
            [BIG],
          ),
        ).toEqual([{ n: PROPERTIES }]);
      } finally {
        await ctx.close();
      }
    });
  }, 60_000);
});
