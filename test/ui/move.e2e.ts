import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import type { ClusterSql } from './fixtures.ts';
import { SCREENSHOT_DIR } from './ui-server.ts';
import type { UiServer } from './ui-server.ts';
import { TenantDetailPage } from './pages/tenant-detail-page.ts';
import { MoveJobPage, MovesListPage, MoveWizard } from './pages/move-pages.ts';
import { holdLock } from './hold-lock.ts';

/*
 * The move UI on the shared UI cluster. Every spec leaves the cluster as it found it: a website moved
 * away is moved back (through the UI, or by the API if the UI part failed), a stray row is deleted.
 */

interface Website {
  id: number;
  subdomain: string | null;
  shard: string;
}

/**
 * shard_2 is built with `schema:load`: it keeps its own control-plane tables and enforces PWB's foreign
 * keys into them, so a website's pwb_websites row must be there before its rows can be (the preflight
 * refuses otherwise). This is the operator's step: copy the row from the primary.
 */
async function admitOn(sql: ClusterSql, shard: string, websiteId: number): Promise<void> {
  const [row] = await sql.query<{ row: unknown }>('default', `SELECT row_to_json(w) AS row FROM pwb_websites w WHERE id = $1`, [websiteId]);
  await sql.query(shard, `INSERT INTO pwb_websites SELECT * FROM json_populate_record(NULL::pwb_websites, $1::json) ON CONFLICT (id) DO NOTHING`, [
    JSON.stringify(row!.row),
  ]);
}

/** The website on `shard` with the fewest realty assets (but some, so FK chains have rows to copy). */
async function smallWebsiteOn(sql: ClusterSql, shard: string): Promise<Website> {
  const websites = await sql.query<{ id: number; subdomain: string | null }>(
    'default',
    `SELECT id, subdomain FROM pwb_websites WHERE coalesce(shard_name, 'default') = $1 ORDER BY id`,
    [shard],
  );
  expect(websites.length, `the UI cluster has websites on ${shard}`).toBeGreaterThan(0);
  const [smallest] = await sql.query<{ website_id: number }>(
    shard,
    `SELECT website_id FROM pwb_realty_assets WHERE website_id = ANY($1::int[]) GROUP BY website_id ORDER BY count(*), website_id LIMIT 1`,
    [websites.map((w) => w.id)],
  );
  const chosen = websites.find((w) => w.id === smallest?.website_id) ?? websites[0]!;
  return { ...chosen, shard };
}

/** The viewport only: a modal's backdrop covers the viewport, so a full-page shot of a dialog looks broken. */
function viewportShot(page: Page): (name: string) => Promise<string> {
  return async (name) => {
    const path = join(SCREENSHOT_DIR, name);
    await page.screenshot({ path });
    return path;
  };
}

async function shardOf(sql: ClusterSql, id: number): Promise<string> {
  const [row] = await sql.query<{ shard: string }>('default', `SELECT coalesce(shard_name, 'default') AS shard FROM pwb_websites WHERE id = $1`, [id]);
  return row!.shard;
}

async function rpc<T>(ui: UiServer, method: string, params: unknown): Promise<T> {
  const response = await fetch(`${ui.origin}/rpc/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ui.token}` },
    body: JSON.stringify(params),
  });
  const body = (await response.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result as T;
}

