import { test, expect } from './fixtures.ts';
import { countWebsiteRows } from './tenant-row-count.ts';

/** A website held by a shard (not the primary) with as many realty assets as any, so FK chains have rows. */
async function websiteOnAShard(
  query: <R extends object>(shard: string, sql: string, params?: unknown[]) => Promise<R[]>,
): Promise<{ id: number; shard: string }> {
  for (const shard of ['shard_1', 'shard_2', 'default']) {
    const ids = await query<{ id: number }>('default', `SELECT id FROM pwb_websites WHERE coalesce(shard_name, 'default') = $1 ORDER BY id`, [shard]);
    if (ids.length === 0) continue;
    const [busiest] = await query<{ website_id: number }>(
      shard,
      `SELECT website_id FROM pwb_realty_assets WHERE website_id = ANY($1::int[]) GROUP BY website_id ORDER BY count(*) DESC, website_id LIMIT 1`,
      [ids.map((r) => r.id)],
    );
    return { id: busiest?.website_id ?? ids[0]!.id, shard };
  }
  throw new Error('The test cluster has no websites.');
}

test('the detail shows per-table row counts equal to count(*) on the database holding the website', async ({ app, sql }) => {
  const website = await websiteOnAShard((shard, q, params) => sql.query(shard, q, params));
  const detail = await app.tenantDetail(website.id);
  const rows = await detail.footprint();
  await expect(detail.facts).toContainText(website.shard);

  expect(rows.length).toBeGreaterThan(0);
  expect(
    rows.some((r) => r.via.includes(' -> ')),
    'some tables reach the website only through an FK chain',
  ).toBe(true);
  const expected: Record<string, number> = {};
  const shown: Record<string, number> = {};
  for (const row of rows) {
    shown[row.table] = row.rows;
    expected[row.table] = await countWebsiteRows(sql, website.shard, website.id, row.table, row.via);
  }
  expect(shown).toEqual(expected);
  expect(Object.values(shown).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

  await expect(app.page.locator('.recharts-bar-rectangle').first()).toBeVisible();
  await app.screenshot('tenant-detail.png');
});

test('an unknown website id shows the API’s WEBSITE_NOT_FOUND error', async ({ app, sql }) => {
  const [{ next }] = (await sql.query<{ next: number }>('default', 'SELECT coalesce(max(id), 0) + 1000 AS next FROM pwb_websites')) as [{ next: number }];
  const detail = await app.tenantDetail(next);
  await expect(detail.error).toBeVisible();
  await expect(detail.error).toHaveAttribute('data-error-code', 'WEBSITE_NOT_FOUND');
  await expect(detail.error).toContainText(String(next));
});
