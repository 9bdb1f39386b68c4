import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { guardWebContents, isAllowedExternalUrl, isAppUrl, isTrustedSender, secureWebPreferences } from '../../electron/shell/window-security.ts';
import { fakeIpcMain, fakeWindow } from '../support/fake-ipc-main.ts';
import { registerIpcGateway, registerSavePathChooser } from '../../electron/shell/ipc-gateway.ts';
import { WritePaths } from '../../electron/core/session/write-paths.ts';
import { CONTENT_SECURITY_POLICY } from '../../electron/core/http/http-bridge.ts';

/*
 * The desktop shell with a stand-in `electron` module (the binary cannot run here): the window's
 * security settings, the navigation and window-open guards, the permission and CSP hooks and the IPC
 * gateway are exercised through the real main.ts wiring.
 */

const appUrl = 'file:///opt/shard-console/dist/renderer/index.html';

const electron = vi.hoisted(() => {
  const state = {
    windows: [] as Array<{ options: any; handlers: Record<string, Function>; openHandler?: Function; loaded?: string }>,
    ipcHandlers: new Map<string, Function>(),
    permissionHandler: undefined as Function | undefined,
    permissionCheckHandler: undefined as Function | undefined,
    appListeners: new Map<string, Function>(),
    headersHandler: undefined as Function | undefined,
    sandboxEnabled: false,
    ready: undefined as undefined | (() => void),
  };
  class BrowserWindow {
    webContents: any;
    constructor(options: any) {
      const entry: (typeof state.windows)[number] = { options, handlers: {} };
      state.windows.push(entry);
      this.webContents = {
        setWindowOpenHandler: (fn: Function) => (entry.openHandler = fn),
        on: (name: string, fn: Function) => (entry.handlers[name] = fn),
      };
    }
    static getAllWindows() {
      return state.windows;
    }
    static fromWebContents() {
      return state.windows[0] ?? null;
    }
    loadURL(url: string) {
      state.windows.at(-1)!.loaded = url;
      return Promise.resolve();
    }
  }
  const readyPromise = new Promise<void>((resolve) => (state.ready = resolve));
  return {
    state,
    module: {
      app: {
        enableSandbox: () => (state.sandboxEnabled = true),
        whenReady: () => readyPromise,
        on: (name: string, fn: Function) => state.appListeners.set(name, fn),
        getPath: () => '/tmp/shard-console-shell-test',
        getVersion: () => '0.0.0-test',
        // An installed build, as operators run it.
        isPackaged: true,
        isReady: () => true,
        requestSingleInstanceLock: () => true,
        quit: () => {},
      },
      BrowserWindow,
      ipcMain: {
        handle: (c: string, fn: Function) => state.ipcHandlers.set(c, fn),
        removeHandler: (c: string) => state.ipcHandlers.delete(c),
        on: (c: string, fn: Function) => state.ipcHandlers.set(`on:${c}`, fn),
        removeAllListeners: (c: string) => state.ipcHandlers.delete(`on:${c}`),
      },
      safeStorage: { isEncryptionAvailable: () => false, encryptString: () => Buffer.alloc(0), decryptString: () => '' },
      session: {
        defaultSession: {
          setPermissionRequestHandler: (fn: Function) => (state.permissionHandler = fn),
          setPermissionCheckHandler: (fn: Function) => (state.permissionCheckHandler = fn),
          webRequest: { onHeadersReceived: (fn: Function) => (state.headersHandler = fn) },
        },
      },
      shell: { openExternal: vi.fn() },
      dialog: { showSaveDialog: vi.fn(async () => ({ canceled: false, filePath: '/tmp/shard-console-shell-test/elsewhere/chosen.json' })) },
    },
  };
});

vi.mock('electron', () => electron.module);

