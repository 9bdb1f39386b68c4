import type { MethodName, MethodParams, MethodResult } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { createDispatcher, type Dispatch, type DispatchCall } from './dispatcher.ts';
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

/** Calls a method of an open console through its dispatcher; its result, or its error thrown as a ConsoleError. */
export async function callConsole<M extends MethodName>(
  ctx: ConsoleContext,
  method: M,
  params: MethodParams<M>,
  call: DispatchCall = {},
): Promise<MethodResult<M>> {
  const envelope = await consoleDispatcher(ctx)(method, params, call);
  if (!envelope.ok) throw ConsoleError.fromInfo(envelope.error);
  return envelope.result as MethodResult<M>;
}
