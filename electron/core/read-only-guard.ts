import { ConsoleError } from '../../shared/errors.ts';
import type { DatabaseTarget } from './config/profile-schema.ts';
import type { ConsoleContext } from './console-context.ts';

/** The one wording of the refusal, from the dispatcher (a mutating method) or a service (a write it is about to make). */
export function readOnlyRefusal(what: string, profileName?: string): string {
  return `${what}, and ${profileName === undefined ? 'this profile' : `profile ${profileName}`} is read-only. Open a profile without "readOnly": true to run it.`;
}

/** Services that change the cluster call this first, so a read-only profile holds for the CLI as well as IPC and HTTP. */
export function assertWritable(ctx: ConsoleContext, action: string): void {
  if (ctx.profile.readOnly) {
    throw new ConsoleError('READ_ONLY', readOnlyRefusal(`${action} changes the cluster`, ctx.profile.name), { target: ctx.profile.source });
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
    throw new ConsoleError('READ_ONLY', readOnlyRefusal(`${action} would write to ${handle.target.name}`), { target: handle.target.name });
  }
}
