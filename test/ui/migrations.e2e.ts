import { readFile } from 'node:fs/promises';
import { test, expect } from './fixtures.ts';
import { MigrationsPage } from './pages/migrations-page.ts';

/* Read-only against the shared UI cluster: the matrix, a dry run, and refusals of the add-shard form. */

test('the migrations matrix shows every version applied where it belongs, and a dry run changes nothing', async ({ app, sql }) => {
  const versionsOn = async (db: string) =>
    (await sql.query<{ version: string }>(db, 'SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version);
  const before = await Promise.all(['default', 'shard_1', 'shard_2'].map(versionsOn));

  await app.open('#/migrations');
  const page = new MigrationsPage(app.page);
  await page.ready();
  await expect(page.heading).toBeVisible();
  await expect(app.nav.getByRole('link', { name: 'Migrations' })).toHaveAttribute('aria-current', 'page');
  expect(await page.databaseColumns()).toEqual(['default', 'shard_1', 'shard_2']);
  await expect(page.counts).toHaveText('0 pending · 0 failed · 0 edited · 0 unknown');

  // Every version the primary has is a row, applied there; a global one is not for the shards.
  for (const version of before[0]!) await expect(page.cell(version, 'default')).toHaveAttribute('data-state', 'applied');
  const globalOnly = before[0]!.filter((v) => !before[1]!.includes(v));
  expect(globalOnly.length).toBeGreaterThan(0);
  for (const version of globalOnly) await expect(page.cell(version, 'shard_1')).toHaveAttribute('data-state', 'not-applicable');
  for (const version of before[2]!) await expect(page.cell(version, 'shard_2')).toHaveAttribute('data-state', 'applied');
  await expect(page.cell(before[0]![0]!, 'default')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
  // Nothing pending: nothing to apply.
  await expect(page.button('Apply pending…')).toBeDisabled();
  await app.screenshot('migrations.png');

  await page.button('Dry run').click();
  await expect(page.plan).toBeVisible();
  for (const db of ['default', 'shard_1', 'shard_2']) await expect(page.plan.getByTestId(`plan-${db}`)).toContainText('up to date');
  expect(await Promise.all(['default', 'shard_1', 'shard_2'].map(versionsOn))).toEqual(before);
});

test('the add-shard form refuses a name in use and a password in clear, and leaves the profile alone', async ({ app, ui }) => {
  const profileBefore = await readFile(ui.profilePath, 'utf8');
  await app.open('#/migrations');
  const page = new MigrationsPage(app.page);
  await page.ready();
  await page.button('Add shard…').click();
  const dialog = page.addShardDialog;
  await expect(dialog).toBeVisible();
  const shard1 = ui.databases.find((d) => d.name === 'shard_1')!;

  await dialog.getByLabel(/Shard name/).fill('shard_1');
  await dialog.getByLabel(/Connection URL/).fill(`postgres://postgres:\${SC_TEST_PASSWORD}@127.0.0.1:${shard1.port}/pwb_new`);
  await dialog.getByRole('button', { name: 'Add shard' }).click();
  await expect(dialog.getByRole('alert')).toHaveAttribute('data-error-code', 'SHARD_EXISTS');

  await dialog.getByLabel(/Shard name/).fill('shard_9');
  await dialog.getByLabel(/Connection URL/).fill(`postgres://postgres:secret@127.0.0.1:${shard1.port}/pwb_new`);
  await dialog.getByRole('button', { name: 'Add shard' }).click();
  await expect(dialog.getByRole('alert')).toHaveAttribute('data-error-code', 'CONFIG_INVALID');
  await expect(dialog.getByRole('alert')).toContainText('password in clear');
  await app.screenshot('add-shard-refused.png');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(await readFile(ui.profilePath, 'utf8')).toBe(profileBefore);
});