/** Safety net when a spec failed half-way: roll back or finish unfinished jobs, then move the website home by the API. */
async function restoreWebsite(ui: UiServer, sql: ClusterSql, website: Website): Promise<void> {
  type Job = { jobId: string; state: string; live: boolean; actions: string[] };
  const settle = async (jobId: string) => {
    for (let i = 0; i < 120; i++) {
      const job = await rpc<Job>(ui, 'moves.get', { jobId });
      if (!job.live && job.state !== 'running' && job.state !== 'planned') return;
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  for (const job of (await rpc<{ jobs: Job[] }>(ui, 'moves.list', { websiteId: website.id })).jobs) {
    if (job.live) await settle(job.jobId);
    const now = await rpc<Job>(ui, 'moves.get', { jobId: job.jobId });
    if (now.actions.includes('rollback')) {
      await rpc(ui, 'moves.rollback', { jobId: job.jobId });
      await settle(job.jobId);
    } else if (now.actions.includes('cancel')) await rpc(ui, 'moves.cancel', { jobId: job.jobId });
  }
  if ((await shardOf(sql, website.id)) !== website.shard) {
    const job = await rpc<Job>(ui, 'moves.start', { websiteId: website.id, target: website.shard });
    await settle(job.jobId);
  }
  expect(await shardOf(sql, website.id), `website ${website.id} is back on ${website.shard}`).toBe(website.shard);
}

/** Opens the wizard on the website's page and moves it to `target`, screenshots named by `shots`; returns the job id. */
async function moveThroughWizard(
  detail: TenantDetailPage,
  website: Website,
  from: string,
  target: string,
  shots: string | null,
  screenshot: (name: string) => Promise<string>,
  viewRefresh: 'concurrently' | 'rebuild' = 'concurrently',
): Promise<string> {
  await detail.ready();
  await expect(detail.database).toHaveText(from);
  const footprint = Object.fromEntries((await detail.footprint()).map((r) => [r.table, r.rows]));

  const wizard = new MoveWizard(detail.page);
  await wizard.open();
  // Step 1: every database but the one holding the website.
  expect(await wizard.targetNames()).not.toContain(from);
  expect(await wizard.targetNames()).toContain(target);
  await expect(wizard.target(target)).toContainText('reachable');
  await expect(wizard.target(target)).toContainText(/\d+(\.\d+)? (B|kB|MB|GB)/);
  if (shots) await screenshot(`${shots}-1-target.png`);

  // Step 2: the plan lists every tenant table with the rows the detail page counts.
  await wizard.check(target);
  await expect(wizard.plan).toBeVisible();
  const planned = await wizard.planRows();
  for (const [table, rows] of Object.entries(footprint)) expect(planned[table], `plan rows of ${table}`).toBe(rows);
  await expect(wizard.plan.getByTestId('move-plan-total')).toContainText(/Total\s*[\d,]+\s*\d+(\.\d+)? (B|kB|MB|GB)/);
  if (shots) await screenshot(`${shots}-2-plan.png`);

  // Step 3: the destructive button waits for the subdomain (or id).
  await wizard.button('Continue').click();
  await expect(wizard.confirmation).toContainText(from);
  await expect(wizard.confirmation).toContainText(target);
  await expect(wizard.confirmation).toContainText(String(website.id));
  await expect(wizard.confirmInput).toBeFocused();
  await expect(wizard.startButton(target)).toBeDisabled();
  await wizard.confirmInput.fill('not-the-website');
  await expect(wizard.startButton(target)).toBeDisabled();
  await wizard.confirmInput.fill(website.subdomain ?? String(website.id));
  await expect(wizard.startButton(target)).toBeEnabled();
  // The views refresh concurrently unless the operator picks a rebuild, which says who waits.
  await expect(wizard.viewRefresh.getByRole('radio', { name: /Refresh concurrently/ })).toBeChecked();
  await expect(wizard.viewRefresh).toContainText(`views on ${from} and ${target} waits`);
  if (viewRefresh === 'rebuild') await wizard.viewRefresh.getByRole('radio', { name: /Rebuild/ }).check();
  if (shots) await screenshot(`${shots}-3-confirm.png`);
  await wizard.startButton(target).click();

  const job = new MoveJobPage(detail.page);
  return job.jobId();
}

test('a small website moves to another shard through the wizard, verified table by table, and back again', async ({ app, sql, ui }) => {
  test.setTimeout(240_000);
  const website = await smallWebsiteOn(sql, 'shard_1');
  const there = 'shard_2';
  await admitOn(sql, there, website.id);
  const rowsBefore = Object.fromEntries((await (await app.tenantDetail(website.id)).footprint()).map((r) => [r.table, r.rows]));
  try {
    // There.
    const detail = await app.tenantDetail(website.id);
    const jobId = await moveThroughWizard(detail, website, website.shard, there, 'move-wizard', viewportShot(app.page));
    const job = new MoveJobPage(app.page);
    // Whatever point the job has reached by now: a picture of the page while (or just after) it runs.
    await expect(job.timeline).toBeVisible();
    await app.screenshot('move-job-started.png');
    expect(await job.waitForEnd()).toBe('succeeded');
    await expect(job.summary).toHaveText(`Website ${website.id} now lives on ${there}.`);
    await expect(job.verificationSummary).toContainText(`match on ${website.shard} and ${there}`);
    const report = await job.verification();
    expect(report.length).toBeGreaterThan(0);
    for (const row of report) {
      expect(row, `verification of ${row.table}`).toMatchObject({ ok: true, targetRows: row.sourceRows, targetHash: row.sourceHash });
      expect(Number(row.sourceRows.replace(/,/g, '')), `rows of ${row.table}`).toBe(rowsBefore[row.table] ?? 0);
    }
    await expect(job.verified).toHaveText('yes, every table');
    for (const step of ['preflight', 'fence', 'copy', 'verify', 'switch', 'done']) await expect(job.step(step)).toHaveAttribute('data-status', 'done');
    await expect(job.step('copy').locator('.timeline__time')).toHaveText(/\d/);
    await expect(job.progressRows.first()).toBeVisible();
    for (const done of await job.progressRows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-done')))) expect(done).toBe('true');
    // A finished move offers no action.
    await expect(job.actions).toHaveCount(0);
    await app.screenshot('move-job-succeeded.png');
    expect(await shardOf(sql, website.id)).toBe(there);

    // The website's page now says so, and counts the same rows there.
    await job.websiteLink.click();
    const moved = new TenantDetailPage(app.page);
    await moved.ready();
    await expect(moved.database).toHaveText(there);
    await expect(moved.facts).toContainText(there);
    expect(Object.fromEntries((await moved.footprint()).map((r) => [r.table, r.rows]))).toEqual(rowsBefore);

    // And back, through the same wizard.
    const backId = await moveThroughWizard(moved, website, there, website.shard, null, (n) => app.screenshot(n), 'rebuild');
    expect(backId).not.toBe(jobId);
    const plans = await sql.query<{ id: string; refresh: string }>(
      'default',
      `SELECT id::text, plan->>'viewRefresh' AS refresh FROM shard_console.move_jobs WHERE id = ANY($1::uuid[])`,
      [[jobId, backId]],
    );
    expect(Object.fromEntries(plans.map((r) => [r.id, r.refresh]))).toEqual({ [jobId]: 'concurrently', [backId]: 'rebuild' });
    expect(await new MoveJobPage(app.page).waitForEnd()).toBe('succeeded');
    expect(await shardOf(sql, website.id)).toBe(website.shard);
    await new MoveJobPage(app.page).websiteLink.click();
    const home = new TenantDetailPage(app.page);
    await expect(home.database).toHaveText(website.shard);
    expect(Object.fromEntries((await home.footprint()).map((r) => [r.table, r.rows]))).toEqual(rowsBefore);

    // Both jobs are on the list, newest first; the keyboard walks it and opens one.
    await app.nav.getByRole('link', { name: 'Moves' }).click();
    const list = new MovesListPage(app.page);
    await expect(list.heading).toBeVisible();
    await expect(app.nav.getByRole('link', { name: 'Moves' })).toHaveAttribute('aria-current', 'page');
    await expect(list.row(backId)).toBeVisible();
    const ids = await list.jobIds();
    expect(ids.indexOf(backId)).toBeLessThan(ids.indexOf(jobId));
    await expect(list.row(jobId)).toContainText(`${website.shard} → ${there}`);
    await expect(list.row(jobId)).toHaveAttribute('data-state', 'succeeded');
    await list.table.focus();
    for (let i = 0; i < ids.indexOf(jobId); i++) await app.page.keyboard.press('ArrowDown');
    await expect(list.row(jobId)).toHaveAttribute('aria-selected', 'true');
    await app.screenshot('moves-list.png');
    await app.page.keyboard.press('Enter');
    await expect(app.page).toHaveURL(new RegExp(`#/moves/${jobId}$`));
    await expect(new MoveJobPage(app.page).state).toHaveAttribute('data-state', 'succeeded');
  } finally {
    await restoreWebsite(ui, sql, website);
  }
});

test("a move that ends while the operator is on the Jobs page: the website's page, read before it, shows where the website lives now", async ({
  app,
  sql,
  ui,
}) => {
  test.setTimeout(120_000);
  const website = await smallWebsiteOn(sql, 'shard_1');
  const target = 'default';
  try {
    const before = await app.tenantDetail(website.id);
    await expect(before.database).toHaveText(website.shard);
    // The copy's first write on the target waits for this lock: the move surely ends after the website's page was left.
    const release = await holdLock(ui, target, 'pwb_prop_photos', 'SHARE');
    let jobId: string;
    try {
      jobId = (await rpc<{ jobId: string }>(ui, 'moves.start', { websiteId: website.id, target })).jobId;
      await app.open('#/jobs');
      await expect(app.page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`)).toHaveAttribute('data-state', 'running');
    } finally {
      await release();
    }
    await expect(app.page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`)).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
    await app.open(`#/tenants/${website.id}`);
    await expect(new TenantDetailPage(app.page).database).toHaveText(target);
  } finally {
    await restoreWebsite(ui, sql, website);
  }
});

test('Escape while the move is starting leaves the wizard open, and the answer is shown there', async ({ app, sql }) => {
  const website = await smallWebsiteOn(sql, 'shard_1');
  const target = 'default';
  // The start's answer takes a moment, and is a refusal: nothing starts, and the operator must see why.
  await app.page.route('**/rpc/moves.start', async (route) => {
    await new Promise((r) => setTimeout(r, 1000));
    await route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({ ok: false, error: { code: 'MOVE_REFUSED', message: 'Refused for the test: nothing was changed.' } }),
    });
  });
  try {
    const detail = await app.tenantDetail(website.id);
    await detail.ready();
    const wizard = new MoveWizard(app.page);
    await wizard.open();
    await wizard.check(target);
    await expect(wizard.plan).toBeVisible();
    await wizard.button('Continue').click();
    await wizard.confirmInput.fill(website.subdomain ?? String(website.id));
    await wizard.startButton(target).click();
    await app.page.keyboard.press('Escape');
    await expect(wizard.dialog).toBeVisible();
    await expect(wizard.dialog.getByRole('alert')).toContainText('Refused for the test');
  } finally {
    await app.page.unroute('**/rpc/moves.start');
  }
  expect(await shardOf(sql, website.id)).toBe('shard_1');
});

test('a refused preflight shows each reason with its code and offers no way forward; Escape closes the wizard', async ({ app, sql }) => {
  const website = await smallWebsiteOn(sql, 'shard_1');
  const target = 'shard_2';
  const jobsBefore = await sql
    .query<{ n: string }>('default', `SELECT count(*)::text AS n FROM shard_console.move_jobs WHERE website_id = $1`, [website.id])
    .catch(() => [{ n: '0' }]);
  // A stray row of the website on the target: the preflight must refuse (TARGET_HAS_ROWS) rather than duplicate it.
  await sql.query(
    target,
    `INSERT INTO pwb_website_integrations (website_id, category, provider, created_at, updated_at) VALUES ($1, 'e2e-probe', 'stray', now(), now())`,
    [website.id],
  );
  try {
    const detail = await app.tenantDetail(website.id);
    await detail.ready();
    const wizard = new MoveWizard(app.page);
    await wizard.open();
    await wizard.check(target);
    await expect(wizard.refusals).toBeVisible();
    await expect(wizard.dialog.getByRole('alert')).toContainText('The move is refused');
    const refusal = wizard.refusal('TARGET_HAS_ROWS');
    await expect(refusal).toContainText('TARGET_HAS_ROWS');
    await expect(refusal).toContainText('pwb_website_integrations');
    await expect(refusal).toContainText(`${target} already holds 1 row(s) of website ${website.id}`);
    await expect(wizard.plan).toHaveCount(0);
    await expect(wizard.button('Continue')).toHaveCount(0);
    await viewportShot(app.page)('move-wizard-refused.png');

    // Back to step 1 keeps the choice; Escape closes the dialog and focus returns to the page's button.
    await wizard.button('Back').click();
    await expect(wizard.target(target).getByRole('radio')).toBeChecked();
    await expect(wizard.target(target).getByRole('radio')).toBeFocused();
    await app.page.keyboard.press('Escape');
    await expect(wizard.dialog).toBeHidden();
    await expect(app.page.getByTestId('move-website')).toBeFocused();
  } finally {
    await sql.query(target, `DELETE FROM pwb_website_integrations WHERE website_id = $1 AND category = 'e2e-probe'`, [website.id]);
  }
  // Refusing changed nothing: same shard, no job recorded.
  expect(await shardOf(sql, website.id)).toBe(website.shard);
  const jobsAfter = await sql
    .query<{ n: string }>('default', `SELECT count(*)::text AS n FROM shard_console.move_jobs WHERE website_id = $1`, [website.id])
    .catch(() => [{ n: '0' }]);
  expect(jobsAfter[0]!.n).toBe(jobsBefore[0]!.n);
});
