import type { Locator, Page } from '@playwright/test';

export class DriftPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get heading(): Locator {
    return this.page.getByRole('heading', { level: 1, name: 'Schema drift' });
  }

  get summary(): Locator {
    return this.page.getByTestId('drift-summary');
  }

  database(name: string): Locator {
    return this.page.getByTestId(`drift-${name}`);
  }

  table(database: string, table: string): Locator {
    return this.page.getByTestId(`drift-${database}-${table}`);
  }

  get noDrift(): Locator {
    return this.page.getByTestId('no-drift');
  }

  get lint(): Locator {
    return this.page.getByTestId('lint-findings');
  }

  async refresh(): Promise<void> {
    await this.page.getByRole('button', { name: 'Refresh', exact: true }).click();
  }
}
