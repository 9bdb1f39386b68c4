import type { MethodEvent, MethodName, MethodResult, ParsedParams, profileMethods } from '../../../shared/contract.ts';
import type { CallContext } from '../call-context.ts';
import type { ConsoleContext } from '../console-context.ts';
import { jobHandlers } from '../jobs/job-handlers.ts';
import { backupHandlers } from '../backups/backup-handlers.ts';
import { queryHandlers } from '../query/query-handlers.ts';
import { clusterHandlers } from '../cluster/cluster-handlers.ts';
import { tenantHandlers } from '../tenants/tenant-handlers.ts';
import { moveHandlers } from '../moves/move-handlers.ts';
import { migrationHandlers } from '../migrations/migration-handlers.ts';
import { driftHandlers } from '../drift/drift-handlers.ts';
import { shardHandlers } from '../shards/shard-handlers.ts';
import { doctorHandlers } from '../doctor/doctor-handlers.ts';
import { restoreHandlers } from '../restore/restore-handlers.ts';

/** One method's handler: its parsed params, and the call's context (cancel signal, event emitter, caller). */
export type Handler<M extends MethodName> = (params: ParsedParams<M>, call: CallContext<MethodEvent<M>>) => Promise<MethodResult<M>>;
/** Handlers for a slice of the contract: each domain folder exports one of these. */
export type HandlersFor<Names extends MethodName> = { readonly [M in Names]: Handler<M> };
/** Exactly one handler per contract method: the mapped type makes a missing one a compile error. */
export type Handlers = HandlersFor<MethodName>;
/** The methods a console open on one profile answers; the profile methods belong to the app's session (core/session/). */
export type ConsoleMethodName = Exclude<MethodName, keyof typeof profileMethods>;
/** What a dispatcher serves: every console method, and the profile methods where a session answers them. */
export type ConsoleHandlers = HandlersFor<ConsoleMethodName> & Partial<Handlers>;

export function createHandlers(ctx: ConsoleContext): HandlersFor<ConsoleMethodName> {
  return Object.freeze({
    ...clusterHandlers(ctx),
    ...tenantHandlers(ctx),
    ...moveHandlers(ctx),
    ...migrationHandlers(ctx),
    ...driftHandlers(ctx),
    ...shardHandlers(ctx),
    ...doctorHandlers(ctx),
    ...jobHandlers(ctx),
    ...backupHandlers(ctx),
    ...queryHandlers(ctx),
    ...restoreHandlers(ctx),
  });
}
