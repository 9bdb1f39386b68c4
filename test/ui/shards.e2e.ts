import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { formatBytes } from '../../shared/format.ts';
import { test, expect } from './fixtures.ts';
import type { UiServer } from './ui-server.ts';

/*
 * The shard pages draw the numbers the CLI reports: database sizes as the stacked bars' totals, the
 * largest tenants' estimated bytes as bar labels, and an exact measurement that matches `tenant ID`.
 * Read-only: the only write is the size snapshot viewing stores, which is the feature.
 */

const repoRoot = resolve(import.meta.dirname, '../..');

function cli(ui: UiServer, args: string[]): Promise<any> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      ['bin/shard-console.js', ...args, '--profile', ui.profilePath, '--json'],
      { cwd: repoRoot, env: { ...process.env, SC_TEST_PASSWORD: ui.password } },
      (error, stdout, stderr) => {
        if (error && !stdout) fail(new Error(`${args.join(' ')}: ${stderr}`));
        else done(JSON.parse(stdout));
      },
    );
  });
}

const UNITS: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
function parseBytes(text: string): number {
  const m = /^(-?\d+(?:\.\d+)?) (B|kB|MB|GB|TB)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a size in human units`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

test('the shards page draws a bar per database, stacked by table, ending in the size the CLI reports', async ({ app, ui }) => {
  // The CLI first, twice: a first look creates the console's own tables (and its first snapshot) on the
  // primary, which changes its size; the second reads the size the page will read.
  await cli(ui, ['sizes']);
  const sizes = await cli(ui, ['sizes']);
  await app.open('#/shards');
  const chart = app.page.getByTestId('table-stack-chart');
  await expect(chart.locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(app.page.getByRole('heading', { level: 1, name: 'Shards' })).toBeVisible();
  const totals = await chart.locator('.recharts-label-list text, .recharts-label').allTextContents();
  expect(sizes.databases.map((d: { name: string }) => d.name).sort()).toEqual(['default', 'shard_1', 'shard_2']);
  expect(totals).toHaveLength(3);
  // A database's size moves both ways while autovacuum tidies after the earlier specs (truncating a
  // table's tail, then writing its maps: CI runs read 12.8 MB then the page 12.6 MB, and 11.4 MB, the page
  // 11.2 MB, then 11.3 MB): the page read its sizes between two CLI reads, so its total lies between
  // theirs, to 3% (what autovacuum moved meanwhile, and the label's rounding). A bar without its free space
  // and catalog segment would be off by far more.
  const after = await cli(ui, ['sizes']);
  for (const [i, db] of sizes.databases.entries()) {
    const drawn = parseBytes(totals[i]!);
    const then = after.databases.find((d: { name: string }) => d.name === db.name);
    const reads = [db.sizeBytes, then?.sizeBytes ?? db.sizeBytes];
    const between = drawn >= Math.min(...reads) * 0.97 && drawn <= Math.max(...reads) * 1.03;
    expect(between, `${db.name}: drew ${totals[i]}, CLI ${formatBytes(reads[0])} then ${formatBytes(reads[1])}`).toBe(true);
  }
  // A segment per large table plus the rest: the legend names the tables.
  await expect(chart.locator('.recharts-legend-item-text', { hasText: 'pwb_realty_assets' })).toBeVisible();
  await expect(chart.locator('.recharts-legend-item-text', { hasText: 'free space & catalog' })).toBeVisible();
  for (const db of sizes.databases) await expect(app.page.getByTestId(`shard-row-${db.name}`)).toContainText(formatBytes(db.sizeBytes).split(' ')[1]!);
  // The CLI's looks a moment ago stored this interval's snapshots: the page says why it stored none.
  await expect(app.page.getByTestId('snapshot-note')).toContainText("none was stored now, since each database's last snapshot is under 15 minutes old.");
  await app.screenshot('shards.png');
  await app.readmeScreenshot();
});

test('a shard page charts the largest tenants with the bytes the CLI reports, and measures one exactly', async ({ app, ui }) => {
  const sizes = await cli(ui, ['sizes', '--database', 'shard_1']);
  const db = sizes.databases[0];
  expect(db.name).toBe('shard_1');
  await app.open('#/shards/shard_1');
  await expect(app.page.getByRole('heading', { level: 1, name: 'shard_1' })).toBeVisible();
  const chart = app.page.locator('figure[aria-label^="Largest tenants on shard_1"]');
  await expect(chart.locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(chart).toHaveAttribute('aria-label', 'Largest tenants on shard_1 (estimate)');
  const labels = await chart.locator('.recharts-label-list text, .recharts-label').allTextContents();
  const shown = db.largestTenants.slice(0, Math.min(10, labels.length));
  expect(shown.length).toBeGreaterThanOrEqual(3);
  // The estimates scale a sample by the table's live-row count, which moves for seconds after the earlier
  // specs' moves and restores as sessions flush their statistics (a CI run saw one tenant at 338, 343 and
  // 350 kB within two seconds): the page read it between two CLI reads, so its label lies between their
  // figures, to 3% (the label's rounding; another CI run drew 16.4 kB between 15.8 and 17.0 kB).
  const after = (await cli(ui, ['sizes', '--database', 'shard_1'])).databases[0];
  for (const [i, tenant] of shown.entries()) {
    const later = after.largestTenants.find((t: { id: number }) => t.id === tenant.id);
    const drawn = parseBytes(labels[i]!);
    const reads = [tenant.bytes, later?.bytes ?? tenant.bytes];
    const between = drawn >= Math.min(...reads) * 0.97 && drawn <= Math.max(...reads) * 1.03;
    expect(between, `website ${tenant.id}: drew ${labels[i]}, CLI ${formatBytes(tenant.bytes)} then ${formatBytes(later?.bytes)}`).toBe(true);
    await expect(chart.getByText(new RegExp(`^#${tenant.id}( |$)`))).toBeVisible();
  }
  await expect(app.page.getByTestId('figure')).toHaveText('estimate');

  // A table's size moves too while autovacuum tidies after those specs (a CI run read 256 kB, then the page
  // 264 kB: a visibility-map page): the page was read between the two CLI reads, so it shows one of them.
  const table = app.page.getByTestId('shard-tables');
  for (const t of db.tables.slice(0, 5)) {
    const then = after.tables.find((x: { table: string }) => x.table === t.table);
    const either = [...new Set([t.heapBytes, then?.heapBytes ?? t.heapBytes].map((b: number) => formatBytes(b)))];
    await expect(table.locator(`tr[data-table="${t.table}"]`)).toContainText(new RegExp(either.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')));
  }

  const top = db.largestTenants[0];
  const row = app.page.locator(`[data-testid="largest-tenant"][data-id="${top.id}"]`);
  const listed = parseBytes((await row.getByTestId('tenant-bytes').textContent()) ?? '');
  const topLater = after.largestTenants.find((t: { id: number }) => t.id === top.id)?.bytes ?? top.bytes;
  expect(Math.min(Math.abs(listed - top.bytes) / top.bytes, Math.abs(listed - topLater) / topLater), `website ${top.id} listed`).toBeLessThan(0.03);
  await row.getByRole('button', { name: 'Measure exactly' }).click();
  const exact = await cli(ui, ['tenant', String(top.id)]);
  await expect(row.getByTestId('exact-bytes')).toContainText(formatBytes(exact.totalBytes));
  await app.screenshot('shard-shard_1.png');
});

