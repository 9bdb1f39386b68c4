import { ConsoleError } from '../../shared/errors.ts';
import type { DatabaseTarget } from './config/profile-schema.ts';
import type { ConsoleContext } from './console-context.ts';

/** Services that change the cluster call this first, so a read-only profile holds for the CLI as well as IPC and HTTP. */
export function assertWritable(ctx: ConsoleContext, action: string): void {
  if (ctx.profile.readOnly) {
    throw new ConsoleError('READ_ONLY', `${action} changes the cluster, and profile ${ctx.profile.name} is read-only. Open a profile without "readOnly": true to run it.`, {
      target: ctx.profile.source,
    });
  }
}

/**
 * A database opened through a read-only profile. Code that holds only a handle (the console schema,
 * size snapshots, the audit log) asks this before its own bookkeeping writes.
 */
export function isReadOnlyDatabase(handle: { readonly target: Pick<DatabaseTarget, 'readOnly'> }): boolean {
  return handle.target.readOnly === true;
}

/** Refuses a write of the console's own (schema, snapshot, audit row) on a read-only profile's database. */
export function assertWritableDatabase(handle: { readonly target: Pick<DatabaseTarget, 'readOnly' | 'name'> }, action: string): void {
  if (isReadOnlyDatabase(handle)) {
    throw new ConsoleError('READ_ONLY', `${action} would write to ${handle.target.name}, and this profile is read-only. Open a profile without "readOnly": true to run it.`, {
      target: handle.target.name,
    });
  }
}
