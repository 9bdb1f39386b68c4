import type { IpcEventLike, IpcMainLike, IpcSender } from '../../electron/shell/ipc-gateway.ts';

/** A window as the gateway sees it: the events sent back to it are recorded; it can be closed. */
export interface FakeWindow extends IpcSender {
  readonly received: Array<{ channel: string; args: unknown[] }>;
  destroy(): void;
  /** Emits one of the page's events as Electron would (a navigation's arguments after the event). */
  emit(event: 'did-start-navigation' | 'did-navigate' | 'did-navigate-in-page' | 'render-process-gone', ...args: unknown[]): void;
}

let nextId = 1;

export function fakeWindow(): FakeWindow {
  const onDestroyed: Array<() => void> = [];
  const listeners = new Map<string, Array<(...args: unknown[]) => void>>();
  let destroyed = false;
  const received: FakeWindow['received'] = [];
  return {
    id: nextId++,
    received,
    send: (channel, ...args) => void received.push({ channel, args }),
    once: (_event, listener) => void onDestroyed.push(listener),
    on: (event: string, listener: (...args: never[]) => void) =>
      void listeners.set(event, [...(listeners.get(event) ?? []), listener as (...args: unknown[]) => void]),
    emit: (event, ...args) => {
      for (const listener of listeners.get(event) ?? []) listener({}, ...args);
    },
    isDestroyed: () => destroyed,
    destroy() {
      destroyed = true;
      for (const listener of onDestroyed.splice(0)) listener();
    },
  };
}

/** ipcMain without Electron: the gateway registers on it, tests call through it as a renderer would. */
export function fakeIpcMain() {
  const handlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => unknown>();
  const listeners = new Map<string, Array<(event: IpcEventLike, ...args: unknown[]) => void>>();
  const ipcMain: IpcMainLike = {
    handle: (channel, fn) => void handlers.set(channel, fn),
    removeHandler: (channel) => void handlers.delete(channel),
    on: (channel, fn) => void listeners.set(channel, [...(listeners.get(channel) ?? []), fn]),
    removeAllListeners: (channel) => void listeners.delete(channel),
  };
  const frame = (url: string) => ({ url, parent: null });
  return {
    ipcMain,
    handlers,
    /** `invoke(method, params, callId)` as the preload sends it, from a window showing `url`. */
    invoke(url: string, window: FakeWindow, ...args: unknown[]): Promise<unknown> {
      return Promise.resolve(handlers.get('shard-console:invoke')!({ senderFrame: frame(url), sender: window }, ...args));
    },
    cancel(url: string, window: FakeWindow, callId: unknown): void {
      for (const fn of listeners.get('shard-console:cancel') ?? []) fn({ senderFrame: frame(url), sender: window }, callId);
    },
  };
}
