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

describe('a big table whose archive breaks a unique index the live table has gained since', () => {
  it("fails the load (its two sessions would wait on each other for ever, the website fenced) and rolls back to the website's rows", async () => {
    // Backed up with two photos of one asset sharing an image; the live table then deduplicated and made it
    // unique. The two lie in the first two 256 kB pieces of the website's rows, which the load sends to its
    // two sessions in turn: the second waits for the first's transaction, which waits for both COPYs.
    const [asset] = await f.sql('shard_1', `SELECT p.realty_asset_id AS id FROM pwb_prop_photos p WHERE p.sort_order = ${PHOTOS} LIMIT 1`);
    const inOrder = async () => {
      await f.sql('shard_1', 'CLUSTER pwb_prop_photos USING pwb_prop_photos_pkey');
      return f.sql(
        'shard_1',
        `SELECT id, image, realty_asset_id, at FROM (SELECT p.id, p.image, p.realty_asset_id, sum(octet_length(p::text) + 1) OVER (ORDER BY p.ctid) AS at
           FROM pwb_prop_photos p) x WHERE realty_asset_id = $1 ORDER BY at`,
        [asset.id],
      );
    };
    const rows = await inOrder();
    // The archive's table data is read 1 MB of text at a time, and the website's rows of each piece go to one session.
    const piece = 1024 * 1024;
    const k = Math.floor(Number(rows[0].at) / piece) + 1;
    const within = (n: number) => rows.find((r) => Number(r.at) > n * piece + 200_000 && Number(r.at) < n * piece + 800_000)!;
    const [first, last] = [within(k), within(k + 1)];
    await f.sql('shard_1', `UPDATE pwb_prop_photos SET image = $2 WHERE id = $1`, [last.id, first.image]);
    await inOrder();
    const duplicated = await f.dump('shard_1', 'duplicated.dump');
    await f.sql('shard_1', `UPDATE pwb_prop_photos SET image = $2 WHERE id = $1`, [last.id, last.image]);
    const before = await websiteState(f.pc, site);
    await f.sql('shard_1', 'CREATE UNIQUE INDEX test_photo_image ON pwb_prop_photos (realty_asset_id, image)');
    try {
      const started = Date.now();
      const job = await f.settle((await f.call('restores.start', { websiteId: site, path: duplicated, mode: 'replace' })).jobId);
      expect(Date.now() - started).toBeLessThan(120_000);
      expect(job).toMatchObject({ state: 'failed', step: 'load', verified: false });
      expect(job.error).toMatch(/pwb_prop_photos.*over several sessions stopped.*unique index/s);
      await f.call('restores.rollback', { jobId: job.jobId });
      expect(await f.settle(job.jobId)).toMatchObject({ state: 'rolled_back' });
      expect(await websiteState(f.pc, site)).toEqual(before);
    } finally {
      await f.sql('shard_1', 'DROP INDEX IF EXISTS test_photo_image');
    }
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
