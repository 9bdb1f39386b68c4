import { test as base, expect } from '@playwright/test';
import pg from 'pg';
import { readUiServer } from './ui-server.ts';
import type { UiServer } from './ui-server.ts';
import { ConsolePage } from './pages/console-page.ts';
import { desktopWindow, launchDesktopApp, type DesktopAppOptions } from './desktop-app.ts';

/*
 * Fixtures every UI spec shares: the server description, direct SQL on any database of the test
 * cluster, and a page that fails the test on a CSP violation or an uncaught error in the renderer.
 */

export interface ClusterSql {
  /** Runs one query on the database carrying `shard` (`default` is the primary). */
  query<R extends pg.QueryResultRow>(shard: string, sql: string, params?: unknown[]): Promise<R[]>;
}

interface Fixtures {
  ui: UiServer;
  sql: ClusterSql;
  app: ConsolePage;
}

export const test = base.extend<Fixtures & DesktopAppOptions>({
  desktopApp: [undefined, { option: true }],

  // The `electron` project's page is the desktop app's window; otherwise the usual browser page.
  page: async ({ context, desktopApp, ui }, use) => {
    if (desktopApp === undefined) {
      await use(await context.newPage());
      return;
    }
    const desktop = await launchDesktopApp(desktopApp, ui);
    try {
      await use(await desktopWindow(desktop));
    } finally {
      await desktop.close();
    }
  },

  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's first parameter, which must be an object pattern
  ui: async ({}, use) => {
    await use(readUiServer());
  },

  sql: async ({ ui }, use) => {
    const clients = new Map<string, pg.Client>();
    const clientFor = async (shard: string): Promise<pg.Client> => {
      const existing = clients.get(shard);
      if (existing !== undefined) return existing;
      const target = ui.databases.find((d) => d.name === shard) ?? ui.databases.find((d) => d.database === shard);
      if (target === undefined) throw new Error(`The test cluster has no database for shard "${shard}" (has ${ui.databases.map((d) => d.name).join(', ')}).`);
      const client = new pg.Client({ host: target.host, port: target.port, database: target.database, user: target.user, password: ui.password });
      client.on('error', () => {});
      await client.connect();
      clients.set(shard, client);
      return client;
    };
    await use({
      async query(shard, sql, params = []) {
        const client = await clientFor(shard);
        return (await client.query(sql, params)).rows;
      },
    });
    await Promise.all([...clients.values()].map((c) => c.end().catch(() => {})));
  },

  app: async ({ page, ui }, use) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    page.on('console', (message) => {
      const text = message.text();
      // A meta-tag CSP cannot carry frame-ancestors; Chromium says so, and the server sends it as a header.
      if (/frame-ancestors.*ignored/i.test(text)) return;
      if (/Content Security Policy|Refused to/i.test(text)) problems.push(`csp: ${text}`);
    });
    await use(new ConsolePage(page, ui));
    expect(problems, 'the renderer ran into CSP violations or uncaught errors').toEqual([]);
  },
});

export { expect };
