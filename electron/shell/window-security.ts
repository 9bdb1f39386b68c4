/*
 * The Electron security baseline as plain data and predicates, so tests pin every setting without
 * an Electron binary. main.ts applies them; nothing here imports `electron`.
 */

export const IPC_INVOKE_CHANNEL = 'shard-console:invoke';
export const IPC_EVENT_CHANNEL = 'shard-console:event';
export const IPC_CANCEL_CHANNEL = 'shard-console:cancel';
/** The save dialog: the one way the window names a file outside the console's own folders. */
export const IPC_CHOOSE_SAVE_PATH_CHANNEL = 'shard-console:choose-save-path';

/**
 * `packaged`: an installed build, whose window has no DevTools (a console open in the window runs script
 * with its rights: every IPC method by hand); a run from the checkout keeps them. Said by every caller:
 * a window made without saying gets none.
 */
export function secureWebPreferences(preloadPath: string, options: { readonly packaged: boolean }) {
  return Object.freeze({
    preload: preloadPath,
    devTools: options.packaged === false,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  } as const);
}

/** The app's own page is the only place the window may be: any navigation elsewhere is refused. */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const target = new URL(url);
    const app = new URL(appUrl);
    return target.protocol === app.protocol && target.host === app.host && target.pathname === app.pathname;
  } catch {
    return false;
  }
}

/** Only IPC from our own top-level page is served; an injected frame or a navigated page gets nothing. */
export function isTrustedSender(frame: { url: string; parent: unknown } | null | undefined, appUrl: string): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url, appUrl);
}

/**
 * Pages the operator may open in the system browser: the project's own pages and PostgreSQL's manual,
 * over https, by path prefix. A whole host (any github.com page) would let a link the console shows
 * (from a finding, a migration, a database value) open anyone's page.
 */
export const EXTERNAL_PAGES: readonly { readonly host: string; readonly pathPrefix: string }[] = Object.freeze([
  { host: 'github.com', pathPrefix: '/shard-console/shard-console/' },
  { host: 'www.postgresql.org', pathPrefix: '/docs/' },
]);

export function isAllowedExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username !== '' || parsed.password !== '' || parsed.port !== '') return false;
  // The parsed path is normalised (`..` and `%2e%2e` resolved), so a prefix cannot be climbed out of.
  const path = `${parsed.pathname.replace(/\/+$/, '')}/`;
  return EXTERNAL_PAGES.some((page) => parsed.hostname === page.host && path.startsWith(page.pathPrefix));
}

/** The slice of Electron's WebContents the guards need: declared here so tests drive them without Electron. */
export interface GuardedContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  // biome-ignore lint/suspicious/noExplicitAny: Electron's listeners take different arguments per event; we read only the first
  on(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', listener: (event: { preventDefault(): void }, ...args: any[]) => void): void;
}

/**
 * Every web contents the app creates (the window's, and any a future feature or a compromised page
 * creates) gets the same guards: no new windows (allowed links go to the system browser), no
 * navigation or redirect away from the app page, no <webview>.
 */
export function guardWebContents(contents: GuardedContents, appUrl: string, openExternal: (url: string) => void): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) openExternal(url);
    return { action: 'deny' };
  });
  const stayHome = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url, appUrl)) event.preventDefault();
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-redirect', stayHome);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
