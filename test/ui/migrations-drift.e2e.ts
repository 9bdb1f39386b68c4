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

test('databases that could not be read are never shown as matching: no "No drift", and the lint names the ones it skipped', async ({ app }) => {
  const unreachable = (name: string) => ({ code: 'DATABASE_UNREACHABLE', message: `${name} is unreachable: connection refused.` });
  // The answers the console gives with the primary down (every database not compared) and shard_2 down for the lint.
  await app.page.route('**/rpc/schema.drift', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({
        ok: true,
        result: {
          reference: 'default',
          drift: [],
          setAside: [],
          databases: ['default', 'shard_1', 'shard_2'].map((name) => ({ name, error: unreachable(name) })),
        },
      }),
    }),
  );
  await app.page.route('**/rpc/schema.lint', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({ ok: true, result: { findings: [], databases: [{ name: 'shard_2', error: unreachable('shard_2') }] } }),
    }),
  );
  try {
    await app.open('#/drift');
    const page = new DriftPage(app.page);
    await expect(page.summary).toHaveText('Not compared: 3 databases could not be read');
    await expect(app.page.getByText('shard_1 was not compared: shard_1 is unreachable')).toBeVisible();
    await expect(app.page.getByText('shard_2 was not linted: shard_2 is unreachable')).toBeVisible();
    await expect(page.noDrift).toHaveCount(0);
    // Each is told as the error it is (its code, its title), with a way to try again.
    const notCompared = app.page.getByRole('alert').filter({ hasText: 'shard_1 was not compared' });
    await expect(notCompared).toHaveAttribute('data-error-code', 'DATABASE_UNREACHABLE');
    await expect(notCompared.getByRole('button', { name: 'Try again' })).toBeVisible();
    await expect(app.page.getByRole('alert').filter({ hasText: 'shard_2 was not linted' })).toHaveAttribute('data-error-code', 'DATABASE_UNREACHABLE');
  } finally {
    await app.page.unroute('**/rpc/schema.drift');
    await app.page.unroute('**/rpc/schema.lint');
  }
});
