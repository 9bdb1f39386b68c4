import type { ConsoleContext } from '../console-context.ts';
import { createDispatcher, type Dispatch } from './dispatcher.ts';
import { createHandlers } from './handlers.ts';

const dispatchers = new WeakMap<ConsoleContext, Dispatch>();

export interface ConsoleDispatcherOptions {
  /** Unexpected (non-ConsoleError) failures, for the log; returns where it wrote them. */
  readonly onUnexpectedError?: (method: string, error: unknown) => string | void;
}

/**
 * The dispatcher of an open console, the same for every transport (IPC, the HTTP bridge, the CLI):
 * a read-only profile refuses mutating methods, and every result and event is checked against the
 * contract before it leaves (a drifted one is a bug, reported as INTERNAL, never sent on).
 */
export function consoleDispatcher(ctx: ConsoleContext, options: ConsoleDispatcherOptions = {}): Dispatch {
  let dispatch = dispatchers.get(ctx);
  if (!dispatch) {
    dispatch = createDispatcher(createHandlers(ctx), { readOnly: () => ctx.profile.readOnly, validateResults: true, ...options });
    dispatchers.set(ctx, dispatch);
  }
  return dispatch;
}
