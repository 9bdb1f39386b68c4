import type { Locator, Page } from '@playwright/test';

export class OverviewPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get heading(): Locator {
    return this.page.getByRole('heading', { level: 1, name: 'Overview' });
  }

  get databaseTable(): Locator {
    return this.page.getByTestId('databases');
  }

  database(name: string): Locator {
    return this.page.getByTestId(`database-${name}`);
  }

  databaseNames(): Promise<string[]> {
    return this.databaseTable.locator('tbody tr[data-testid^="database-"] th').allTextContents();
  }

  size(name: string): Locator {
    return this.database(name).getByTestId('size');
  }

  status(name: string): Locator {
    return this.database(name).locator('.badge');
  }

  get unknownShardsPanel(): Locator {
    return this.page.getByTestId('unknown-shards');
  }

  /** Waits until the overview has answered (the table is drawn). */
  async ready(): Promise<void> {
    await this.databaseTable.waitFor();
  }
}
