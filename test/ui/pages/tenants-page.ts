import type { Locator, Page } from '@playwright/test';

export class TenantsPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get search(): Locator {
    return this.page.getByTestId('tenant-search');
  }

  get grid(): Locator {
    return this.page.getByTestId('tenant-grid');
  }

  get rows(): Locator {
    return this.grid.getByTestId('tenant-row');
  }

  get range(): Locator {
    return this.page.getByTestId('tenant-range');
  }

  get shardFilter(): Locator {
    return this.page.getByTestId('shard-filter');
  }

  row(id: number): Locator {
    return this.grid.locator(`[data-testid="tenant-row"][data-website-id="${id}"]`);
  }

  activeRow(): Locator {
    return this.grid.locator('[role="row"][aria-selected="true"]');
  }

  sortBy(column: 'id' | 'subdomain' | 'customDomain' | 'shard'): Locator {
    return this.page.getByTestId(`sort-${column}`);
  }

  /** Types like a person, with `/` to reach the box, and waits for the debounced search to answer. */
  async searchFor(text: string): Promise<void> {
    await this.grid.waitFor();
    await this.page.locator('body').click({ position: { x: 5, y: 5 } });
    await this.page.keyboard.press('/');
    await this.search.pressSequentially(text, { delay: 15 });
  }
}
