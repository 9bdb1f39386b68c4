import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import type { UiServer } from '../ui-server.ts';
import { SCREENSHOT_DIR } from '../ui-server.ts';

const README_IMAGES = join(import.meta.dirname, '../../../docs/images');
import { OverviewPage } from './overview-page.ts';
import { TenantsPage } from './tenants-page.ts';
import { TenantDetailPage } from './tenant-detail-page.ts';

/** The console as a person meets it: opened from the URL the server printed, then moved around by its nav. */
export class ConsolePage {
  readonly page: Page;
  readonly #ui: UiServer;
  #opened = false;

  constructor(page: Page, ui: UiServer) {
    this.page = page;
    this.#ui = ui;
  }

  get nav(): Locator {
    return this.page.getByRole('navigation', { name: 'Main' });
  }

  get profileName(): Locator {
    return this.page.getByTestId('profile-name');
  }

  /** First visit through the printed `#token=` URL (the renderer adopts the token), later visits by hash; the desktop app only by hash. */
  async open(hashPath: string): Promise<void> {
    if (!this.#opened) {
      // The desktop app's window is already on the console (file://, over IPC): no URL, no token.
      if (!this.page.url().startsWith('file:')) {
        await this.page.goto(this.#ui.url);
        await this.page.waitForFunction(() => !window.location.hash.includes('token='));
      }
      this.#opened = true;
    }
    await this.page.evaluate((hash) => {
      window.location.hash = hash;
    }, hashPath);
  }

  async overview(): Promise<OverviewPage> {
    await this.open('#/overview');
    return new OverviewPage(this.page);
  }

  async tenants(): Promise<TenantsPage> {
    await this.open('#/tenants');
    return new TenantsPage(this.page);
  }

  async tenantDetail(id: number): Promise<TenantDetailPage> {
    await this.open(`#/tenants/${id}`);
    return new TenantDetailPage(this.page);
  }

  /**
   * The README's picture of the console (docs/images/console.png, committed): the window as a person sees
   * it, not the full page. Taken only with SC_README_SCREENSHOT=1, so a test run leaves the tree clean.
   */
  async readmeScreenshot(): Promise<void> {
    if (process.env.SC_README_SCREENSHOT !== '1') return;
    await this.page.screenshot({ path: join(README_IMAGES, 'console.png') });
  }

  async screenshot(name: string): Promise<string> {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, name);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }
}
