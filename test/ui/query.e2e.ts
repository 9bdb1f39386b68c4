import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from './fixtures.ts';
import type { ClusterSql } from './fixtures.ts';
import { QueryPage } from './pages/query-page.ts';

/*
 * The Query page against the real test cluster: primary (`default`, the control plane and tenants),
 * shard_1 (tenant tables only, no pwb_websites) and shard_2 (schema:load, every table). Each spec
 * compares what the page shows with SQL run directly on the databases.
 */

const DATABASES = ['default', 'shard_1', 'shard_2'] as const;

async function openQuery(app: { open(hash: string): Promise<void>; page: import('@playwright/test').Page }): Promise<QueryPage> {
  await app.open('#/query');
  const query = new QueryPage(app.page);
  await expect(query.heading).toBeVisible();
  return query;
}

/** Backends of the query console's own pools still running a statement, on every database. */
async function activeQueryBackends(sql: ClusterSql): Promise<number> {
  let active = 0;
  for (const database of DATABASES) {
    const [row] = await sql.query<{ n: number }>(
      database,
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'shard-console-query' AND state = 'active'`,
    );
    active += row!.n;
  }
  return active;
}

test('completes a table from the catalog, runs on every database and shows a failing database beside the others’ rows', async ({ app, sql }) => {
  const query = await openQuery(app);
  // This profile names no query role: the page says the statements run as each database's own login.
  await expect(app.page.getByTestId('query-role')).toContainText("Statements run as each database's own login");
  await expect(app.page.getByTestId('query-role')).toContainText('queryRole');
  // CodeMirror's styles are adopted by the editor's shadow root, never a <style> element the CSP would refuse.
  expect(await query.editorStyling()).toEqual({ adoptedSheets: 1, styleElements: 0, editorDisplay: 'flex' });
  await query.write('');
  await query.type('SELECT id, subdomain FROM pwb_webs');
  // Tenant and global tables told apart in the list.
  await expect(query.completionOption('pwb_websites')).toContainText('global table');
  await expect(query.completionOption('pwb_website_integrations')).toContainText('tenant table');
  await expect(query.completionList).toContainText('Global tables');
  await query.completionOption('pwb_websites').click();
  await query.type(' ORDER BY id LIMIT 3');
  await query.page.keyboard.press('Escape');
  expect(await query.statement()).toBe('SELECT id, subdomain FROM pwb_websites ORDER BY id LIMIT 3');
  await query.runWithKeyboard();

  await expect(query.status('default')).toHaveAttribute('data-phase', 'done');
  await expect(query.status('shard_1')).toHaveAttribute('data-phase', 'failed');
  await expect(query.status('shard_1')).toContainText('42P01');
  await expect(query.status('shard_1')).toContainText('pwb_websites');
  const expected = await sql.query<{ id: string; subdomain: string }>('default', 'SELECT id::text, subdomain FROM pwb_websites ORDER BY id LIMIT 3');
  await expect(query.rowsOf('default')).toHaveCount(3);
  await expect(query.rowsOf('default').first()).toContainText(expected[0]!.subdomain);
  expect(await query.headers()).toEqual(['database', 'id', 'subdomain']);
  await query.page.evaluate(() => window.scrollTo(0, 0));
  await app.screenshot('query.png');
});

test('accepts a completion with Enter and streams rows from each database with the database column first', async ({ app, sql }) => {
  const query = await openQuery(app);
  await query.write('');
  await query.type('SELECT website_id, count(*) AS pages FROM pwb_pag');
  await expect(query.completionOption('pwb_pages')).toContainText('tenant table');
  await query.acceptCompletionWithEnter('pwb_pages');
  await query.type(' GROUP BY website_id ORDER BY website_id LIMIT 2');
  await query.page.keyboard.press('Escape');
  expect(await query.statement()).toBe('SELECT website_id, count(*) AS pages FROM pwb_pages GROUP BY website_id ORDER BY website_id LIMIT 2');
  await query.runButton.click();

  for (const database of DATABASES) {
    await expect(query.status(database)).toHaveAttribute('data-phase', 'done');
    const [first] = await sql.query<{ website_id: number; pages: string }>(
      database,
      'SELECT website_id, count(*)::text AS pages FROM pwb_pages GROUP BY website_id ORDER BY website_id LIMIT 1',
    );
    await expect(query.rowsOf(database)).toHaveCount(2);
    await expect(query.rowsOf(database).first().getByRole('gridcell')).toHaveText([database, String(first!.website_id), first!.pages]);
  }
  expect(await query.headers()).toEqual(['database', 'website_id', 'pages']);

  // The grid is walked with the keyboard: a cell cursor moves with the arrows.
  await query.grid.focus();
  await query.page.keyboard.press('ArrowDown');
  await query.page.keyboard.press('ArrowRight');
  await expect(query.grid).toHaveAttribute('aria-activedescendant', 'query-cell-1-1');
  // A header click sorts (pages, a bigint sent as text, in numeric order), the filter narrows what is shown.
  const pagesCells = query.rows.locator('[role="gridcell"]:nth-child(3)');
  const pages = (await pagesCells.allTextContents()).map(Number);
  await query.grid.getByTestId('query-sort-1').click();
  await expect(pagesCells).toHaveText([...pages].sort((a, b) => a - b).map(String));
  await query.grid.getByTestId('query-sort-1').click();
  await expect(pagesCells).toHaveText([...pages].sort((a, b) => b - a).map(String));
  // And from the keyboard: S sorts by the cursor's column (website_id, where the arrows left it).
  const idCells = query.rows.locator('[role="gridcell"]:nth-child(2)');
  const ids = (await idCells.allTextContents()).map(Number);
  await query.grid.focus();
  await expect(query.grid).toHaveAttribute('aria-activedescendant', 'query-cell-1-1');
  await query.page.keyboard.press('s');
  await expect(idCells).toHaveText([...ids].sort((a, b) => a - b).map(String));
  await expect(query.grid.getByRole('columnheader').nth(1)).toHaveAttribute('aria-sort', 'ascending');
  await query.filter.fill('shard_2');
  await expect(query.rows).toHaveCount(2);
  await expect(query.shown).toHaveText('2 of 6 rows match “shard_2”');
});

test('Cancel stops a long statement on every database: no query backend stays active', async ({ app, sql }) => {
  const query = await openQuery(app);
  await query.write('SELECT pg_sleep(30)');
  await query.runButton.click();
  await expect(query.status('shard_2')).toHaveAttribute('data-phase', 'running');
  // The statement is surely on the servers before it is cancelled.
  await expect.poll(() => activeQueryBackends(sql), { timeout: 10_000 }).toBe(3);
  await expect(query.cancelButton).toBeEnabled();
  await query.cancelButton.click();
  for (const database of DATABASES) await expect(query.status(database)).toHaveAttribute('data-phase', 'cancelled');
  await expect(query.page.getByTestId('query-cancelled')).toBeVisible();
  await expect.poll(() => activeQueryBackends(sql), { timeout: 10_000 }).toBe(0);
  await expect(query.runButton).toBeEnabled();
});

test('EXPLAIN and EXPLAIN ANALYZE show every database’s plan side by side', async ({ app }) => {
  const query = await openQuery(app);
  await query.write('SELECT count(*) FROM pwb_pages');
  await query.explain();
  for (const database of DATABASES) {
    await expect(query.plan(database).getByTestId('query-plan-summary')).toContainText(/^cost \d+\.\d\d · 1 row estimated$/);
    await expect(query.plan(database).locator('pre')).toContainText('Aggregate');
    await expect(query.plan(database).locator('pre')).toContainText('on pwb_pages');
  }
  await query.explainAnalyze();
  await expect(query.page.getByTestId('query-explain')).toHaveAttribute('data-analyze', 'true');
  for (const database of DATABASES) {
    await expect(query.plan(database).getByTestId('query-plan-summary')).toContainText('ms execution');
    await expect(query.plan(database).locator('pre')).toContainText('actual time=');
  }
  await query.page.evaluate(() => window.scrollTo(0, 0));
  await app.screenshot('query-explain.png');
});

test('a small row cap truncates, and Fetch more reads the next page of the same run', async ({ app, sql }) => {
  const query = await openQuery(app);
  await query.write('SELECT id FROM pwb_pages ORDER BY id');
  await query.runOn('Chosen databases', ['shard_1']);
  await query.setRowCap(5);
  await query.runButton.click();
  await expect(query.status('shard_1')).toHaveAttribute('data-truncated', 'true');
  await expect(query.rows).toHaveCount(5);
  await expect(query.status('default')).toHaveCount(0);
  await query.fetchMoreButton.click();
  await expect(query.status('shard_1')).toHaveAttribute('data-rows', '10');
  const ids = await sql.query<{ id: string }>('shard_1', 'SELECT id::text FROM pwb_pages ORDER BY id LIMIT 10');
  await expect(query.rows.locator('[role="gridcell"]:nth-child(2)')).toHaveText(ids.map((r) => r.id));
});

test('saves a query under a name and re-opens it from the side list', async ({ app }) => {
  const query = await openQuery(app);
  const statement = 'SELECT count(*) AS websites FROM pwb_websites';
  await query.write(statement);
  await query.runOn('Chosen databases', ['default']);
  await query.save('websites on the primary');
  await expect(query.saved('websites on the primary')).toContainText(statement);
  await expect(query.saved('websites on the primary')).toContainText('default');
  await query.write('SELECT 1');
  await query.runOn('All databases');
  await query.openSaved('websites on the primary');
  expect(await query.statement()).toBe(statement);
  await expect(query.page.getByTestId('query-target').getByRole('radio', { name: 'Chosen databases' })).toBeChecked();
  await query.deleteSaved('websites on the primary');
  await expect(query.saved('websites on the primary')).toHaveCount(0);
});

test('exports what is shown as CSV and JSON, filtered as on screen', async ({ app }) => {
  const query = await openQuery(app);
  await query.write("SELECT n, 'row ' || n AS label FROM generate_series(1, 3) AS n");
  await query.runOn('Chosen databases', ['default', 'shard_2']);
  await query.runButton.click();
  await expect(query.rows).toHaveCount(6);
  await query.filter.fill('row 2');
  await expect(query.rows).toHaveCount(2);
  const csv = await query.exportShown('csv');
  expect(csv.name).toMatch(/^query-.*\.csv$/);
  expect(csv.text).toBe('database,n,label\r\ndefault,2,row 2\r\nshard_2,2,row 2\r\n');
  const json = JSON.parse((await query.exportShown('json')).text) as { rows: unknown[] };
  expect(json.rows).toEqual([
    { database: 'default', values: [2, 'row 2'] },
    { database: 'shard_2', values: [2, 'row 2'] },
  ]);
});

test('one website: routed to the database its shard_name names, its id bound as $1', async ({ app, sql }) => {
  const [site] = await sql.query<{ id: number }>('default', `SELECT id FROM pwb_websites WHERE shard_name = 'shard_2' ORDER BY id LIMIT 1`);
  const [count] = await sql.query<{ n: string }>('shard_2', 'SELECT count(*)::text AS n FROM pwb_pages WHERE website_id = $1', [site!.id]);
  const query = await openQuery(app);
  await query.write('SELECT count(*) AS pages FROM pwb_pages WHERE website_id = $1');
  await query.runOn('One website');
  await query.page.getByTestId('query-website-id').fill(String(site!.id));
  await expect(query.page.getByTestId('query-website-note')).toContainText(`$1 is ${site!.id}`);
  await query.runButton.click();
  await expect(query.status('shard_2')).toHaveAttribute('data-phase', 'done');
  await expect(query.status('default')).toHaveCount(0);
  await expect(query.rowsOf('shard_2').getByRole('gridcell')).toHaveText(['shard_2', count!.n]);
});

test('streams every row to a file on the console’s machine, with progress per database', async ({ app, sql }) => {
  const dir = await mkdtemp(join(tmpdir(), 'query-export-'));
  try {
    const file = join(dir, 'pages.csv');
    const query = await openQuery(app);
    await query.write('SELECT id FROM pwb_pages');
    await query.setRowCap(1);
    await query.page.getByTestId('query-export-file-button').click();
    const dialog = query.page.getByTestId('file-export-dialog');
    await dialog.getByTestId('file-export-path').fill(file);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await expect(dialog.getByTestId('file-export-done')).toContainText(file);
    let total = 0;
    for (const database of DATABASES) {
      const [row] = await sql.query<{ n: number }>(database, 'SELECT count(*)::int AS n FROM pwb_pages');
      total += row!.n;
      await expect(dialog.getByTestId('file-export-progress')).toContainText(database);
    }
    // No row cap: every row of every database, a header line first.
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\r\n');
    expect(lines[0]).toBe('database,id');
    expect(lines).toHaveLength(total + 1);
    // The same path again: refused, the file kept, until replacing it is ticked.
    await writeFile(file, 'kept\n');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await expect(dialog.getByRole('alert')).toContainText('pages.csv already exists, so nothing was written');
    expect(await readFile(file, 'utf8')).toBe('kept\n');
    await dialog.getByTestId('file-export-overwrite').check();
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await expect(dialog.getByTestId('file-export-done')).toContainText(file);
    expect((await readFile(file, 'utf8')).trimEnd().split('\r\n')).toHaveLength(total + 1);
    await dialog.getByRole('button', { name: 'Close' }).click();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a refused statement shows the guard’s sentence', async ({ app }) => {
  const query = await openQuery(app);
  await query.write('DELETE FROM pwb_pages');
  await query.runButton.click();
  const panel = query.page.getByRole('alert').filter({ hasText: 'DELETE changes data' });
  await expect(panel).toHaveAttribute('data-error-code', 'READ_ONLY');
  await expect(panel).toContainText('nothing was sent');
});
