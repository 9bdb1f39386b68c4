import { test, expect } from './fixtures.ts';
import { DriftPage } from './pages/drift-page.ts';

/* The UI cluster is shared: the drift made here by hand is undone before the spec ends. */

test('a default changed by hand on a shard shows on the drift page with the SQL to fix it; the lint lists findings', async ({ app, sql }) => {
  await app.open('#/drift');
  const page = new DriftPage(app.page);
  await expect(page.noDrift).toBeVisible();
  await expect(page.lint.locator('tbody tr').first()).toBeVisible();
  await expect(page.lint.locator('tr[data-rule="nullable-tenant-key"]').first()).toContainText('website_id');

  await sql.query('shard_2', `ALTER TABLE pwb_pages ALTER COLUMN link_path SET DEFAULT 'drift-probe'`);
  try {
    await page.refresh();
    const table = page.table('shard_2', 'pwb_pages');
    await expect(table).toBeVisible();
    await expect(page.summary).toHaveText('1 difference on 1 database');
    await expect(table.locator('.drift-item[data-kind="column-default"]')).toContainText(
      "column link_path defaults to 'drift-probe'::character varying on shard_2, nothing on the primary",
    );
    await expect(table.locator('pre.sql')).toHaveText('ALTER TABLE "public"."pwb_pages" ALTER COLUMN "link_path" DROP DEFAULT;');
    await expect(page.database('shard_1')).toHaveCount(0);
    await app.screenshot('drift.png');
  } finally {
    await sql.query('shard_2', 'ALTER TABLE pwb_pages ALTER COLUMN link_path DROP DEFAULT');
  }
  await page.refresh();
  await expect(page.noDrift).toBeVisible();
  await expect(app.nav.getByRole('link', { name: 'Schema drift' })).toHaveAttribute('aria-current', 'page');
});
