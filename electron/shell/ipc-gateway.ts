import type { Dispatch } from '../core/dispatch/dispatcher.ts';
import { IPC_INVOKE_CHANNEL, isTrustedSender } from './window-security.ts';

/** The slice of ipcMain the gateway needs: declared here so tests drive it without Electron. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: { url: string; parent: unknown } | null }, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/**
 * The one IPC entry: checks the sender is our page, then hands (method, params) to the dispatcher,
 * which validates both against the contract. Re-registering replaces the handler instead of throwing.
 */
export function registerIpcGateway(ipcMain: IpcMainLike, dispatch: Dispatch, appUrl: () => string): void {
  ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, method, params) => {
    if (!isTrustedSender(event.senderFrame, appUrl())) {
      return { ok: false, error: { code: 'UNAUTHORIZED', message: "IPC refused: the sender is not the Shard Console window. Call the console from its own window's page." } };
    }
    if (typeof method !== 'string') return { ok: false, error: { code: 'INVALID_PARAMS', message: "IPC calls name a method as a string. Call invoke('tenants.list', {}) with a method of the contract." } };
    return dispatch(method, params);
  });
}
