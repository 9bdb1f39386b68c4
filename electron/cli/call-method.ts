import type { MethodName, MethodParams, MethodResult } from '../../shared/contract.ts';
import { ConsoleError } from '../../shared/errors.ts';
import type { ConsoleContext } from '../core/console-context.ts';
import { createDispatcher } from '../core/dispatch/dispatcher.ts';
import { createHandlers } from '../core/dispatch/handlers.ts';

/** Every CLI command goes through the same dispatcher as IPC and HTTP: one validation, one error shape. */
export async function callMethod<M extends MethodName>(ctx: ConsoleContext, method: M, params: MethodParams<M>): Promise<MethodResult<M>> {
  const envelope = await createDispatcher(createHandlers(ctx), { readOnly: () => ctx.profile.readOnly })(method, params);
  if (!envelope.ok) throw ConsoleError.fromInfo(envelope.error);
  return envelope.result as MethodResult<M>;
}
