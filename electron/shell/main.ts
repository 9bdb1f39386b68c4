// First of the console's own modules, before its code allocates: see young-generation.ts.
import '../core/young-generation.ts';
import { app, BrowserWindow, dialog, ipcMain, safeStorage, session, shell, type WebContents } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ConsoleError } from '../../shared/errors.ts';
import { ConsoleSession } from '../core/session/console-session.ts';
import { openConsoleLog, type ConsoleLog } from '../core/log/console-log.ts';
import { logConsole, profileSecrets } from '../core/log/log-console.ts';
import { CONTENT_SECURITY_POLICY } from '../core/http/http-bridge.ts';
import { userDataDir } from '../core/user-data-dir.ts';
import { WritePaths } from '../core/session/write-paths.ts';
import { bringToFront, claimSingleInstance, followPlatformLifecycle } from './app-lifecycle.ts';
import { registerIpcGateway, registerSavePathChooser } from './ipc-gateway.ts';
import { safeStorageSecretStore } from './safe-storage-secret-store.ts';
import { guardWebContents, secureWebPreferences } from './window-security.ts';

/*
 * The thin desktop shell: window, security settings, IPC wiring and the keychain. Everything else is
 * the plain-Node core, the same code the CLI and the HTTP bridge run.
 */

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererIndex = join(here, '..', '..', 'renderer', 'index.html');
const appUrl = pathToFileURL(rendererIndex).toString();

let consoleSession: ConsoleSession | null = null;

/** The keychain is usable unless Electron fell back to plain text (no libsecret or kwallet on Linux). */
function keychainUsable(): boolean {
  return safeStorage.isEncryptionAvailable() && safeStorage.getSelectedStorageBackend?.() !== 'basic_text';
}

/**
 * The app's session: the start screen until a profile is opened (or the one SHARD_CONSOLE_PROFILE
 * names), passwords typed in the app kept by the OS keychain, the demo started from the unpacked binaries.
 */
async function openSession(log: ConsoleLog, writePaths: WritePaths): Promise<ConsoleSession> {
  const created = new ConsoleSession({
    dataDir: userDataDir(),
    env: process.env,
    secrets: safeStorageSecretStore(safeStorage, join(app.getPath('userData'), 'secrets.json')),
    secretStorage: keychainUsable() ? 'keychain' : 'none',
    startDemo: async () => {
      const { runDemo } = await import('../core/demo/run-demo.ts');
      const demo = await runDemo({ log: (line) => log.info(`demo: ${line}`) });
      return { profilePath: demo.profilePath, stop: () => demo.cluster.stop() };
    },
    onOpened: (ctx) => logConsole(ctx, log),
    writePaths,
    onUnexpectedError: (method, error) => log.incident(method, error),
  });
  const path = process.env.SHARD_CONSOLE_PROFILE;
  if (path) {
    await created.open({ kind: 'profile', path }).catch((error: unknown) => {
      const info = error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL', message: String(error) };
      // The start screen opens instead: the profile is one click away, with its error shown there.
      log.warn(`SHARD_CONSOLE_PROFILE ${path} did not open: ${info.code}: ${info.message}`);
    });
  }
  return created;
}

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Shard Console',
    webPreferences: secureWebPreferences(join(here, 'preload.cjs'), { packaged: app.isPackaged }),
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
  const log = openConsoleLog({ dir: join(userDataDir(), 'logs'), secrets: () => (consoleSession?.current ? profileSecrets(consoleSession.current) : []) });
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
    // The window writes files only into the console's own folders, or where the operator chose in the save dialog.
    const writePaths = new WritePaths('ui', { export: join(userDataDir(), 'exports'), profile: join(userDataDir(), 'profiles') });
    consoleSession = await openSession(log, writePaths);
    registerIpcGateway(ipcMain, consoleSession.dispatch, () => appUrl);
    registerSavePathChooser(
      ipcMain,
      async (sender, options) => {
        // The sender of an IPC message is the window's WebContents: the dialog is that window's.
        const window = BrowserWindow.fromWebContents(sender as unknown as WebContents);
        return window ? dialog.showSaveDialog(window, options) : { canceled: true };
      },
      writePaths,
      () => appUrl,
    );
    createWindow();
    followPlatformLifecycle(app, {
      platform: process.platform,
      windowCount: () => BrowserWindow.getAllWindows().length,
      createWindow,
      shutdown: async () => {
        await consoleSession?.close().catch((error: unknown) => log.incident('closing the console', error));
        log.info('desktop app stopped');
      },
    });
  });
}

if (claimSingleInstance(app, showWindow)) start();
