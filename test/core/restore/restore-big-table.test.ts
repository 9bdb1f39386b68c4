import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../../electron/core/backups/archive/open-archive.ts';
import { tableRules } from '../../../electron/core/restore/restore-preflight.ts';
import { restoreTables } from '../../../electron/core/restore/restore-tables.ts';
import { targetDigest } from '../../../electron/core/restore/verify-restore.ts';
import { largestWebsite, startRestoreFixture, websiteState, type RestoreFixture } from '../../support/restore-fixture.ts';
import { seedPropertiesWithPhotos, withSpillsRefused } from '../../support/spill-guard.ts';

/*
 * A table of 50,000 rows or more loads over two sessions at once, and the last such table of a load
 * (little loads after it) is read back by those sessions before they commit, each seeing its own rows:
 * together they must read exactly what was loaded, and a difference there stops the restore like any.
 * A big chain table's read-back keeps its join with the parent's keys in memory.
 */

let f: RestoreFixture;
let site: number;
let archive: string;
let backedUp: Awaited<ReturnType<typeof websiteState>>;
const PHOTOS = 60_000;

beforeAll(async () => {
  f = await startRestoreFixture({ websites: 7 });
  site = await largestWebsite(f, 'shard_1');
  await f.sql(
    'shard_1',
    `INSERT INTO pwb_prop_photos (realty_asset_id, image, description, sort_order, created_at, updated_at)
     SELECT a.id, 'photo-' || g || '.jpg', E'a\\ttab and ' || g, g, now(), now()
       FROM (SELECT id FROM pwb_realty_assets WHERE website_id = $1 ORDER BY id LIMIT 1) a, generate_series(1, ${PHOTOS}) g`,
    [site],
  );
  backedUp = await websiteState(f.pc, site);
  archive = await f.dump('shard_1', 'shard_1.dump');
}, 240_000);
afterAll(() => f?.stop());

describe('a big table loaded over two sessions', () => {
  it('is read back by them before their commit: a difference stops the restore before the fence lifts, naming its keys', async () => {
    expect(backedUp.tables.pwb_prop_photos!.rows).toBeGreaterThan(PHOTOS);
    await f.sql(
      'shard_1',
      `CREATE FUNCTION test_mangle() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.sort_order = 4242 THEN NEW.image := 'mangled'; END IF; RETURN NEW; END $$;
       CREATE TRIGGER test_mangle BEFORE INSERT ON pwb_prop_photos FOR EACH ROW EXECUTE FUNCTION test_mangle();
       ALTER TABLE pwb_prop_photos ENABLE ALWAYS TRIGGER test_mangle`,
    );
    try {
      const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
      expect(job).toMatchObject({ state: 'failed', step: 'verify', verified: false });
      expect(job.timings['load.read-back-before-commit']).toBeGreaterThanOrEqual(0);
      expect(job.tables.filter((t) => !t.ok).map((t) => t.table)).toEqual(['pwb_prop_photos']);
      const photos = job.tables.find((t) => t.table === 'pwb_prop_photos')!;
      expect(photos.targetRows).toBe(photos.archiveRows);
      expect(photos.firstDifferences).toEqual([expect.stringMatching(/^\(\d+\) differs$/)]);
      await f.sql('shard_1', `DROP TRIGGER test_mangle ON pwb_prop_photos`);
      await f.call('restores.rollback', { jobId: job.jobId });
      expect(await f.settle(job.jobId)).toMatchObject({ state: 'rolled_back' });
      expect(await websiteState(f.pc, site)).toEqual(backedUp);
    } finally {
      await f.sql('shard_1', `DROP TRIGGER IF EXISTS test_mangle ON pwb_prop_photos; DROP FUNCTION IF EXISTS test_mangle()`);
    }
  }, 240_000);

  it('restores every row of it once, verified', async () => {
    await f.sql(
      'shard_1',
      `UPDATE pwb_prop_photos SET description = 'changed' WHERE realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)`,
      [site],
    );
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
    expect(job.error).toBeNull();
    expect(job).toMatchObject({ state: 'succeeded', verified: true });
    expect(job.timings['load.read-back-before-commit']).toBeGreaterThanOrEqual(0);
    const restored = await websiteState(f.pc, site);
    expect(restored.tables).toEqual(backedUp.tables);
    expect(restored.others).toEqual(backedUp.others);
  }, 240_000);
});

describe('a read-back of a big chain table', () => {
  it('keeps its join in memory on a database whose work_mem is small and temp files are refused', async () => {
    const big = 424_242;
    await seedPropertiesWithPhotos(f.sql, 'shard_1', big, 4000);
    const archived = await openArchive(archive);
    try {
      await withSpillsRefused(f.sql, 'shard_1', big, async () => {
        const ctx = await f.pc.open();
        try {
          const catalog = await ctx.catalog.get('shard_1', { refresh: true });
          const photos = restoreTables(catalog, archived, tableRules(ctx), new Set()).tables.find((t) => t.name === 'pwb_prop_photos')!;
          const options = {
            handle: ctx.pools.get('shard_1'),
            catalog,
            websiteId: big,
            into: (t: typeof photos) => ({ schema: t.scoped.table.schema, table: t.scoped.table.table, side: false }),
            encoding: archived.info.encoding,
            serverVersion: archived.info.serverVersion,
            rowHash: 2 as const,
          };
          expect((await targetDigest(options, photos)).rows).toBe(4000);
        } finally {
          await ctx.close();
        }
      });
    } finally {
      await archived.close();
      await f.sql('shard_1', `DELETE FROM pwb_prop_photos WHERE realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)`, [big]);
      await f.sql('shard_1', `DELETE FROM pwb_realty_assets WHERE website_id = $1`, [big]);
    }
  }, 60_000);
});
