import { hostname, userInfo } from 'node:os';
import type { MethodEvent, MethodName, MethodParams, MethodResult } from '../../shared/contract.ts';
import type { ConsoleContext } from '../core/console-context.ts';
import { callConsole } from '../core/dispatch/console-dispatcher.ts';

/** `cli user@host`: who the jobs and the audit log say started what the CLI started. */
function cliCaller(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers)
  }
  return `cli ${user}@${hostname()}`;
}

export interface CallOptions<M extends MethodName> {
  readonly onEvent?: (event: MethodEvent<M>) => void;
  readonly signal?: AbortSignal;
}

/** Every CLI command goes through the same dispatcher as IPC and HTTP: one validation, one error shape, the same results. */
export async function callMethod<M extends MethodName>(
  ctx: ConsoleContext,
  method: M,
  params: MethodParams<M>,
  options: CallOptions<M> = {},
): Promise<MethodResult<M>> {
  return callConsole(ctx, method, params, {
    caller: cliCaller(),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent as (event: unknown) => void } : {}),
  });
}
