import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, expect } from './fixtures.ts';
import { MigrationsPage } from './pages/migrations-page.ts';

/*
 * The matrix, a dry run and refusals of the add-shard form are read-only against the shared UI cluster;
 * the last test applies two migrations of its own (columns nothing else reads).
 */

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

test('Apply runs the plan the dialog showed: a migration file added while it is open is refused, shown, then applied only when Apply is pressed on it', async ({
  app,
  ui,
  sql,
}) => {
  const tenant = join(ui.migrationsDir, 'tenant');
  await writeFile(join(tenant, '20990601000001_ui_plan_seen.sql'), 'ALTER TABLE pwb_pages ADD COLUMN ui_plan_seen integer;\n');
  await app.open('#/migrations');
  await app.page.getByRole('button', { name: 'Refresh' }).click();
  await app.page.getByRole('button', { name: 'Apply pending…' }).click();
  const dialog = app.page.getByTestId('apply-dialog');
  await expect(dialog.getByTestId('plan-default')).toContainText('1 to apply');

  // Pulled into the folder while the operator reads the plan: not what they reviewed.
  await writeFile(join(tenant, '20990601000002_ui_plan_unseen.sql'), 'ALTER TABLE pwb_pages ADD COLUMN ui_plan_unseen integer;\n');
  await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveAttribute('data-error-code', 'PLAN_CHANGED');
  await expect(dialog.getByTestId('plan-default')).toContainText('2 to apply');
  await expect(dialog.getByTestId('plan-default')).toContainText('ui_plan_unseen');
  const applied = async () =>
    (await sql.query<{ version: string }>('default', "SELECT version FROM schema_migrations WHERE version LIKE '209906010000%' ORDER BY version")).map(
      (r) => r.version,
    );
  expect(await applied()).toEqual([]);

  // A double-click on Apply starts one run: the button waits for the core's answer to the first.
  let starts = 0;
  await app.page.route('**/rpc/migrations.up', async (route) => {
    starts++;
    await new Promise((r) => setTimeout(r, 500));
    await route.continue();
  });
  await dialog.getByRole('button', { name: 'Apply', exact: true }).dblclick();
  await expect(app.page.getByTestId('migration-run')).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await app.page.unroute('**/rpc/migrations.up');
  expect(starts).toBe(1);
  expect(await applied()).toEqual(['20990601000001', '20990601000002']);
});

test('a migration that fails on one database is listed with its error below the matrix, and its cell is reached by the keyboard', async ({ app, ui, sql }) => {
  const version = '20990603000001';
  const file = join(ui.migrationsDir, 'tenant', `${version}_ui_fails_on_shard_2.sql`);
  const shard2 = ui.databases.find((d) => d.name === 'shard_2')!.database;
  await writeFile(file, `DO $$ BEGIN IF current_database() = '${shard2}' THEN RAISE EXCEPTION 'ui spec: refused on this shard'; END IF; END $$;\n`);
  try {
    await app.open('#/migrations');
    const page = new MigrationsPage(app.page);
    await page.ready();
    await page.button('Refresh').click();
    await page.button('Apply pending…').click();
    const dialog = app.page.getByTestId('apply-dialog');
    await expect(dialog.getByTestId('plan-shard_2')).toContainText('1 to apply');
    await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
    await expect(app.page.getByTestId('migration-run')).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
    await page.button('Refresh').click();

    await expect(page.cell(version, 'shard_2')).toHaveAttribute('data-state', 'failed');
    await expect(page.cell(version, 'default')).toHaveAttribute('data-state', 'applied');
    const failures = app.page.getByTestId('migration-failures');
    await expect(failures).toContainText(`${version} ui_fails_on_shard_2 on shard_2`);
    await expect(failures).toContainText('ui spec: refused on this shard');
    // The failed cell is a stop of the keyboard, described by its line in the list.
    const cell = page.cell(version, 'shard_2');
    await cell.focus();
    await expect(cell).toBeFocused();
    const describedBy = await cell.getAttribute('aria-describedby');
    await expect(app.page.locator(`[id="${describedBy}"]`)).toContainText('refused on this shard');
    await expect(app.page.getByRole('list', { name: 'Legend' })).toContainText('database unreachable');
    await app.screenshot('migrations-failed.png');
  } finally {
    // Leave the shared cluster as the other specs expect it: no file, no trace of the version.
    await rm(file, { force: true });
    for (const db of ['default', 'shard_1', 'shard_2']) {
      await sql.query(db, 'DELETE FROM schema_migrations WHERE version = $1', [version]);
      await sql.query(db, 'DELETE FROM shard_console.migration_checksums WHERE version = $1', [version]);
    }
  }
});
