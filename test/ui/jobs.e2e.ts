import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, expect } from './fixtures.ts';
import type { UiServer } from './ui-server.ts';
import { holdLock } from './hold-lock.ts';

/*
 * Long work followed and stopped from the UI: a move and a migration run started in this console show
 * their progress live (by events, no polling) and stop at a safe point with Stop; a size scan shows
 * each database as it is read and stops with Cancel. Each is blocked on a lock the spec holds, so it is
 * surely mid-statement when stopped. Every spec leaves the cluster as it found it (or consistently
 * migrated, for the migration run).
 */

async function rpc<T>(ui: UiServer, method: string, params: unknown): Promise<T> {
  const response = await fetch(`${ui.origin}/rpc/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ui.token}` },
    body: JSON.stringify(params),
  });
  const envelope = (await response.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error?.message}`);
  return envelope.result as T;
}

test('a move started here shows live progress and stops from its page; the Jobs page lists it resumable', async ({ app, sql, ui }) => {
  const [site] = await sql.query<{ id: number }>('default', `SELECT id FROM pwb_websites WHERE shard_name = 'shard_1' ORDER BY id LIMIT 1`);
  // Reads pass (the preflight's), writes wait: the copy's first write on the target blocks.
  const release = await holdLock(ui, 'default', 'pwb_prop_photos', 'SHARE');
  let jobId: string | null = null;
  try {
    jobId = (await rpc<{ jobId: string }>(ui, 'moves.start', { websiteId: site!.id, target: 'default' })).jobId;
    await app.open(`#/moves/${jobId}`);
    await app.page.getByRole('button', { name: 'Stop', exact: true }).click();
    await app.page.getByRole('button', { name: 'Stop now' }).click();
    await expect(app.page.locator('.badge').filter({ hasText: 'interrupted' }).first()).toBeVisible();
    // Resumed from its page, it runs here again (blocked on the same lock): the page follows it, Stop and all.
    await app.page.locator('.page__actions button[data-action="resume"]').click({ timeout: 10_000 });
    await expect(app.page.getByRole('button', { name: 'Stop', exact: true })).toBeVisible({ timeout: 15_000 });
    await app.page.getByRole('button', { name: 'Stop', exact: true }).click({ timeout: 10_000 });
    await app.page.getByRole('button', { name: 'Stop now' }).click({ timeout: 10_000 });
    await expect(app.page.locator('.badge').filter({ hasText: 'interrupted' }).first()).toBeVisible();
    await app.open('#/jobs');
    const row = app.page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
    await expect(row).toHaveAttribute('data-state', 'interrupted');
    await expect(row).toContainText('Resume or roll back…');
    await app.screenshot('jobs.png');
    // A resume the core refuses says why, in the Moves list's row, which stays on screen while the list reads again.
    await app.page.route('**/rpc/moves.resume', (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({ ok: false, error: { code: 'JOB_BUSY', message: `Move job ${jobId} is being run by another console right now.` } }),
      }),
    );
    await app.open('#/moves');
    const moveRow = app.page.locator(`[data-testid="move-job-row"][data-job-id="${jobId}"]`);
    await moveRow.locator('button[data-action="resume"]').click();
    await expect(moveRow.getByRole('alert')).toContainText('being run by another console right now');
    await app.page.unroute('**/rpc/moves.resume');
  } finally {
    await release();
    if (jobId !== null) {
      await rpc(ui, 'moves.rollback', { jobId }).catch(() => {});
      await expect.poll(async () => (await rpc<{ state: string }>(ui, 'moves.get', { jobId: jobId! })).state, { timeout: 60_000 }).toBe('rolled_back');
    }
  }
});

