import { basename, join } from 'node:path';
import type { Dispatch } from '../core/dispatch/dispatcher.ts';
import type { WritePaths, WritePurpose } from '../core/session/write-paths.ts';
import { IPC_CANCEL_CHANNEL, IPC_CHOOSE_SAVE_PATH_CHANNEL, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, isTrustedSender } from './window-security.ts';

/** The sender of an IPC message as the gateway sees it: its frame (to check), and a way back to it. */
export interface IpcSender {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  once(event: 'destroyed', listener: () => void): void;
  /** Electron's: the main frame's navigation to another document (a reload too) committed; never for one within the page. */
  on(event: 'did-navigate', listener: (event: unknown, url: string) => void): void;
  /** Electron's: the page's renderer process crashed or was killed. */
  on(event: 'render-process-gone', listener: () => void): void;
  isDestroyed(): boolean;
}

export interface IpcEventLike {
  readonly senderFrame: { url: string; parent: unknown } | null;
  readonly sender: IpcSender;
}

/** The slice of ipcMain the gateway needs: declared here so tests drive it without Electron. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): void;
  removeAllListeners(channel: string): void;
}

const CALL_ID = /^[A-Za-z0-9_-]{1,64}$/;
const refusedSender = {
  ok: false,
  error: { code: 'UNAUTHORIZED', message: "IPC refused: the sender is not the Shard Console window. Call the console from its own window's page." },
};

/**
 * The one IPC entry: checks the sender is our page, then hands (method, params) to the dispatcher,
 * which validates both against the contract. A call the page names with an id can be cancelled by that
 * id; its events go back to the calling window only; a page that goes (closed, reloaded, crashed)
 * cancels its calls.
 * Re-registering replaces the handlers instead of throwing.
 */
export function registerIpcGateway(ipcMain: IpcMainLike, dispatch: Dispatch, appUrl: () => string): void {
  const calls = new Map<string, AbortController>();
  // Per window, every call its page has running: the page going away (the window closed, a reload or
  // another page, its renderer crashed) aborts them: nobody is left to follow or cancel them, and a
  // query would hold its cursors, a watch its job's events, until they ended on their own.
  const byWindow = new Map<number, Set<AbortController>>();
  const pageGone = (sender: IpcSender) => {
    for (const c of byWindow.get(sender.id) ?? []) c.abort();
    byWindow.get(sender.id)?.clear();
  };
  const track = (sender: IpcSender, controller: AbortController) => {
    let running = byWindow.get(sender.id);
    if (!running) {
      byWindow.set(sender.id, (running = new Set()));
      sender.once('destroyed', () => {
        pageGone(sender);
        byWindow.delete(sender.id);
      });
      // Once the page is really gone: a navigation that starts and is then refused (a file dropped on the
      // window, a link away; window-security.ts stops them) leaves the page and its calls as they were.
      sender.on('did-navigate', () => pageGone(sender));
      sender.on('render-process-gone', () => pageGone(sender));
    }
    running.add(controller);
    return () => running.delete(controller);
  };
  ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
  ipcMain.removeAllListeners(IPC_CANCEL_CHANNEL);
  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, method, params, callId) => {
    if (!isTrustedSender(event.senderFrame, appUrl())) return refusedSender;
    if (typeof method !== 'string')
      return {
        ok: false,
        error: { code: 'INVALID_PARAMS', message: "IPC calls name a method as a string. Call invoke('tenants.list', {}) with a method of the contract." },
      };
    const id = typeof callId === 'string' && CALL_ID.test(callId) ? callId : null;
    const controller = new AbortController();
    const key = id === null ? null : `${event.sender.id}:${id}`;
    if (key !== null) calls.set(key, controller);
    const untrack = track(event.sender, controller);
    try {
      return await dispatch(method, params, {
        signal: controller.signal,
        caller: 'ui',
        ...(id === null ? {} : { onEvent: (payload: unknown) => !event.sender.isDestroyed() && event.sender.send(IPC_EVENT_CHANNEL, id, payload) }),
      });
    } finally {
      untrack();
      if (key !== null && calls.get(key) === controller) calls.delete(key);
    }
  });
  ipcMain.on(IPC_CANCEL_CHANNEL, (event, callId) => {
    if (!isTrustedSender(event.senderFrame, appUrl()) || typeof callId !== 'string') return;
    calls.get(`${event.sender.id}:${callId}`)?.abort();
  });
}

/** The slice of Electron's dialog the chooser needs; `sender` is the window the dialog belongs to. */
export type ShowSaveDialog = (
  sender: IpcSender,
  options: {
    title: string;
    defaultPath: string;
    filters: Array<{ name: string; extensions: string[] }>;
    properties: Array<'showOverwriteConfirmation' | 'createDirectory'>;
  },
) => Promise<{ canceled: boolean; filePath?: string | undefined }>;

const SAVE_DIALOGS: Record<WritePurpose, { title: string; filters: Array<{ name: string; extensions: string[] }> }> = {
  export: { title: 'Export every row to', filters: [{ name: 'CSV, JSON or NDJSON', extensions: ['csv', 'json', 'ndjson'] }] },
  profile: { title: 'Save the profile as', filters: [{ name: 'Profile', extensions: ['json'] }] },
};

/**
 * `chooseSavePath(purpose, suggestedName)`: the native save dialog, opened by the main process for the
 * window that asked. The path the operator picks is granted to the window's writes (see write-paths.ts)
 * and returned; a cancelled dialog returns null. The page only suggests a file name, inside the console's
 * folder for that kind of file.
 */
export function registerSavePathChooser(ipcMain: IpcMainLike, showSaveDialog: ShowSaveDialog, paths: WritePaths, appUrl: () => string): void {
  ipcMain.removeHandler(IPC_CHOOSE_SAVE_PATH_CHANNEL);
  ipcMain.handle(IPC_CHOOSE_SAVE_PATH_CHANNEL, async (event, purpose, suggested) => {
    if (!isTrustedSender(event.senderFrame, appUrl())) return null;
    if (purpose !== 'export' && purpose !== 'profile') return null;
    const name = typeof suggested === 'string' ? basename(suggested.replace(/\\/g, '/')) : '';
    const dialog = SAVE_DIALOGS[purpose];
    // Asked before replacing a file (Linux needs telling; macOS and Windows always ask).
    const properties: Array<'showOverwriteConfirmation' | 'createDirectory'> = ['showOverwriteConfirmation', 'createDirectory'];
    const chosen = await showSaveDialog(event.sender, { ...dialog, defaultPath: join(paths.folder(purpose), name), properties });
    if (chosen.canceled || !chosen.filePath) return null;
    return paths.grant(chosen.filePath);
  });
}
