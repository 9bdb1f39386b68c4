import { expect } from '@playwright/test';
import type { Locator, Page } from '@playwright/test';

/* Page objects of the move UI: the wizard on a website's page, a job's page and the jobs list. */

export class MoveWizard {
  readonly page: Page;
  readonly dialog: Locator;

  constructor(page: Page) {
    this.page = page;
    this.dialog = page.getByTestId('move-wizard');
  }

  /** Opens the wizard from the website page it is on. */
  async open(): Promise<void> {
    await this.page.getByTestId('move-website').click();
    await expect(this.dialog).toBeVisible();
    await expect(this.targets.first()).toBeVisible();
  }

  get targets(): Locator {
    return this.dialog.getByTestId('move-target');
  }

  async targetNames(): Promise<string[]> {
    return this.targets.evaluateAll((labels) => labels.map((l) => l.getAttribute('data-target') ?? ''));
  }

  target(name: string): Locator {
    return this.dialog.locator(`[data-testid="move-target"][data-target="${name}"]`);
  }

  /** Step 1 -> 2: pick the target and run the preflight. */
  async check(target: string): Promise<void> {
    await this.target(target).getByRole('radio').check();
    await this.button('Check the move').click();
    await expect(this.plan.or(this.refusals)).toBeVisible({ timeout: 30_000 });
  }

  get plan(): Locator {
    return this.dialog.getByTestId('move-plan');
  }

  /** Table -> rows to copy, as the plan lists them. */
  async planRows(): Promise<Record<string, number>> {
    const rows = await this.plan
      .getByTestId('move-plan-row')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-table') ?? '', Number(tr.getAttribute('data-rows'))] as const));
    return Object.fromEntries(rows);
  }

  get refusals(): Locator {
    return this.dialog.getByTestId('move-refusals');
  }

  refusal(code: string): Locator {
    return this.refusals.locator(`li[data-code="${code}"]`);
  }

  get confirmInput(): Locator {
    return this.dialog.getByTestId('move-confirm-input');
  }

  get viewRefresh(): Locator {
    return this.dialog.getByTestId('move-view-refresh');
  }

  get confirmation(): Locator {
    return this.dialog.getByTestId('move-confirm');
  }

  startButton(target: string): Locator {
    return this.button(`Move to ${target}`);
  }

  button(name: string): Locator {
    return this.dialog.getByRole('button', { name, exact: true });
  }
}

export class MoveJobPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  /** The job id from the address bar (`#/moves/<uuid>`). */
  async jobId(): Promise<string> {
    await this.page.waitForURL(/#\/moves\/[0-9a-f-]{36}$/);
    return new URL(this.page.url()).hash.replace('#/moves/', '');
  }

  get state(): Locator {
    return this.page.getByRole('heading', { level: 1 }).getByTestId('move-state');
  }

  /** Waits until the job ends, and fails with the job's own error when it did not succeed. */
  async waitForEnd(timeout = 90_000): Promise<string> {
    await expect(this.state).toHaveAttribute('data-state', /^(succeeded|failed|rolled_back|cancelled)$/, { timeout });
    const state = (await this.state.getAttribute('data-state')) ?? '';
    if (state !== 'succeeded' && (await this.error.isVisible())) throw new Error(`The move ended ${state}: ${await this.error.innerText()}`);
    return state;
  }

  get error(): Locator {
    return this.page.getByTestId('move-error');
  }

  get summary(): Locator {
    return this.page.getByTestId('move-summary');
  }

  get timeline(): Locator {
    return this.page.getByTestId('move-timeline');
  }

  step(name: string): Locator {
    return this.timeline.locator(`li[data-step="${name}"]`);
  }

  get progressRows(): Locator {
    return this.page.getByTestId('move-progress-row');
  }

  get verificationSummary(): Locator {
    return this.page.getByTestId('move-verify-summary');
  }

  get verificationRows(): Locator {
    return this.page.getByTestId('move-verification-row');
  }

  /** Each verified table with its row counts and hashes (full values, from the cells' titles). */
  async verification(): Promise<Array<{ table: string; ok: boolean; sourceRows: string; targetRows: string; sourceHash: string; targetHash: string }>> {
    return this.verificationRows.evaluateAll((trs) =>
      trs.map((tr) => {
        const cells = tr.querySelectorAll('td');
        return {
          table: tr.getAttribute('data-table') ?? '',
          ok: tr.getAttribute('data-ok') === 'true',
          sourceRows: cells[0]?.textContent ?? '',
          targetRows: cells[1]?.textContent ?? '',
          sourceHash: cells[2]?.querySelector('[title]')?.getAttribute('title') ?? '',
          targetHash: cells[3]?.querySelector('[title]')?.getAttribute('title') ?? '',
        };
      }),
    );
  }

  get verified(): Locator {
    return this.page.getByTestId('move-verified');
  }

  get actions(): Locator {
    return this.page.getByTestId('move-actions');
  }

  get websiteLink(): Locator {
    return this.page.getByTestId('move-website-link');
  }
}

export class MovesListPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get heading(): Locator {
    return this.page.getByRole('heading', { level: 1, name: 'Moves' });
  }

  get table(): Locator {
    return this.page.getByTestId('move-jobs');
  }

  get rows(): Locator {
    return this.table.getByTestId('move-job-row');
  }

  row(jobId: string): Locator {
    return this.table.locator(`tr[data-job-id="${jobId}"]`);
  }

  async jobIds(): Promise<string[]> {
    return this.rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-job-id') ?? ''));
  }
}