test("a job whose live stream is lost is read instead: the row says so and still reaches the job's end", async ({ app, sql, ui }) => {
  const [site] = await sql.query<{ id: number }>('default', `SELECT id FROM pwb_websites WHERE shard_name = 'shard_1' ORDER BY id OFFSET 1 LIMIT 1`);
  const release = await holdLock(ui, 'default', 'pwb_prop_photos', 'SHARE');
  let jobId: string | null = null;
  try {
    // Every event stream of this page fails (a proxy cutting long requests, the bridge restarting).
    await app.page.route('**/rpc/jobs.watch', (route) => route.abort());
    jobId = (await rpc<{ jobId: string }>(ui, 'moves.start', { websiteId: site!.id, target: 'default' })).jobId;
    await app.open('#/jobs');
    const row = app.page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
    await expect(row.getByTestId('job-watch-lost')).toBeVisible();
    await expect(row).toHaveAttribute('data-state', 'running');
    await rpc(ui, 'jobs.stop', { jobId });
    await expect(row).toHaveAttribute('data-state', 'interrupted', { timeout: 30_000 });
  } finally {
    await app.page.unroute('**/rpc/jobs.watch');
    // Stopped whatever failed above, so the rollback leaves the cluster as it was.
    if (jobId !== null) await rpc(ui, 'jobs.stop', { jobId }).catch(() => {});
    await release();
    if (jobId !== null) {
      await rpc(ui, 'moves.rollback', { jobId }).catch(() => {});
      await expect.poll(async () => (await rpc<{ state: string }>(ui, 'moves.get', { jobId: jobId! })).state, { timeout: 60_000 }).toBe('rolled_back');
    }
  }
});

test('a migration run started here stops from the Migrations page; applying again resumes it', async ({ app, ui }) => {
  await writeFile(join(ui.migrationsDir, 'tenant', '20990501000001_ui_stop_probe.sql'), 'ALTER TABLE pwb_pages ADD COLUMN ui_stop_probe integer;\n');
  const release = await holdLock(ui, 'shard_2', 'pwb_pages', 'ACCESS EXCLUSIVE');
  try {
    await app.open('#/migrations');
    await app.page.getByRole('button', { name: 'Apply pending…' }).click();
    await app.page.getByTestId('apply-dialog').getByRole('button', { name: 'Apply', exact: true }).click();
    const run = app.page.getByTestId('migration-run');
    await expect(run.getByRole('button', { name: 'Stop', exact: true })).toBeVisible();
    // A stop that does not go through says why, and Stop can be pressed again.
    await app.page.route('**/rpc/jobs.stop', (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({ ok: false, error: { code: 'JOB_NOT_FOUND', message: 'No job with that id runs here.' } }),
      }),
    );
    await run.getByRole('button', { name: 'Stop', exact: true }).click();
    await run.getByRole('button', { name: 'Stop now' }).click();
    await expect(run.getByRole('alert').filter({ hasText: 'The stop did not go through' })).toContainText('No job with that id runs here.');
    await app.page.unroute('**/rpc/jobs.stop');
    await run.getByRole('button', { name: 'Stop', exact: true }).click();
    await run.getByRole('button', { name: 'Stop now' }).click();
    await expect(run).toHaveAttribute('data-state', 'interrupted');
    await expect(run).toContainText('Stopped before it finished');
    await expect(app.page.getByTestId('run-shard_2')).toHaveAttribute('data-state', 'stopped');
    // Leaving the page and coming back finds the run where it was, and so does the Jobs page's link to it.
    const runId = await run.getAttribute('data-run-id');
    await app.open('#/overview');
    await app.open('#/migrations');
    await expect(app.page.getByTestId('migration-run')).toHaveAttribute('data-state', 'interrupted');
    await app.open('#/jobs');
    await app.page.locator(`[data-testid="job-row"][data-job-id="${runId}"]`).locator('td.mono a').click();
    await expect(app.page.getByTestId('migration-run')).toHaveAttribute('data-run-id', runId!);
  } finally {
    await release();
  }
  await app.page.getByRole('button', { name: 'Apply pending…' }).click();
  await app.page.getByTestId('apply-dialog').getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(app.page.getByTestId('migration-run')).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
});