test('a database that did not answer shows no tenant data figure, never "0 B" as if measured', async ({ app }) => {
  // sizes is followed with progress: its answer is NDJSON, the envelope on the last line.
  await app.page.route('**/rpc/shards.sizes', async (route) => {
    const response = await route.fetch();
    const lines = (await response.text()).trim().split('\n');
    const answer = JSON.parse(lines.at(-1)!);
    const down = answer.result.databases.find((d: { name: string }) => d.name === 'shard_2');
    Object.assign(down, {
      reachable: false,
      sizeBytes: 0,
      tenantDataBytes: 0,
      tables: [],
      growth: null,
      error: { code: 'DATABASE_UNREACHABLE', message: 'shard_2 is unreachable: connection refused.' },
    });
    lines[lines.length - 1] = JSON.stringify(answer);
    await route.fulfill({ contentType: response.headers()['content-type'] ?? 'application/json', body: `${lines.join('\n')}\n` });
  });
  try {
    await app.open('#/shards');
    const row = app.page.getByTestId('shard-row-shard_2');
    await expect(row).toContainText('unreachable');
    await expect(row.locator('td').nth(3)).toHaveText('—');
    await expect(row).not.toContainText('0 B');
  } finally {
    await app.page.unroute('**/rpc/shards.sizes');
  }
});

test('with the primary not answering, the largest tenants are shown unnamed, never as orphaned rows', async ({ app }) => {
  // The console's real answer, as it comes when the primary's lookup of the names fails.
  await app.page.route('**/rpc/shards.largestTenants', async (route) => {
    const answer = await (await route.fetch()).json();
    answer.result.websitesError = { code: 'DATABASE_UNREACHABLE', message: 'default is unreachable: connection refused.' };
    for (const db of answer.result.databases) for (const t of db.largest) Object.assign(t, { subdomain: null, shard: null });
    await route.fulfill({ contentType: 'application/json', body: JSON.stringify(answer) });
  });
  try {
    await app.open('#/shards/shard_1');
    await expect(app.page.getByTestId('tenant-names-unknown')).toContainText('default is unreachable: connection refused.');
    const rows = app.page.getByTestId('largest-tenant');
    await expect(rows.first()).toBeVisible();
    await expect(app.page.locator('[data-testid="largest-tenant"].row--bad')).toHaveCount(0);
    await expect(app.page.getByTestId('largest-tenants')).not.toContainText('no website');
  } finally {
    await app.page.unroute('**/rpc/shards.largestTenants');
  }
});

test('the overview shows a health badge per database that opens its doctor findings', async ({ app }) => {
  const overview = await app.overview();
  await overview.ready();
  for (const name of ['default', 'shard_1', 'shard_2']) {
    const badge = overview.database(name).getByTestId('health-badge');
    await expect(badge).toBeVisible();
    await expect(badge).toHaveAttribute('data-tone', /^(ok|warn)$/);
    await expect(badge).toHaveAttribute('href', `#/doctor?database=${name}`);
  }
  await app.screenshot('overview-health.png');
  await overview.database('shard_2').getByTestId('health-badge').click();
  await expect(app.page.getByRole('heading', { level: 1, name: 'Doctor · shard_2' })).toBeVisible();
});
