import type { FullConfig, Reporter, Suite } from '@playwright/test/reporter';

/*
 * Says in one line, at the start and again before the summary, whether the specs also ran on the
 * desktop app. Without SC_ELECTRON_PATH the `electron` project does not exist: its specs count as
 * neither passed nor skipped, and this line is where a reader learns they were not run.
 */
export default class DesktopRunReporter implements Reporter {
  #line = '';

  onBegin(config: FullConfig, suite: Suite): void {
    const desktop = config.projects.find((project) => project.name === 'electron');
    const specs = suite.suites.find((project) => project.title === 'electron')?.allTests().length ?? 0;
    this.#line = desktop
      ? `Desktop app (Electron) UI specs: ${specs} to run with ${process.env.SC_ELECTRON_PATH}.`
      : 'Desktop app (Electron) UI specs NOT RUN: SC_ELECTRON_PATH is not set; only the browser-mode (Chromium) project ran.';
    console.log(this.#line);
  }

  onEnd(): void {
    console.log(this.#line);
  }

  printsToStdio(): boolean {
    return false;
  }
}
