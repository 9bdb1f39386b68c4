import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTenant } from '../../../electron/core/moves/copy-tenant.ts';
import { scopedTables } from '../../../electron/core/moves/tenant-scope.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';

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
  await sql(
    'shard_1',
    `INSERT INTO pwb_realty_assets (website_id, reference, created_at, updated_at) SELECT $1, 'R' || g, now(), now() FROM generate_series(1, ${PROPERTIES}) g`,
    [BIG],
  );
  await sql(
    'shard_1',
    `INSERT INTO pwb_prop_photos (realty_asset_id, image, created_at, updated_at) SELECT id, 'p.jpg', now(), now() FROM pwb_realty_assets WHERE website_id = $1`,
    [BIG],
  );
  await sql('shard_1', 'ANALYZE pwb_realty_assets; ANALYZE pwb_prop_photos');
}, 120_000);
afterAll(() => pc?.stop());

describe("a move's copy of a big chain table", () => {
  it('keeps its join in memory on a source whose work_mem is small and temp files are refused', async () => {
    const [{ name }] = (await sql('shard_1', 'SELECT current_database() AS name')) as [{ name: string }];
    const settings = (value: string) => sql('shard_1', `ALTER DATABASE "${name}" ${value}`);
    // New sessions of the source hash in 128 kB (4,000 uuid keys take some 230 kB) and may not spill.
    await settings(`SET work_mem = '64kB'`);
    await settings('SET temp_file_limit = 0');
    const ctx = await pc.open();
    try {
      const sourceCatalog = await ctx.catalog.get('shard_1', { refresh: true });
      const targetCatalog = await ctx.catalog.get('shard_2', { refresh: true });
      const tables = scopedTables(sourceCatalog).filter((t) => t.name === 'pwb_realty_assets' || t.name === 'pwb_prop_photos');
      // The same join under the source's settings spills, and is refused: the check bites.
      await expect(
        sql('shard_1', `SELECT count(*) FROM pwb_prop_photos WHERE realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)`, [BIG]),
      ).rejects.toThrow(/temp_file_limit/);
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
      await settings('RESET work_mem');
      await settings('RESET temp_file_limit');
    }
  }, 60_000);
});
