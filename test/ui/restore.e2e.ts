import { execFile } from 'node:child_process';
import { readFile, truncate } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { test, expect, type ClusterSql } from './fixtures.ts';
import type { UiServer } from './ui-server.ts';
import { holdLock } from './hold-lock.ts';

/*
 * The incident the restore exists for: a website's photos deleted after last night's backup. From the
 * website's page: pick the backup, replace, read the plan (rows in the backup against rows there now),
 * confirm, follow the job to a verified restore; the rows are back, other websites untouched, and the
 * rows from before are kept until discarded.
 */

const repoRoot = resolve(import.meta.dirname, '../..');

function cli(ui: UiServer, args: string[]): Promise<any> {
  // The server's data folder (global-setup): its Backups page and backup.list read the same backup folder.
  const env = { ...process.env, SC_TEST_PASSWORD: ui.password, SHARD_CONSOLE_DATA_DIR: resolve(repoRoot, 'test-results/ui-data') };
  return new Promise((done, fail) => {
    execFile(process.execPath, ['bin/shard-console.js', ...args, '--profile', ui.profilePath, '--json'], { cwd: repoRoot, env }, (error, stdout, stderr) => {
      if (error && !stdout) fail(new Error(`${args.join(' ')}: ${stderr}`));
      else done(JSON.parse(stdout));
    });
  });
}

/**
 * Websites routed to `shard` that no other spec has moved (a move stopped from the Jobs page leaves its
 * website fenced). Run alone, no move has made the console's tables yet.
 */
async function unmovedWebsites(sql: ClusterSql, shard: string): Promise<number[]> {
  const [{ moved } = { moved: false }] = await sql.query<{ moved: boolean }>('default', "SELECT to_regclass('shard_console.move_jobs') IS NOT NULL AS moved");
  const rows = await sql.query<{ id: number }>(
    'default',
    `SELECT id FROM pwb_websites WHERE shard_name = $1${moved ? ' AND id NOT IN (SELECT website_id FROM shard_console.move_jobs)' : ''} ORDER BY id`,
    [shard],
  );
  return rows.map((r) => r.id);
}

const PHOTOS_OF = 'SELECT count(*)::int AS n FROM pwb_prop_photos p JOIN pwb_realty_assets a ON a.id = p.realty_asset_id WHERE a.website_id = $1';
const OTHERS = `SELECT md5(string_agg(p::text, ',' ORDER BY p.id)) AS h FROM pwb_prop_photos p JOIN pwb_realty_assets a ON a.id = p.realty_asset_id WHERE a.website_id <> $1`;

