import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';
import { findChromium, INSTALL_HINT } from './scripts/chromium-path.mjs';
import type { DesktopAppOptions } from './test/ui/desktop-app.ts';

/*
 * UI automation: the real renderer in Chromium, through the browser-mode HTTP bridge, against a real
 * test cluster that test/ui/global-setup.ts starts (and stops). Playwright cannot download its own
 * browsers here, so it drives the Chromium scripts/chromium-path.mjs finds (SC_CHROMIUM_PATH, the
 * system's, or Playwright's own download). With SC_ELECTRON_PATH set, the same specs also run on the
 * desktop app (project `electron`); without it that project does not exist and the run says so.
 * Specs are `*.e2e.ts` so vitest's default `*.test.ts` / `*.spec.ts` pattern never picks them up.
 */
const chromium = findChromium();
if (chromium === null) throw new Error(INSTALL_HINT);

const electronPath = process.env.SC_ELECTRON_PATH;
if (electronPath !== undefined && !existsSync(electronPath)) throw new Error(`SC_ELECTRON_PATH=${electronPath} does not exist.`);

export default defineConfig<DesktopAppOptions>({
  testDir: 'test/ui',
  testMatch: '**/*.e2e.ts',
  globalSetup: './test/ui/global-setup.ts',
  // Only Playwright's own output; screenshots we keep go to test-results/screenshots, outside it.
  outputDir: 'test-results/playwright',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['./test/ui/desktop-run-reporter.ts'], ['list']],
  timeout: 60_000,
  expect: { timeout: 15_000 },
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium.path,
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
  projects: [
    { name: 'chromium' },
    // The desktop app's window replaces the browser page (test/ui/fixtures.ts).
    ...(electronPath !== undefined ? [{ name: 'electron', use: { desktopApp: electronPath } }] : []),
  ],
});
