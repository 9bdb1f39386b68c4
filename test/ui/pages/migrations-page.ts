import type { Locator, Page } from '@playwright/test';

export class MigrationsPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get heading(): Locator {
    return this.page.getByRole('heading', { level: 1, name: 'Migrations' });
  }

  get matrix(): Locator {
    return this.page.getByTestId('migration-matrix');
  }

  /** Column headers after Version, Migration and Set: the databases. */
  async databaseColumns(): Promise<string[]> {
    return (await this.matrix.locator('thead th').allTextContents()).slice(3);
  }

  row(version: string): Locator {
    return this.page.getByTestId(`migration-${version}`);
  }

  cell(version: string, database: string): Locator {
    return this.row(version).locator(`td[data-database="${database}"]`);
  }

  get counts(): Locator {
    return this.page.getByTestId('migration-counts');
  }

  get plan(): Locator {
    return this.page.getByTestId('migration-plan');
  }

  button(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }

  get addShardDialog(): Locator {
    return this.page.getByTestId('add-shard-dialog');
  }

  async ready(): Promise<void> {
    await this.matrix.waitFor();
  }
}
