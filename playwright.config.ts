import { defineConfig } from '@playwright/test';

/*
 * UI automation: the real renderer in Debian Chromium, through the browser-mode HTTP bridge, against a
 * real test cluster that test/ui/global-setup.ts starts (and stops). Playwright cannot download its own
 * browsers here, so it drives the system Chromium.
 * Specs are `*.e2e.ts` so vitest's default `*.test.ts` / `*.spec.ts` pattern never picks them up.
 */
const chromium = process.env.SC_CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'test/ui',
  testMatch: '**/*.e2e.ts',
  globalSetup: './test/ui/global-setup.ts',
  // Only Playwright's own output; screenshots we keep go to test-results/screenshots, outside it.
  outputDir: 'test-results/playwright',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