describe('window security settings', () => {
  it('pins contextIsolation, sandbox and no nodeIntegration', () => {
    // Every key, so a setting dropped (Electron's default may be the unsafe one) fails here.
    expect(secureWebPreferences('/p.cjs', { packaged: true })).toEqual({
      preload: '/p.cjs',
      devTools: false,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    });
  });

  it('turns DevTools off in an installed build and when the caller does not say, keeping them for a run from the checkout', () => {
    expect(secureWebPreferences('/p.cjs', { packaged: true }).devTools).toBe(false);
    expect(secureWebPreferences('/p.cjs', {} as { packaged: boolean }).devTools).toBe(false);
    expect(secureWebPreferences('/p.cjs', { packaged: false }).devTools).toBe(true);
  });

  it('allows only the app page as a navigation target and a trusted IPC sender', () => {
    expect(isAppUrl(`${appUrl}#/tenants`, appUrl)).toBe(true);
    expect(isAppUrl('https://evil.example/', appUrl)).toBe(false);
    expect(isAppUrl('file:///etc/passwd', appUrl)).toBe(false);
    // The app's path on another host or scheme: a file:// host is a network share on Windows.
    expect(isAppUrl(appUrl.replace('file:///', 'file://evil.example/'), appUrl)).toBe(false);
    expect(isAppUrl(appUrl.replace('file:///', 'https://evil.example/'), appUrl)).toBe(false);
    expect(isTrustedSender({ url: appUrl.replace('file:///', 'file://evil.example/'), parent: null }, appUrl)).toBe(false);
    expect(isTrustedSender({ url: appUrl, parent: null }, appUrl)).toBe(true);
    expect(isTrustedSender({ url: appUrl, parent: {} }, appUrl)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null }, appUrl)).toBe(false);
    expect(isTrustedSender(null, appUrl)).toBe(false);
  });

  it('opens only https documentation links externally', () => {
    expect(isAllowedExternalUrl('https://www.postgresql.org/docs/')).toBe(true);
    expect(isAllowedExternalUrl('http://www.postgresql.org/docs/')).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd')).toBe(false);
    expect(isAllowedExternalUrl('javascript:alert(1)')).toBe(false);
  });

  it("opens the project's own GitHub pages and PostgreSQL's manual, not any github.com page", () => {
    expect(isAllowedExternalUrl('https://github.com/shard-console/shard-console/blob/main/docs/security.md')).toBe(true);
    expect(isAllowedExternalUrl('https://github.com/shard-console/shard-console')).toBe(true);
    expect(isAllowedExternalUrl('https://www.postgresql.org/docs/current/sql-copy.html')).toBe(true);
    for (const url of [
      'https://github.com/attacker/payload/releases/download/v1/installer.exe',
      'https://github.com/shard-console/shard-console-evil/',
      'https://github.com/shard-console/shard-console/../../attacker/repo',
      'https://github.com/shard-console/shard-console/%2e%2e/%2e%2e/attacker/repo',
      'https://user:pass@github.com/shard-console/shard-console/',
      'https://github.com:8443/shard-console/shard-console/',
      'https://github.com.evil.example/shard-console/shard-console/',
      'https://www.postgresql.org/account/',
      'https://gist.github.com/shard-console/shard-console/',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });

  it('guards any web contents: no new window, no navigation or redirect away, no webview; allowed links go to the system browser', () => {
    const handlers: Record<string, Function> = {};
    let openHandler: Function | undefined;
    const opened: string[] = [];
    guardWebContents(
      { setWindowOpenHandler: (fn: Function) => (openHandler = fn), on: (name: string, fn: Function) => (handlers[name] = fn) } as never,
      appUrl,
      (url) => opened.push(url),
    );
    expect(openHandler!({ url: 'https://github.com/attacker/x' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'https://www.postgresql.org/docs/current/' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://www.postgresql.org/docs/current/']);
    for (const event of ['will-navigate', 'will-redirect']) {
      let prevented = false;
      handlers[event]!({ preventDefault: () => (prevented = true) }, 'https://evil.example/');
      expect(prevented, event).toBe(true);
      prevented = false;
      handlers[event]!({ preventDefault: () => (prevented = true) }, `${appUrl}#/tenants`);
      expect(prevented, event).toBe(false);
    }
    let webview = false;
    handlers['will-attach-webview']!({ preventDefault: () => (webview = true) });
    expect(webview).toBe(true);
  });
});

describe('IPC gateway', () => {
  it('dispatches calls from our page and refuses other senders without dispatching', async () => {
    const fake = fakeIpcMain();
    const window = fakeWindow();
    const seen: string[] = [];
    registerIpcGateway(
      fake.ipcMain,
      async (method) => (seen.push(method), { ok: true, result: {} }) as never,
      () => appUrl,
    );
    registerIpcGateway(
      fake.ipcMain,
      async (method) => (seen.push(method), { ok: true, result: {} }) as never,
      () => appUrl,
    );
    expect(await fake.invoke(appUrl, window, 'session.info', {})).toEqual({ ok: true, result: {} });
    expect(await fake.invoke('https://evil.example/', window, 'session.info', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(await fake.invoke(appUrl, window, 42, {})).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    expect(seen).toEqual(['session.info']);
  });

  it("sends a call's events to the calling window only, and cancels a call by its id or when its window closes", async () => {
    const fake = fakeIpcMain();
    const [caller, other] = [fakeWindow(), fakeWindow()];
    // A stand-in for a long method: emits, then waits until its signal aborts.
    registerIpcGateway(
      fake.ipcMain,
      async (_method, _params, call) => {
        call?.onEvent?.({ type: 'progress', done: 1 });
        await new Promise((resolve) => call?.signal?.addEventListener('abort', resolve, { once: true }));
        return { ok: false, error: { code: 'CANCELLED', message: 'stopped' } } as never;
      },
      () => appUrl,
    );
    const running = fake.invoke(appUrl, caller, 'shards.sizes', {}, 'call-1');
    await new Promise((r) => setTimeout(r, 10));
    expect(caller.received).toEqual([{ channel: 'shard-console:event', args: ['call-1', { type: 'progress', done: 1 }] }]);
    expect(other.received).toEqual([]);
    // Another window cannot cancel it; its own can.
    fake.cancel(appUrl, other, 'call-1');
    fake.cancel('https://evil.example/', caller, 'call-1');
    await new Promise((r) => setTimeout(r, 10));
    let settled = false;
    void running.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false);
    fake.cancel(appUrl, caller, 'call-1');
    expect(await running).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    // A closed window cancels what it had running.
    const orphaned = fake.invoke(appUrl, other, 'shards.sizes', {}, 'call-2');
    other.destroy();
    expect(await orphaned).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    // So does a page that goes while its window stays: a reload (a main-frame navigation, once it
    // committed), a crashed renderer. A navigation that only starts (one the window refuses: a file
    // dropped on it, a link away), one within the page, or a subframe's, does not.
    const reloaded = fake.invoke(appUrl, caller, 'shards.sizes', {}, 'call-3');
    await new Promise((r) => setTimeout(r, 10));
    caller.emit('did-start-navigation', appUrl, true, true);
    caller.emit('did-start-navigation', 'about:blank', false, false);
    caller.emit('did-start-navigation', 'file:///home/ops/dropped.dump', false, true);
    caller.emit('did-navigate-in-page', `${appUrl}#/jobs`, true);
    let stillRunning = true;
    void reloaded.then(() => (stillRunning = false));
    await new Promise((r) => setTimeout(r, 10));
    expect(stillRunning).toBe(true);
    caller.emit('did-navigate', appUrl);
    expect(await reloaded).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    const crashed = fake.invoke(appUrl, caller, 'shards.sizes', {}, 'call-4');
    await new Promise((r) => setTimeout(r, 10));
    caller.emit('render-process-gone');
    expect(await crashed).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });
});

describe('the save dialog', () => {
  it("grants the window the path the operator chose, opening in the console's folder with the page's file name only", async () => {
    const fake = fakeIpcMain();
    const window = fakeWindow();
    const paths = new WritePaths('ui', { export: '/data/exports', profile: '/data/profiles' });
    const asked: Array<{ sender: unknown; defaultPath: string; properties: string[] }> = [];
    let answer: { canceled: boolean; filePath?: string } = { canceled: false, filePath: '/home/ops/reports/rows.csv' };
    registerSavePathChooser(
      fake.ipcMain,
      async (sender, options) => (asked.push({ sender, defaultPath: options.defaultPath, properties: options.properties }), answer),
      paths,
      () => appUrl,
    );
    const choose = (url: string, ...args: unknown[]) =>
      Promise.resolve(fake.handlers.get('shard-console:choose-save-path')!({ senderFrame: { url, parent: null }, sender: window }, ...args));

    await expect(paths.check('/home/ops/reports/rows.csv', 'export', 'ui')).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
    // The page suggests a name; a path in it is dropped, so the dialog opens in the console's folder.
    expect(await choose(appUrl, 'export', '../../.bashrc')).toBe('/home/ops/reports/rows.csv');
    expect(asked).toEqual([{ sender: window, defaultPath: '/data/exports/.bashrc', properties: ['showOverwriteConfirmation', 'createDirectory'] }]);
    await expect(paths.check('/home/ops/reports/rows.csv', 'export', 'ui')).resolves.toBeUndefined();

    // Another page, an unknown kind of file, a cancelled dialog: nothing granted.
    answer = { canceled: true };
    expect(await choose(appUrl, 'profile', 'p.json')).toBeNull();
    answer = { canceled: false, filePath: '/home/ops/other.csv' };
    expect(await choose('https://evil.example/', 'export', 'x.csv')).toBeNull();
    expect(await choose(appUrl, 'anything', 'x.csv')).toBeNull();
    expect(asked).toHaveLength(2);
    await expect(paths.check('/home/ops/other.csv', 'export', 'ui')).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
  });
});

describe('main.ts wiring (stand-in electron)', () => {
  beforeAll(async () => {
    process.env.SHARD_CONSOLE_PROFILE = '/nonexistent/profile.json';
    // The shell's log goes to the console's data folder: a throwaway one here.
    process.env.SHARD_CONSOLE_DATA_DIR = '/tmp/shard-console-shell-test';
    rmSync('/tmp/shard-console-shell-test/logs', { recursive: true, force: true });
    await import('../../electron/shell/main.ts');
    electron.state.ready!();
    await vi.waitFor(() => expect(electron.state.windows.length).toBe(1));
  });

  it('enables the sandbox for every renderer and creates the window with the secure preferences', () => {
    expect(electron.state.sandboxEnabled).toBe(true);
    const { webPreferences } = electron.state.windows[0]!.options;
    expect(webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    // The stand-in is an installed build: no DevTools.
    expect(webPreferences.devTools).toBe(false);
    expect(webPreferences.preload).toMatch(/preload\.cjs$/);
    expect(electron.state.windows[0]!.loaded).toMatch(/^file:.*renderer\/index\.html$/);
  });

  it('denies new windows and navigation away from the app', () => {
    const win = electron.state.windows[0]!;
    expect(win.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    let prevented = false;
    win.handlers['will-navigate']!({ preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
  });

  it('denies permission requests and permission checks, and adds the CSP header to every response', () => {
    let granted: boolean | undefined;
    electron.state.permissionHandler!({}, 'media', (ok: boolean) => (granted = ok));
    expect(granted).toBe(false);
    for (const permission of ['media', 'clipboard-read', 'geolocation', 'notifications', 'hid', 'serial', 'usb']) {
      expect(electron.state.permissionCheckHandler!({}, permission, 'file://', {}), permission).toBe(false);
    }
    let headers: any;
    electron.state.headersHandler!({ responseHeaders: {} }, (r: any) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy'][0]).toBe(CONTENT_SECURITY_POLICY);
  });

  it("the page's own CSP (a file:// page may get no response headers) is the header's, but frame-ancestors, which a meta tag cannot carry", () => {
    const html = readFileSync(new URL('../../renderer/index.html', import.meta.url), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)?.[1];
    const directives = (policy: string) =>
      policy
        .split(';')
        .map((d) => d.trim())
        .filter((d) => d && !d.startsWith('frame-ancestors'))
        .sort();
    expect(meta).toBeDefined();
    expect(directives(meta!)).toEqual(directives(CONTENT_SECURITY_POLICY));
  });

  it('guards every web contents the app creates, not only the window it made itself', () => {
    const created = electron.state.appListeners.get('web-contents-created');
    expect(created).toBeTypeOf('function');
    const handlers: Record<string, Function> = {};
    let openHandler: Function | undefined;
    created!({}, { setWindowOpenHandler: (fn: Function) => (openHandler = fn), on: (name: string, fn: Function) => (handlers[name] = fn) });
    expect(openHandler!({ url: 'https://github.com/attacker/x' })).toEqual({ action: 'deny' });
    expect(electron.module.shell.openExternal).not.toHaveBeenCalledWith('https://github.com/attacker/x');
    let prevented = false;
    handlers['will-navigate']!({ preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
    expect(handlers['will-redirect']).toBeTypeOf('function');
    expect(handlers['will-attach-webview']).toBeTypeOf('function');
  });

  it('runs as the single instance, and writes its start and why the profile did not open to the log', () => {
    expect(electron.state.appListeners.get('second-instance')).toBeTypeOf('function');
    expect(electron.state.appListeners.get('will-quit')).toBeTypeOf('function');
    const log = readFileSync('/tmp/shard-console-shell-test/logs/console.log', 'utf8');
    expect(log).toMatch(/desktop app 0\.0\.0-test starting/);
    expect(log).toMatch(/SHARD_CONSOLE_PROFILE \/nonexistent\/profile\.json did not open: CONFIG_NOT_FOUND/);
  });

  it("limits the window's writes to the console's folders and the paths its save dialog chose", async () => {
    const invoke = electron.state.ipcHandlers.get('shard-console:invoke')!;
    const choose = electron.state.ipcHandlers.get('shard-console:choose-save-path')!;
    const win = electron.state.windows[0]!;
    const from = { senderFrame: { url: win.loaded, parent: null }, sender: fakeWindow() };
    const form = {
      name: 'p',
      databases: [{ shard: 'default', host: 'localhost', port: 5432, database: 'pwb', user: 'pwb', password: { kind: 'none' }, ssl: 'disable' }],
      rails: null,
      tenantKeys: ['website_id'],
      globalTables: ['pwb_websites'],
      readOnly: false,
      backupDir: null,
      migrationsDir: null,
      pgDump: {},
      queryRole: null,
    };
    const save = (path: string) => invoke(from, 'profiles.save', { path, form });
    const elsewhere = '/tmp/shard-console-shell-test/elsewhere';
    rmSync(elsewhere, { recursive: true, force: true });
    mkdirSync(elsewhere, { recursive: true });
    expect(await save(`${elsewhere}/typed.json`)).toMatchObject({ ok: false, error: { code: 'ACTION_NOT_ALLOWED' } });
    expect(existsSync(`${elsewhere}/typed.json`)).toBe(false);
    expect(await choose(from, 'profile', 'p.json')).toBe(`${elsewhere}/chosen.json`);
    expect(electron.module.dialog.showSaveDialog).toHaveBeenCalledWith(
      win,
      expect.objectContaining({ defaultPath: '/tmp/shard-console-shell-test/profiles/p.json' }),
    );
    expect(await save(`${elsewhere}/chosen.json`)).toMatchObject({ ok: true });
    expect(existsSync(`${elsewhere}/chosen.json`)).toBe(true);
  });

  it('opens on the start screen when the profile cannot be loaded: no profile, and cluster calls answer the configuration error', async () => {
    const handler = electron.state.ipcHandlers.get('shard-console:invoke')!;
    const win = electron.state.windows[0]!;
    const call = (method: string) => handler({ senderFrame: { url: win.loaded, parent: null }, sender: fakeWindow() }, method, {});
    expect(await call('session.info')).toMatchObject({ ok: true, result: { profile: null } });
    expect(await call('shards.sizes')).toMatchObject({ ok: false, error: { code: 'CONFIG_NOT_FOUND' } });
  });
});