test('deleted photos come back from the backup through the wizard, verified, other websites untouched; the rows from before are kept until discarded', async ({
  app,
  sql,
  ui,
}) => {
  test.setTimeout(240_000);
  const routed = await unmovedWebsites(sql, 'shard_1');
  const [site] = await sql.query<{ id: number; n: number }>(
    'shard_1',
    `SELECT a.website_id AS id, count(*)::int AS n FROM pwb_prop_photos p JOIN pwb_realty_assets a ON a.id = p.realty_asset_id
      WHERE a.website_id = ANY($1::int[]) GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
    [routed],
  );
  expect(site!.n).toBeGreaterThan(0);
  const backup = await cli(ui, ['backup', 'create']);
  const [others] = await sql.query<{ h: string }>('shard_1', OTHERS, [site!.id]);
  // The incident: every photo of the website gone.
  await sql.query('shard_1', 'DELETE FROM pwb_prop_photos WHERE realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)', [site!.id]);

  await app.open(`#/tenants/${site!.id}`);
  await app.page.getByTestId('restore-website').click();
  const wizard = app.page.getByTestId('restore-wizard');
  await wizard.locator(`[data-testid="restore-backup"][data-path="${backup.backup}"] input`).check();
  await wizard.getByRole('button', { name: 'Next' }).click();
  await expect(wizard.locator('[data-mode="replace"] input')).toBeChecked();
  await wizard.getByRole('button', { name: 'Check the restore' }).click();
  const plan = wizard.getByTestId('restore-plan');
  const photos = plan.locator('[data-table="pwb_prop_photos"]');
  await expect(photos).toContainText(String(site!.n), { timeout: 60_000 });
  await expect(photos.locator('td').nth(1)).toHaveText('0');
  await wizard.getByRole('button', { name: 'Continue' }).click();
  await wizard.getByTestId('restore-confirm-input').fill(String(site!.id));
  // Escape while the restore is starting leaves the dialog up, so its answer is seen: here a refusal made up once.
  await app.page.route('**/rpc/restores.start', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const refusal = { ok: false, error: { code: 'RESTORE_REFUSED', message: 'Refused for this test: nothing was changed.' } };
    await route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify(refusal) });
  });
  await wizard.getByTestId('restore-start').click();
  await expect(wizard.getByTestId('restore-start')).toHaveText('Starting…');
  await app.page.keyboard.press('Escape');
  await expect(wizard.getByRole('alert')).toContainText('Refused for this test');
  await app.page.unroute('**/rpc/restores.start');
  // Held up on the photos (a session's lock) while it runs: its Stop asks first, and "Keep running" keeps it.
  const release = await holdLock(ui, 'shard_1', 'pwb_prop_photos', 'SHARE');
  const page = app.page.getByTestId('restore-job');
  try {
    await wizard.getByTestId('restore-start').click();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(page.getByRole('group', { name: 'Confirm stop' })).toContainText('Stop it?');
    await page.getByRole('button', { name: 'Keep running' }).click();
    await expect(page.getByRole('button', { name: 'Stop', exact: true })).toBeVisible();
  } finally {
    await release();
  }

  await expect(page.getByTestId('restore-state')).toHaveText(/succeeded|failed|rolled back|cancelled/, { timeout: 120_000 });
  // The summary says why, when it did not succeed.
  expect(await page.getByTestId('restore-summary').textContent()).toContain('has its rows from the backup');
  await expect(page.getByTestId('restore-state')).toHaveText('succeeded');
  await expect(page.getByTestId('restore-verification')).toContainText('match the backup, row for row');
  await expect(page.getByTestId('restore-summary')).toContainText('kept aside until you discard them');
  const [after] = await sql.query<{ n: number }>('shard_1', PHOTOS_OF, [site!.id]);
  expect(after!.n).toBe(site!.n);
  expect((await sql.query<{ h: string }>('shard_1', OTHERS, [site!.id]))[0]!.h).toBe(others!.h);
  await app.screenshot('restore-job.png');

  await page.getByRole('button', { name: 'Discard kept rows…' }).click();
  await app.page.getByTestId('restore-confirm-action-button').click();
  await expect(page.getByTestId('restore-summary')).not.toContainText('kept aside', { timeout: 60_000 });
  await expect(page.locator('[data-action="discard"]')).toHaveCount(0);
});

