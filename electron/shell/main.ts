import { app, BrowserWindow, ipcMain, safeStorage, session, shell } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ConsoleError } from '../../shared/errors.ts';
import { loadClusterProfile } from '../core/config/resolve-profile-source.ts';
import { openConsole, type ConsoleContext } from '../core/console-context.ts';
import type { Dispatch } from '../core/dispatch/dispatcher.ts';
import { consoleDispatcher } from '../core/dispatch/console-dispatcher.ts';
import { openConsoleLog, type ConsoleLog } from '../core/log/console-log.ts';
import { logConsole, profileSecrets } from '../core/log/log-console.ts';
import { CONTENT_SECURITY_POLICY } from '../core/http/http-bridge.ts';
import { userDataDir } from '../core/user-data-dir.ts';
import { bringToFront, claimSingleInstance, followPlatformLifecycle } from './app-lifecycle.ts';
import { registerIpcGateway } from './ipc-gateway.ts';
import { safeStorageSecretStore } from './safe-storage-secret-store.ts';
import { guardWebContents, secureWebPreferences } from './window-security.ts';

/*
 * The thin desktop shell: window, security settings, IPC wiring and the keychain. Everything else is
 * the plain-Node core, the same code the CLI and the HTTP bridge run.
 */

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererIndex = join(here, '..', '..', 'renderer', 'index.html');
const appUrl = pathToFileURL(rendererIndex).toString();

let context: ConsoleContext | null = null;

async function createDispatch(log: ConsoleLog): Promise<Dispatch> {
  try {
    const secrets = safeStorageSecretStore(safeStorage, join(app.getPath('userData'), 'secrets.json'));
    const profile = await loadClusterProfile({ profile: process.env.SHARD_CONSOLE_PROFILE }, { env: process.env, secrets });
    context = openConsole(profile);
    logConsole(context, log);
    return consoleDispatcher(context, { onUnexpectedError: (method, error) => log.incident(method, error) });
  } catch (error) {
    const info = error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL' as const, message: String(error) };
    log.warn(`no console opened: ${info.code}: ${info.message}`);
    return async () => ({ ok: false, error: info });
  }
}

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Shard Console',
    webPreferences: secureWebPreferences(join(here, 'preload.cjs')),
  });
  // Guarded again here, not only in web-contents-created: the window is the one page that must never lose them.
  guardWebContents(window.webContents, appUrl, (url) => void shell.openExternal(url));
  void window.loadURL(appUrl);
}

/** A second launch lands here: the running app shows its window instead. */
function showWindow(): void {
  const [window] = BrowserWindow.getAllWindows();
  if (window) bringToFront(window);
  else if (app.isReady()) createWindow();
}

function start(): void {
  // The same log as `shard-console serve`, in the console's own data folder; never a secret in it.
  const log = openConsoleLog({ dir: join(userDataDir(), 'logs'), secrets: () => (context ? profileSecrets(context) : []) });
  log.info(`desktop app ${app.getVersion()} starting (Electron ${process.versions.electron}${app.isPackaged ? ', packaged' : ''})`);
  app.enableSandbox();
  // Every web contents, whoever creates it, before it loads anything.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, appUrl, (url) => void shell.openExternal(url)));
  app.whenReady().then(async () => {
    // The console needs no permission: requests are refused, and checks (asked without a prompt) say no.
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    });
    registerIpcGateway(ipcMain, await createDispatch(log), () => appUrl);
    createWindow();
    followPlatformLifecycle(app, {
      platform: process.platform,
      windowCount: () => BrowserWindow.getAllWindows().length,
      createWindow,
      shutdown: async () => {
        await context?.close().catch((error: unknown) => log.incident('closing the console', error));
        log.info('desktop app stopped');
      },
    });
  });
}

if (claimSingleInstance(app, showWindow)) start();
