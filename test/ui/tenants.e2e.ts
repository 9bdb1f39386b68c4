import { test, expect } from './fixtures.ts';
import { TenantDetailPage } from './pages/tenant-detail-page.ts';

interface WebsiteRow {
  id: number;
  subdomain: string;
  shard: string;
}

/** A website from the middle of the list, so finding it proves the search (not the first page) worked. */
async function someWebsite(query: (sql: string) => Promise<WebsiteRow[]>): Promise<WebsiteRow> {
  const rows = await query(
    `SELECT id, subdomain, coalesce(shard_name, 'default') AS shard FROM pwb_websites
      WHERE subdomain IS NOT NULL AND subdomain <> '' ORDER BY id OFFSET (SELECT count(*) / 2 FROM pwb_websites) LIMIT 1`,
  );
  if (rows[0] === undefined) throw new Error('The test cluster has no website with a subdomain.');
  return rows[0];
}

test('searching a subdomain finds the website and Enter opens its detail', async ({ app, sql }) => {
  const website = await someWebsite((q) => sql.query<WebsiteRow>('default', q));
  const [{ total }] = (await sql.query<{ total: string }>('default', 'SELECT count(*)::text AS total FROM pwb_websites')) as [{ total: string }];

  const tenants = await app.tenants();
  await expect(tenants.rows.first()).toBeVisible();
  await expect(tenants.range).toContainText(`of ${Number(total).toLocaleString('en-US')}`);
  await app.screenshot('tenants.png');

  await tenants.searchFor(website.subdomain);
  await expect(tenants.search).toBeFocused();
  await expect(tenants.row(website.id)).toBeVisible();
  await expect(tenants.row(website.id)).toContainText(website.shard);

  // Keyboard only: from the search box into the list, to the website's row, Enter.
  await app.page.keyboard.press('ArrowDown');
  await expect(tenants.grid).toBeFocused();
  const count = await tenants.rows.count();
  for (let i = 0; i < count; i += 1) {
    if ((await tenants.activeRow().getAttribute('data-website-id')) === String(website.id)) break;
    await app.page.keyboard.press('ArrowDown');
  }
  await expect(tenants.activeRow()).toHaveAttribute('data-website-id', String(website.id));
  await app.page.keyboard.press('Enter');
  await expect(app.page).toHaveURL(new RegExp(`#/tenants/${website.id}$`));
  const detail = new TenantDetailPage(app.page);
  await detail.ready();
  await expect(detail.facts).toContainText(website.subdomain);
});

test('a click on a row opens the detail too, and the id column sorts both ways', async ({ app, sql }) => {
  const website = await someWebsite((q) => sql.query<WebsiteRow>('default', q));
  const [{ max }] = (await sql.query<{ max: number }>('default', 'SELECT max(id) AS max FROM pwb_websites')) as [{ max: number }];

  const tenants = await app.tenants();
  await expect(tenants.rows.first()).toBeVisible();
  await tenants.sortBy('id').click();
  await expect(tenants.sortBy('id').locator('..')).toHaveAttribute('aria-sort', 'descending');
  await expect(tenants.rows.first()).toHaveAttribute('data-website-id', String(max));
  await tenants.sortBy('id').click();
  await expect(tenants.rows.first()).not.toHaveAttribute('data-website-id', String(max));
  // From the keyboard: Enter on a column's sort button sorts by it (the grid's own keys are not its).
  await tenants.sortBy('subdomain').focus();
  await app.page.keyboard.press('Enter');
  await expect(tenants.sortBy('subdomain').locator('..')).toHaveAttribute('aria-sort', 'ascending');
  await expect(app.page).toHaveURL(/#\/tenants$/);

  await tenants.searchFor(website.subdomain);
  await tenants.row(website.id).click();
  await expect(app.page).toHaveURL(new RegExp(`#/tenants/${website.id}$`));
});