test('a size scan shows each database as it is read and stops with Cancel', async ({ app, ui }) => {
  const release = await holdLock(ui, 'shard_2', 'pwb_realty_assets', 'ACCESS EXCLUSIVE');
  try {
    await app.open('#/shards');
    const scan = app.page.getByTestId('size-scan');
    await expect(scan).toBeVisible();
    await expect(scan.getByTestId('job-progress')).toHaveAttribute('data-total', '3');
    await scan.getByRole('button', { name: 'Cancel' }).click();
    await expect(app.page.getByTestId('size-scan-cancelled')).toBeVisible();
  } finally {
    await release();
  }
  await app.page.getByRole('button', { name: 'Refresh' }).click();
  await expect(app.page.getByRole('heading', { name: 'Databases' })).toBeVisible();
});

test('opening the Jobs page reads the list once, and once again on each later visit', async ({ app, page }, testInfo) => {
  test.skip(testInfo.project.name === 'electron', 'counts the HTTP bridge’s requests; the desktop app calls over IPC');
  // A page that reads again on every visit (jobs may have started elsewhere) used to read twice on the
  // first: the mount's read and a refetch queued behind it.
  const reads: number[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/rpc/jobs.list')) reads.push(Date.now());
  });
  const settled = async () => {
    await expect(app.page.getByTestId('jobs-store')).toBeVisible();
    await page.waitForTimeout(800);
  };
  await app.open('#/jobs');
  await settled();
  expect(reads).toHaveLength(1);
  await app.open('#/overview');
  await expect(app.page.getByTestId('jobs-store')).toHaveCount(0);
  await app.open('#/jobs');
  await settled();
  expect(reads).toHaveLength(2);
});

test("the keyboard's cursor stays on its job when a new one is listed on top, and Enter opens that job", async ({ app, ui }) => {
  // Migration runs with nothing to apply: quick jobs that leave the cluster as it is.
  const quickRun = async () => {
    const { runId } = await rpc<{ runId: string }>(ui, 'migrations.up', {});
    await expect.poll(async () => (await rpc<{ state: string }>(ui, 'migrations.run', { runId })).state, { timeout: 30_000 }).not.toBe('running');
    return runId;
  };
  await quickRun();
  await quickRun();
  await app.open('#/jobs');
  const table = app.page.getByTestId('jobs');
  const rows = app.page.getByTestId('job-row');
  await table.focus();
  await app.page.keyboard.press('ArrowDown');
  const chosen = await rows.nth(1).getAttribute('data-job-id');
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');

  // Started elsewhere (the CLI, another window): listed on top at the next read.
  const newest = await quickRun();
  await app.page.getByRole('button', { name: 'Refresh' }).click();
  await expect(rows.first()).toHaveAttribute('data-job-id', newest);
  await expect(app.page.locator(`[data-testid="job-row"][data-job-id="${chosen}"]`)).toHaveAttribute('aria-selected', 'true');
  await table.focus();
  await app.page.keyboard.press('Enter');
  await expect(app.page.getByTestId('migration-run')).toHaveAttribute('data-run-id', chosen!);

  // No key pressed yet: the cursor the page starts with is on the top job, and stays on it too.
  await app.open('#/jobs');
  await expect(rows.first()).toHaveAttribute('aria-selected', 'true');
  const top = await rows.first().getAttribute('data-job-id');
  const newer = await quickRun();
  await app.page.getByRole('button', { name: 'Refresh' }).click();
  await expect(rows.first()).toHaveAttribute('data-job-id', newer);
  await expect(app.page.locator(`[data-testid="job-row"][data-job-id="${top}"]`)).toHaveAttribute('aria-selected', 'true');
  await table.focus();
  await app.page.keyboard.press('Enter');
  await expect(app.page.getByTestId('migration-run')).toHaveAttribute('data-run-id', top!);
});
