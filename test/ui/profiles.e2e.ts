import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import { firstLine, stopProcess } from './server-process.ts';
import { SCREENSHOT_DIR } from './ui-server.ts';

/*
 * The start screen and the profile form, on a browser-mode server started with no profile (its own data
 * folder, so recent and saved profiles start empty): create a profile in the form, test its connections,
 * save and open it; then switch to another profile without restarting.
 */

const repoRoot = resolve(import.meta.dirname, '../..');
let server: ChildProcess | null = null;
let url = '';
let dataDir = '';

test.beforeAll(async ({ ui }) => {
  dataDir = await mkdtemp(join(tmpdir(), 'sc-ui-profiles-'));
  server = spawn(process.execPath, ['bin/shard-console.js', 'serve', '--port', '0', '--json'], {
    cwd: repoRoot,
    env: { ...process.env, SHARD_CONSOLE_PROFILE: '', SC_TEST_PASSWORD: ui.password, SHARD_CONSOLE_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const announced = JSON.parse(await firstLine(server)) as { url: string; profile: string | null };
  expect(announced.profile).toBeNull();
  url = announced.url;
});

test.afterAll(async () => {
  if (server !== null) await stopProcess(server);
  await rm(dataDir, { recursive: true, force: true });
});

async function fillDatabase(page: Page, index: number, db: { name: string; host: string; port: number; database: string; user: string }) {
  const row = page.getByTestId('database-row').nth(index);
  await row.getByTestId('db-shard').fill(db.name);
  await row.getByTestId('db-host').fill(db.host);
  await row.getByTestId('db-port').fill(String(db.port));
  await row.getByTestId('db-database').fill(db.database);
  await row.getByTestId('db-user').fill(db.user);
  return row;
}

test('a profile made in the form is tested, saved with a ${VAR} password and opened; then another is opened in its place', async ({ page, ui }) => {
  test.setTimeout(120_000);
  await page.goto(url);
  const start = page.getByTestId('start-screen');
  await expect(start.getByRole('heading', { name: 'Open a cluster' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'start-screen.png'), fullPage: true });

  await start.getByTestId('new-profile').click();
  await page.getByTestId('profile-name-input').fill('UI made');
  const [primary, shard1] = ui.databases;
  const row = await fillDatabase(page, 0, primary!);
  // A typed password is for a test only here (browser mode keeps none): a wrong one says so.
  await row.getByTestId('db-password-kind').selectOption('typed');
  await row.getByTestId('db-password-typed').fill('not-the-password');
  await row.getByTestId('db-test').click();
  await expect(row.getByTestId('db-test-result')).toHaveAttribute('data-error-code', 'AUTH_FAILED');
  await expect(page.getByTestId('profile-problems')).toContainText('keeps no typed password');
  await expect(page.getByTestId('save-profile')).toBeDisabled();

  await row.getByTestId('db-password-kind').selectOption('env');
  await row.getByTestId('db-password-env').fill('SC_TEST_PASSWORD');
  await row.getByTestId('db-test').click();
  await expect(row.getByTestId('db-test-result')).toHaveAttribute('data-ok', 'true');
  await expect(row.getByTestId('db-test-result')).toContainText('websites');

  await page.getByTestId('add-database').click();
  const second = await fillDatabase(page, 1, shard1!);
  await second.getByTestId('db-password-kind').selectOption('env');
  await second.getByTestId('db-password-env').fill('SC_TEST_PASSWORD');
  await second.getByTestId('db-test').click();
  await expect(second.getByTestId('db-test-result')).toHaveAttribute('data-ok', 'true');
  // A result is about what was tested: an edit takes it away until the row is tested again.
  await second.getByTestId('db-port').fill('1');
  await expect(second.getByTestId('db-test-result')).toHaveCount(0);
  await second.getByTestId('db-port').fill(String(shard1!.port));

  // A path typed key by key keeps its spaces (each keystroke was trimmed: "My Backups" could not be typed);
  // the saved path is trimmed.
  const backupFolder = page.getByLabel(/^Backup folder/);
  await backupFolder.pressSequentially('/tmp/My Backups ');
  await expect(backupFolder).toHaveValue('/tmp/My Backups ');

  // Enter in a list field saves what it says (it used to be read only when the field lost focus).
  await page.getByTestId('tenant-keys').fill('website_id, pwb_website_id, tenant_id');
  await page.getByTestId('tenant-keys').press('Enter');
  const saved = page.getByTestId('profile-saved');
  await expect(saved).toContainText('ui-made.json');
  const path = join(dataDir, 'profiles', 'ui-made.json');
  expect((await stat(path)).mode & 0o777).toBe(0o600);
  const written = JSON.parse(await readFile(path, 'utf8'));
  expect(written).toMatchObject({ name: 'UI made', primary: { password: '${SC_TEST_PASSWORD}' }, shards: { shard_1: { database: shard1!.database } } });
  expect(written.tenantKeys).toEqual(['website_id', 'pwb_website_id', 'tenant_id']);
  expect(written.backupDir).toBe('/tmp/My Backups');

  // Editing it: its own file is saved over without asking, another profile's file only when told to.
  const other = join(dataDir, 'profiles', 'other.json');
  await writeFile(other, '{"name": "other"}\n');
  await page.evaluate(
    (hash) => {
      window.location.hash = hash;
    },
    `#/profiles/edit?path=${encodeURIComponent(path)}`,
  );
  await expect(page.getByTestId('profile-file')).toHaveValue(path);
  await page.getByTestId('profile-file').fill(other);
  await page.getByTestId('save-profile').click();
  await expect(page.getByRole('alert')).toContainText('exists');
  expect(await readFile(other, 'utf8')).toBe('{"name": "other"}\n');
  await page.getByTestId('profile-file').fill(path);
  await page.getByTestId('profile-name-input').fill('UI made');
  await page.getByTestId('save-profile').click();
  await expect(page.getByTestId('profile-saved')).toContainText('ui-made.json');

  await page.getByTestId('open-saved-profile').click();
  await expect(page.getByTestId('profile-name')).toContainText('UI made');
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByTestId('overview-databases').or(page.locator('main'))).toContainText('shard_1');

  // Switch without restarting: the start screen lists it as recent; open the cluster's own profile by path.
  await page.getByTestId('switch-profile').click();
  await expect(page.getByTestId('current-profile')).toContainText('UI made');
  await expect(page.getByTestId('recent-profiles')).toContainText('UI made');
  await page.getByTestId('open-profile-path').fill(ui.profilePath);
  await page.getByTestId('open-profile').click();
  await expect(page.getByTestId('profile-name')).not.toContainText('UI made');
  await expect(page.locator('main')).toContainText('shard_2');

  // A second tab on the same server opens "UI made" again: this tab's page is for the other opening, so
  // its calls are refused before they run, never sent to the cluster opened since.
  const secondTab = await page.context().newPage();
  await secondTab.goto(url);
  await secondTab.getByTestId('switch-profile').click();
  await secondTab.getByTestId('open-profile-path').fill(path);
  await secondTab.getByTestId('open-profile').click();
  await expect(secondTab.getByTestId('profile-name')).toContainText('UI made');
  await page.evaluate(() => {
    window.location.hash = '#/shards';
  });
  await expect(page.getByRole('alert').first()).toContainText('Another tab or window has opened the profile "UI made" since this page was loaded');
  await page.reload();
  await expect(page.getByTestId('profile-name')).toContainText('UI made');
  await secondTab.close();
});

test("a Rails profile's form adds a row over a database.yml database, shown with its values, and saves only what the row adds", async ({ page }) => {
  const yml =
    'production:\n  primary:\n    adapter: postgresql\n    host: db-main.internal\n    database: pwb\n' +
    '  tenant_shard_1:\n    adapter: postgresql\n    host: db-eu.internal\n    port: 6432\n    database: pwb_eu\n    sslmode: verify-full\n' +
    'staging:\n  primary:\n    adapter: postgresql\n    host: db-staging.internal\n    database: pwb_staging\n';
  const app = join(dataDir, 'app');
  await mkdir(join(app, 'config'), { recursive: true });
  await writeFile(join(app, 'config', 'database.yml'), yml);
  const path = join(dataDir, 'profiles', 'rails-ui.json');
  await mkdir(join(dataDir, 'profiles'), { recursive: true });
  const rails = { file: join(app, 'config', 'database.yml'), environment: 'production' };
  await writeFile(path, JSON.stringify({ name: 'rails ui', rails, primary: { password: '${SC_TEST_PASSWORD}' } }));

  await page.goto(url);
  await page.waitForFunction(() => !window.location.hash.includes('token='));
  await page.evaluate((hash) => (window.location.hash = hash), `#/profiles/edit?path=${encodeURIComponent(path)}`);
  const primary = page.getByTestId('database-row').first();
  await expect(primary.getByTestId('db-host')).toHaveValue('db-main.internal');
  await expect(primary.getByTestId('db-from-rails')).toContainText('From the database.yml: host, port, database, user, SSL');

  await expect(page.getByTestId('rails-row-choice')).toContainText('shard_1: db-eu.internal:6432/pwb_eu');
  await page.getByTestId('rails-row-add').click();
  await expect(page.getByTestId('rails-rows-none')).toBeVisible();
  const eu = page.locator('[data-testid="database-row"][data-shard="shard_1"]');
  await expect(eu.getByTestId('db-port')).toHaveValue('6432');
  await expect(eu.locator('select').first()).toHaveValue('verify-full');
  // No password of the row's own means the database.yml's, and the choice says so.
  await expect(eu.getByTestId('db-password-kind').locator('option:checked')).toHaveText("The database.yml's (none there: .pgpass, trust or peer)");
  await eu.getByTestId('db-password-kind').selectOption('env');
  await eu.getByTestId('db-password-env').fill('PWB_EU_PASSWORD');
  // A field changed is an override, and the row says so.
  await primary.getByTestId('db-port').fill('15432');
  await expect(primary.getByTestId('db-from-rails')).toContainText('overridden here: port');
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'profile-form-rails.png'), fullPage: true });
  // Renamed and typed back, the row is shown from the database.yml again: nothing of it gets written.
  await eu.getByTestId('db-shard').fill('shard_1x');
  await page.locator('[data-shard="shard_1x"]').getByTestId('db-shard').fill('shard_1');
  await expect(eu.getByTestId('db-from-rails')).toContainText('From the database.yml');
  // Another environment: the rows show its values where they override nothing; the port stays the row's.
  const environment = page.getByLabel('Rails environment');
  await environment.fill('staging');
  await expect(primary.getByTestId('db-host')).toHaveValue('db-staging.internal');
  await expect(primary.getByTestId('db-port')).toHaveValue('15432');
  await environment.fill('production');
  await expect(primary.getByTestId('db-host')).toHaveValue('db-main.internal');
  await page.getByTestId('save-profile').click();
  await expect(page.getByTestId('profile-saved')).toContainText('rails-ui.json');
  const written = JSON.parse(await readFile(path, 'utf8'));
  expect(written.primary).toEqual({ port: 15432, password: '${SC_TEST_PASSWORD}' });
  expect(written.shards).toEqual({ shard_1: { password: '${PWB_EU_PASSWORD}' } });
});

test('a profile that does not open leaves the open one, and says why', async ({ page }) => {
  await page.goto(url);
  await page.waitForFunction(() => !window.location.hash.includes('token='));
  await page.evaluate(() => (window.location.hash = '#/profiles'));
  const start = page.getByTestId('start-screen');
  await start.getByTestId('open-profile-path').fill('/nonexistent/profile.json');
  await start.getByTestId('open-profile').click();
  await expect(page.getByRole('alert')).toContainText('No profile at /nonexistent/profile.json');
  await expect(page.locator('[data-error-code="CONFIG_NOT_FOUND"]')).toBeVisible();
});
