/*
 * The Electron security baseline as plain data and predicates, so tests pin every setting without
 * an Electron binary. main.ts applies them; nothing here imports `electron`.
 */

export const IPC_INVOKE_CHANNEL = 'shard-console:invoke';
export const IPC_EVENT_CHANNEL = 'shard-console:event';

export function secureWebPreferences(preloadPath: string) {
  return Object.freeze({
    preload: preloadPath,
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

/** Links the operator may open in the system browser: https to documentation hosts we name, nothing else. */
const EXTERNAL_HOSTS = new Set(['www.postgresql.org', 'github.com']);
export function isAllowedExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && EXTERNAL_HOSTS.has(parsed.hostname);
  } catch {
    return false;
  }
}
