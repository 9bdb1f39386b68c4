import type { Locator, Page } from '@playwright/test';

export interface FootprintRow {
  table: string;
  rows: number;
  via: string;
}

export class TenantDetailPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get facts(): Locator {
    return this.page.getByTestId('tenant-facts');
  }

  get database(): Locator {
    return this.page.getByTestId('tenant-database');
  }

  get table(): Locator {
    return this.page.getByTestId('tenant-tables');
  }

  get error(): Locator {
    return this.page.getByRole('alert');
  }

  /** Waits for the footprint table, and fails with the page's own error message when it shows one instead. */
  async ready(): Promise<void> {
    await this.table.or(this.error).first().waitFor();
    if (await this.error.isVisible()) throw new Error(`The detail page shows an error instead of the tables: ${await this.error.innerText()}`);
  }

  /** Every tenant table row as the page shows it (rows read from the row's data attributes, as rendered). */
  async footprint(): Promise<FootprintRow[]> {
    await this.ready();
    return this.table
      .getByTestId('tenant-table-row')
      .evaluateAll((rows) =>
        rows.map((row) => ({
          table: row.getAttribute('data-table') ?? '',
          rows: Number(row.getAttribute('data-rows')),
          via: row.getAttribute('data-via') ?? '',
          shown: row.querySelectorAll('td')[1]?.textContent ?? '',
        })),
      )
      .then((rows) =>
        rows.map((r) => {
          // The visible count must say the same as the attribute the spec compares.
          if (r.shown.replace(/,/g, '') !== String(r.rows)) throw new Error(`Table ${r.table} shows "${r.shown}" but carries ${r.rows} rows.`);
          return { table: r.table, rows: r.rows, via: r.via };
        }),
      );
  }
}
