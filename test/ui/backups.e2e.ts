import { test, expect } from './fixtures.ts';
import { holdLock } from './hold-lock.ts';

/*
 * The Backups page on the UI cluster (PostgreSQL 15, backed up with the machine's pg_dump 15): back up
 * every database with a bar per database, verify the backup, open it offline, search its websites, a
 * website's footprint per archive, and the offline doctor.
 */

test('backs up every database, verifies it, and opens it offline down to one website', async ({ app, sql }) => {
  test.setTimeout(180_000);
  await app.open('#/backups');
  await app.page.getByRole('button', { name: 'Back up now…' }).click();
  const dialog = app.page.getByTestId('backup-dialog');
  // A double click (the operator's habit) starts the backup, never its Cancel, which takes the button's place.
  await dialog.getByRole('button', { name: 'Back up', exact: true }).dblclick();
  await expect(dialog.getByTestId('backup-done')).toBeVisible({ timeout: 120_000 });
  for (const db of ['default', 'shard_1', 'shard_2']) await expect(dialog.getByTestId(`backup-progress-${db}`)).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();

  const row = app.page.getByTestId('backup-row').first();
  await expect(row).toContainText('default, shard_1, shard_2');
  await row.getByRole('button', { name: 'Verify' }).click();
  await expect(row.getByTestId('backup-verified')).toContainText('ok', { timeout: 60_000 });

  await row.getByRole('button', { name: 'Open' }).click();
  const inspector = app.page.getByTestId('backup-inspector');
  await expect(inspector.getByTestId('archive')).toHaveCount(3, { timeout: 60_000 });
  const [site] = await sql.query<{ id: number; shard: string }>(
    'shard_1',
    `SELECT website_id AS id, 'shard_1' AS shard FROM pwb_pages GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
  );
  await inspector.getByTestId('website-search').fill(String(site!.id));
  const websiteRow = inspector.locator(`[data-website="${site!.id}"]`);
  await expect(websiteRow).toContainText('shard_1');
  await websiteRow.getByRole('button', { name: 'Per table' }).click();
  const footprint = app.page.getByTestId('website-footprint');
  const [pages] = await sql.query<{ n: string }>('shard_1', 'SELECT count(*)::text AS n FROM pwb_pages WHERE website_id = $1', [site!.id]);
  await expect(footprint.locator('[data-table="pwb_pages"]')).toContainText(pages!.n, { timeout: 60_000 });
  await inspector.getByTestId('offline-doctor').getByRole('button', { name: 'Check the backup' }).click();
  await expect(app.page.getByTestId('offline-doctor-findings')).toContainText('Nothing out of place.', { timeout: 60_000 });
  await app.screenshot('backups.png');
});

test('Escape while a backup runs leaves its dialog open, with its progress and Cancel', async ({ app, ui }) => {
  // pg_dump's first lock on shard_2 waits behind this one: the backup is surely running.
  const release = await holdLock(ui, 'shard_2', 'pwb_pages', 'ACCESS EXCLUSIVE');
  try {
    await app.open('#/backups');
    await app.page.getByRole('button', { name: 'Back up now…' }).click();
    const dialog = app.page.getByTestId('backup-dialog');
    await dialog.getByRole('checkbox', { name: 'shard_2' }).check();
    await dialog.getByRole('button', { name: 'Back up', exact: true }).click();
    const cancel = dialog.getByRole('button', { name: 'Cancel' });
    await expect(cancel).toBeVisible();
    await app.page.keyboard.press('Escape');
    await app.page.keyboard.press('Escape');
    await expect(dialog).toBeVisible();
    await expect(cancel).toBeVisible();
    await cancel.click();
    await expect(dialog.getByRole('button', { name: 'Close' })).toBeVisible({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
  } finally {
    await release();
  }
});

test('a backup made elsewhere (the CLI, another console) shows on the Backups page when it is opened again', async ({ app, ui }) => {
  test.setTimeout(180_000);
  await app.open('#/backups');
  const rows = app.page.getByTestId('backup-row');
  // The list is read: its folder is named.
  await expect(app.page.locator('.card__title code').first()).toBeVisible();
  const before = await rows.count();
  const response = await fetch(`${ui.origin}/rpc/backup.create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ui.token}` },
    body: JSON.stringify({ databases: ['default'] }),
  });
  expect(((await response.json()) as { ok: boolean }).ok).toBe(true);
  await app.open('#/overview');
  await app.open('#/backups');
  await expect(rows).toHaveCount(before + 1, { timeout: 30_000 });
});
