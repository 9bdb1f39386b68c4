import { readFile } from 'node:fs/promises';
import { expect } from '@playwright/test';
import type { Locator, Page } from '@playwright/test';

/** The Query page as a person uses it: write a statement, pick where it runs, run, read the grid. */
export class QueryPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get heading(): Locator {
    return this.page.getByRole('heading', { level: 1, name: 'Query' });
  }

  /** CodeMirror's editable area (inside the editor's shadow root; Playwright's locators pierce it). */
  get editor(): Locator {
    return this.page.getByTestId('sql-editor').locator('.cm-content');
  }

  /** How the editor got its styles: constructed sheets on its shadow root, <style> elements in the document. */
  async editorStyling(): Promise<{ adoptedSheets: number; styleElements: number; editorDisplay: string }> {
    await this.editor.waitFor();
    return this.page.evaluate(() => {
      const root = document.querySelector('[data-testid="sql-editor"]')!.shadowRoot!;
      return {
        adoptedSheets: root.adoptedStyleSheets.length,
        styleElements: document.querySelectorAll('style').length,
        editorDisplay: getComputedStyle(root.querySelector('.cm-editor')!).display,
      };
    });
  }

  get completionList(): Locator {
    return this.page.getByTestId('sql-editor').locator('.cm-tooltip-autocomplete');
  }

  completionOption(label: string): Locator {
    return this.completionList.getByRole('option').filter({ has: this.page.locator('.cm-completionLabel', { hasText: new RegExp(`^${label}$`) }) });
  }

  /**
   * Walks the list with ArrowDown to `label`, as a keyboard user does, and accepts it with Enter. CodeMirror
   * ignores Enter for its interactionDelay (75 ms) after the list changes, so a keystroke meant for the line
   * is never swallowed: that is waited out, as a person reading the list does.
   */
  async acceptCompletionWithEnter(label: string): Promise<void> {
    const selected = this.completionList.locator('[role="option"][aria-selected="true"] .cm-completionLabel');
    for (let step = 0; step < 20; step++) {
      // CodeMirror closes the list when a slow keystroke or a late catalog answer restarts completion
      // (seen on a loaded machine): asked again with Ctrl+Space, as a person would.
      if (!(await selected.isVisible())) {
        await this.page.keyboard.press('Control+Space');
        await selected.waitFor({ timeout: 5_000 });
      }
      if ((await selected.textContent({ timeout: 5_000 })) === label) break;
      await this.page.keyboard.press('ArrowDown');
    }
    await expect(selected).toHaveText(label);
    await this.page.waitForTimeout(200);
    await this.page.keyboard.press('Enter');
  }

  async statement(): Promise<string> {
    return this.editor.evaluate((el) => [...el.querySelectorAll('.cm-line')].map((line) => line.textContent).join('\n'));
  }

  /** Types at the end of the statement like a person, key by key, so completion opens as it would. */
  async type(text: string): Promise<void> {
    await this.editor.click();
    await this.page.keyboard.press('ControlOrMeta+End');
    await this.page.keyboard.type(text, { delay: 10 });
  }

  /** Replaces the whole statement at once and closes any completion it opened. */
  async write(sql: string): Promise<void> {
    await this.editor.click();
    await this.page.keyboard.press('ControlOrMeta+a');
    await this.page.keyboard.press('Delete');
    await this.page.keyboard.insertText(sql);
    await this.page.keyboard.press('Escape');
  }

  async runOn(kind: 'All databases' | 'Shards only' | 'Chosen databases' | 'One website', databases: readonly string[] = []): Promise<void> {
    await this.page.getByTestId('query-target').getByRole('radio', { name: kind }).check();
    for (const name of databases) await this.page.getByTestId('query-target-databases').getByRole('checkbox', { name }).check();
  }

  async setRowCap(rows: number): Promise<void> {
    await this.page.getByTestId('query-limit').fill(String(rows));
  }

  get runButton(): Locator {
    return this.page.getByTestId('query-run');
  }

  get cancelButton(): Locator {
    return this.page.getByTestId('query-cancel');
  }

  /** Ctrl+Enter in the editor, as the hint says. */
  async runWithKeyboard(): Promise<void> {
    await this.editor.click();
    await this.page.keyboard.press('ControlOrMeta+Enter');
  }

  status(database: string): Locator {
    return this.page.getByTestId(`query-status-${database}`);
  }

  get grid(): Locator {
    return this.page.getByTestId('query-grid');
  }

  get rows(): Locator {
    return this.grid.getByTestId('query-row');
  }

  rowsOf(database: string): Locator {
    return this.grid.locator(`[data-testid="query-row"][data-database="${database}"]`);
  }

  async headers(): Promise<string[]> {
    return this.grid.locator('[role="columnheader"] .query-grid__name').allTextContents();
  }

  get filter(): Locator {
    return this.page.getByTestId('query-filter');
  }

  get shown(): Locator {
    return this.page.getByTestId('query-shown');
  }

  get fetchMoreButton(): Locator {
    return this.page.getByTestId('query-fetch-more');
  }

  plan(database: string): Locator {
    return this.page.getByTestId(`query-plan-${database}`);
  }

  async explain(): Promise<void> {
    await this.page.getByTestId('query-explain-button').click();
  }

  async explainAnalyze(): Promise<void> {
    await this.page.getByTestId('query-analyze-button').click();
    await this.page.getByTestId('analyze-dialog').getByRole('button', { name: 'Run EXPLAIN ANALYZE' }).click();
  }

  async save(name: string): Promise<void> {
    await this.page.getByTestId('query-save-button').click();
    const dialog = this.page.getByTestId('save-query-dialog');
    await dialog.getByTestId('save-query-name').fill(name);
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  }

  saved(name: string): Locator {
    return this.page.locator(`[data-testid="query-saved-item"][data-name="${name}"]`);
  }

  async openSaved(name: string): Promise<void> {
    await this.saved(name).locator('.query-library__open').click();
  }

  async deleteSaved(name: string): Promise<void> {
    await this.saved(name)
      .getByRole('button', { name: `Delete ${name}` })
      .click();
  }

  /** Clicks Export shown → CSV or JSON and returns the downloaded file's name and text. */
  async exportShown(format: 'csv' | 'json'): Promise<{ name: string; text: string }> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId(`export-shown-${format}`).click()]);
    const path = await download.path();
    return { name: download.suggestedFilename(), text: await readFile(path, 'utf8') };
  }
}
