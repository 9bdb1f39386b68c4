import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test, expect } from './fixtures.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

test('the doctor page lists what `doctor --json` finds, grouped, each with where, rows and the fix', async ({ app, ui }) => {
  const cli = await new Promise<{ code: number; out: any }>((done) => {
    execFile(
      process.execPath,
      ['bin/shard-console.js', 'doctor', '--profile', ui.profilePath, '--json'],
      { cwd: repoRoot, env: { ...process.env, SC_TEST_PASSWORD: ui.password } },
      (error, stdout) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: JSON.parse(stdout) }),
    );
  });
  // The UI cluster is freshly seeded: nothing is an error.
  expect(cli.code).toBe(0);
  await app.open('#/doctor');
  await expect(app.page.getByRole('heading', { level: 1, name: 'Doctor' })).toBeVisible();
  const summary = app.page.getByTestId('doctor-summary');
  await expect(summary).toContainText('0 errors');
  await expect(summary).toContainText(`${cli.out.findings.filter((f: { severity: string }) => f.severity === 'warning').length} warnings`);
  await expect(app.page.getByRole('list', { name: 'Checks' })).toContainText('misplaced, split and orphaned rows');
  if (cli.out.findings.length === 0) {
    await expect(app.page.getByTestId('doctor-clean')).toBeVisible();
  } else {
    await expect(app.page.getByTestId('finding')).toHaveCount(cli.out.findings.length);
    const first = cli.out.findings[0];
    const item = app.page.getByTestId('finding').filter({ hasText: first.message }).first();
    await expect(item).toContainText(first.fix);
  }
  await app.screenshot('doctor.png');
  // A check again that fails says so above the findings from before: an old clean result is never taken for the current one.
  await app.page.route('**/rpc/doctor.run', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({ ok: false, error: { code: 'DATABASE_UNREACHABLE', message: 'default is unreachable: connection refused.' } }),
    }),
  );
  await app.page.getByRole('button', { name: 'Check again' }).click();
  await expect(app.page.getByRole('alert')).toContainText('default is unreachable: connection refused.');
  await expect(app.page.getByRole('alert')).toContainText('What is shown below is from before this failure.');
  await expect(summary).toBeVisible();
  await app.page.unroute('**/rpc/doctor.run');
});
