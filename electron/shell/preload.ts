import { contextBridge, ipcRenderer } from 'electron';
import { methodNames } from '../../shared/contract.ts';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from './window-security.ts';

/** Exactly the contract's methods: the renderer gets intent (`invoke(method)`), never raw channels. */
export const preloadAllowlist: ReadonlySet<string> = new Set(methodNames);

const api = Object.freeze({
  invoke(method: string, params: unknown): Promise<unknown> {
    if (!preloadAllowlist.has(method)) {
      return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_METHOD', message: `There is no method "${method}".` } });
    }
    return ipcRenderer.invoke(IPC_INVOKE_CHANNEL, method, params);
  },
  onEvent(name: string, listener: (payload: unknown) => void): () => void {
    const wrapped = (_event: unknown, eventName: unknown, payload: unknown) => {
      if (eventName === name) listener(payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
    };
  },
});

contextBridge.exposeInMainWorld('shardConsole', api);