test('rolling back a finished replace after the website was written again is refused, naming the table; "Roll back anyway" then rolls back', async ({
  app,
  sql,
  ui,
}) => {
  test.setTimeout(240_000);
  const [id] = await unmovedWebsites(sql, 'shard_2');
  const site = { id: id! };
  const backup = await cli(ui, ['backup', 'create']);
  const restored = await cli(ui, ['restore', String(site!.id), '--from', backup.backup, '--replace', '--yes']);
  expect(restored).toMatchObject({ state: 'succeeded', verified: true });
  const contacts = 'SELECT count(*)::int AS n FROM pwb_contacts WHERE website_id = $1';
  const [before] = await sql.query<{ n: number }>('shard_2', contacts, [site!.id]);
  // The application writes to the website again once the restore lifted its fence.
  await sql.query(
    'shard_2',
    `INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, 'written after the restore', now(), now())`,
    [site!.id],
  );

  await app.open(`#/restores/${restored.jobId}`);
  const page = app.page.getByTestId('restore-job');
  await expect(page.getByTestId('restore-state')).toHaveText('succeeded');
  await page.getByRole('button', { name: 'Roll back…' }).click();
  await expect(app.page.getByTestId('restore-confirm-action')).toContainText('refuses, naming the tables');
  await app.page.getByTestId('restore-confirm-action-button').click();
  await expect(page).toContainText(`pwb_contacts (${before!.n} rows restored, ${before!.n + 1} now)`, { timeout: 60_000 });
  await expect(page.getByTestId('restore-state')).toHaveText('succeeded');
  expect((await sql.query<{ n: number }>('shard_2', contacts, [site!.id]))[0]!.n).toBe(before!.n + 1);

  await page.locator('[data-action="rollback-anyway"]').click();
  await expect(app.page.getByTestId('restore-confirm-action')).toContainText('lose any change written to the website since the restore');
  await app.page.getByTestId('restore-confirm-action-button').click();
  await expect(page.getByTestId('restore-state')).toHaveText('rolled back', { timeout: 120_000 });
  expect((await sql.query<{ n: number }>('shard_2', contacts, [site!.id]))[0]!.n).toBe(before!.n);
});

test('a backup whose archive of the website cannot be read: the inspector says so at once, and Restore lets the backup find the archive instead of picking a stray fragment elsewhere', async ({
  app,
  sql,
  ui,
}) => {
  test.setTimeout(180_000);
  const [site] = await unmovedWebsites(sql, 'shard_1');
  // A stray row of the website on shard_2 (what a half-finished move leaves): its archive holds rows of it too.
  const [stray] = await sql.query<{ id: number }>(
    'shard_2',
    `INSERT INTO pwb_pages (website_id, slug, created_at, updated_at) VALUES ($1, 'ui-stray-fragment', now(), now()) RETURNING id`,
    [site!],
  );
  let backup: { backup: string };
  try {
    backup = await cli(ui, ['backup', 'create']);
  } finally {
    await sql.query('shard_2', 'DELETE FROM pwb_pages WHERE id = $1', [stray!.id]);
  }
  // The archive of shard_1, where the website lives, damaged: cut to its first 2 KB.
  const manifest = JSON.parse(await readFile(join(backup.backup, 'manifest.json'), 'utf8')) as { databases: Array<{ name: string; file: string }> };
  const damaged = join(backup.backup, manifest.databases.find((d) => d.name === 'shard_1')!.file);
  await truncate(damaged, 2048);

  await app.open(`#/backups?open=${encodeURIComponent(backup.backup)}`);
  const inspector = app.page.getByTestId('backup-inspector');
  const card = inspector.locator('[data-testid="archive"][data-database="shard_1"]');
  await expect(card).toHaveAttribute('data-error', 'true', { timeout: 60_000 });
  // Open, its error in view without a click; its summary never "0 tables ... 0 rows" as if empty.
  await expect(card).toHaveAttribute('open', '');
  await expect(card.locator('summary')).toContainText('NOT READ to its end');

  await inspector.getByTestId('website-search').fill(String(site!));
  await inspector.locator(`[data-website="${site!}"]`).getByRole('button', { name: 'Per table' }).click();
  const footprint = app.page.getByTestId('website-footprint');
  await expect(footprint.getByRole('alert')).toBeVisible({ timeout: 60_000 });
  await footprint.getByTestId('restore-website').click();
  const wizard = app.page.getByTestId('restore-wizard');
  const preflight = app.page.waitForRequest('**/rpc/restores.preflight');
  await wizard.getByRole('button', { name: 'Check the restore' }).click();
  // No archive named: the restore follows the manifest's routing to shard_1 (and says it cannot be read), never shard_2's fragment.
  expect((await preflight).postDataJSON()).not.toHaveProperty('archive');
  await expect(wizard.getByRole('alert')).toBeVisible({ timeout: 60_000 });
  await expect(wizard.getByRole('alert')).not.toContainText('shard_2');
});
