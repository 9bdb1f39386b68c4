import { contextBridge, ipcRenderer } from 'electron';
import { methodNames } from '../../shared/contract.ts';
import { IPC_CANCEL_CHANNEL, IPC_CHOOSE_SAVE_PATH_CHANNEL, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from './window-security.ts';

/** Exactly the contract's methods: the renderer gets intent (`invoke(method)`), never raw channels. */
export const preloadAllowlist: ReadonlySet<string> = new Set(methodNames);

const api = Object.freeze({
  /** One call; with a call id, its events reach `onEvent` and `cancel(callId)` stops it. */
  invoke(method: string, params: unknown, callId?: string, onEvent?: (event: unknown) => void): Promise<unknown> {
    if (!preloadAllowlist.has(method)) {
      return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_METHOD', message: `There is no method "${method}".` } });
    }
    if (callId === undefined || onEvent === undefined) return ipcRenderer.invoke(IPC_INVOKE_CHANNEL, method, params, callId);
    const listener = (_event: unknown, id: unknown, payload: unknown) => {
      if (id === callId) onEvent(payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, listener);
    return ipcRenderer.invoke(IPC_INVOKE_CHANNEL, method, params, callId).finally(() => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, listener));
  },
  cancel(callId: string): void {
    ipcRenderer.send(IPC_CANCEL_CHANNEL, callId);
  },
  /** The native save dialog for an export or a profile: the chosen path (the window may write it), or null. */
  chooseSavePath(purpose: 'export' | 'profile', suggestedName: string): Promise<string | null> {
    return ipcRenderer.invoke(IPC_CHOOSE_SAVE_PATH_CHANNEL, purpose, suggestedName) as Promise<string | null>;
  },
});

contextBridge.exposeInMainWorld('shardConsole', api);
