import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/*
 * What global-setup hands to the specs: where the browser-mode server listens, its token, and how to
 * reach each database of the test cluster directly (the specs compare the pages with SQL).
 */

export interface UiDatabase {
  name: string;
  host: string;
  port: number;
  database: string;
  user: string;
}

export interface UiServer {
  /** The URL the server printed, `http://127.0.0.1:PORT/#token=…`. */
  url: string;
  origin: string;
  port: number;
  token: string;
  profilePath: string;
  /** The copy of the migrations folder the server's profile names: specs may add a migration to it. */
  migrationsDir: string;
  password: string;
  databases: UiDatabase[];
}

const repoRoot = resolve(import.meta.dirname, '../..');
export const UI_SERVER_FILE = process.env.SC_UI_SERVER_FILE ?? resolve(repoRoot, 'test-results/ui-server.json');
/** Kept as artifacts: outside Playwright's outputDir, which it empties at the start of every run. */
export const SCREENSHOT_DIR = resolve(repoRoot, 'test-results/screenshots');

export function readUiServer(): UiServer {
  try {
    return JSON.parse(readFileSync(UI_SERVER_FILE, 'utf8')) as UiServer;
  } catch (error) {
    throw new Error(`No UI server description at ${UI_SERVER_FILE}: run the specs through playwright.config.ts (its globalSetup starts the server).`, {
      cause: error,
    });
  }
}
