import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../../electron/core/backups/archive/open-archive.ts';
import { tableRules } from '../../../electron/core/restore/restore-preflight.ts';
import { restoreTables } from '../../../electron/core/restore/restore-tables.ts';
import { WebsiteLines } from '../../../electron/core/restore/website-lines.ts';
import { largestWebsite, startRestoreFixture, type RestoreFixture } from '../../support/restore-fixture.ts';

/*
 * The load takes a website's rows as COPY text copied out of each decompressed piece, adjacent rows in
 * one copy. Against the rows one by one (the batches the other readers take): the same bytes, in the
 * same order, for rows interleaved with other websites' (runs broken), for rows longer than a piece
 * (the reader joins them across pieces), and for a chain table.
 */

let f: RestoreFixture;
let site: number;
let archive: string;

beforeAll(async () => {
  f = await startRestoreFixture({ websites: 7 });
  site = await largestWebsite(f, 'shard_1');
  const [other] = await f.sql<{ id: string }>('shard_1', `SELECT id FROM pwb_realty_assets WHERE website_id <> $1 ORDER BY id LIMIT 1`, [site]);
  const [own] = await f.sql<{ id: string }>('shard_1', `SELECT id FROM pwb_realty_assets WHERE website_id = $1 ORDER BY id LIMIT 1`, [site]);
  // Photos of this website and another three rows at a time, some of them 1.5 MB long.
  await f.sql(
    'shard_1',
    `INSERT INTO pwb_prop_photos (realty_asset_id, image, description, sort_order, created_at, updated_at)
     SELECT CASE WHEN g % 6 < 3 THEN $1::uuid ELSE $2::uuid END, 'photo-' || g || '.jpg',
            CASE WHEN g % 97 = 0 THEN repeat('long ' || g, 150000) ELSE E'a\\ttab and ' || g END, g, now(), now()
       FROM generate_series(1, 5000) g`,
    [own!.id, other!.id],
  );
  archive = await f.dump('shard_1', 'shard_1.dump');
}, 240_000);
afterAll(() => f?.stop());

describe('the website lines as COPY text', () => {
  it('are the kept rows, each ended by a newline, byte for byte and in order', async () => {
    const archived = await openArchive(archive);
    const ctx = await f.pc.open();
    try {
      const catalog = await ctx.catalog.get('shard_1', { refresh: true });
      const tables = restoreTables(catalog, archived, tableRules(ctx), new Set()).tables;
      const lines = new WebsiteLines(archived, tables, site);
      const text = new WebsiteLines(archived, tables, site);
      let longRows = 0;
      for (const t of tables) {
        const expected: Buffer[] = [];
        for await (const batch of lines.batches(t)) for (const line of batch.lines) expected.push(line, Buffer.from('\n'));
        const got: Buffer[] = [];
        let seen = 0;
        for await (const piece of text.text(t, (_entry, _buf, start, end) => {
          seen++;
          if (end - start > 1024 * 1024) longRows++;
        }))
          got.push(piece);
        expect(Buffer.concat(got).equals(Buffer.concat(expected)), t.name).toBe(true);
        expect(seen, t.name).toBe(expected.length / 2);
      }
      expect(longRows).toBeGreaterThanOrEqual(25);
    } finally {
      await ctx.close();
      await archived.close();
    }
  }, 120_000);
});
