import { ConsoleError } from '../../shared/errors.ts';
import type { ConsoleContext } from './console-context.ts';

/** Services that change the cluster call this first, so a read-only profile holds for the CLI as well as IPC and HTTP. */
export function assertWritable(ctx: ConsoleContext, action: string): void {
  if (ctx.profile.readOnly) {
    throw new ConsoleError('READ_ONLY', `${action} changes the cluster, and profile ${ctx.profile.name} is read-only. Open a profile without "readOnly": true to run it.`, {
      target: ctx.profile.source,
    });
  }
}
