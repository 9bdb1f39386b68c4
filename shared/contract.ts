import type { z } from 'zod';
import type { errorInfoSchema } from './errors.ts';
import { clusterMethods } from './methods/cluster-methods.ts';
import { tenantMethods } from './methods/tenant-methods.ts';
import { moveMethods } from './methods/move-methods.ts';
import { shardMethods } from './methods/shard-methods.ts';
import { doctorMethods } from './methods/doctor-methods.ts';
import { migrationMethods } from './methods/migration-methods.ts';
import { driftMethods } from './methods/drift-methods.ts';
import { jobMethods } from './methods/job-methods.ts';
import { backupMethods } from './methods/backup-methods.ts';
import { queryMethods } from './methods/query-methods.ts';
import { restoreMethods } from './methods/restore-methods.ts';
import { profileMethods } from './methods/profile-methods.ts';

/*
 * The one contract between the renderer, the CLI and the main-process core. Every method's params and
 * result are zod schemas (one file per domain in methods/); every type on every side is derived from them. A method that is not in
 * `contract` does not exist: the dispatcher, the preload allowlist and the HTTP bridge all read it.
 */

export * from './methods/cluster-methods.ts';
export * from './methods/tenant-methods.ts';
export * from './methods/move-methods.ts';
export * from './methods/shard-methods.ts';
export * from './methods/doctor-methods.ts';
export * from './methods/migration-methods.ts';
export * from './methods/drift-methods.ts';
export * from './methods/job-methods.ts';
export * from './methods/backup-methods.ts';
export * from './methods/query-methods.ts';
export * from './methods/restore-methods.ts';
export * from './methods/profile-methods.ts';

export const contract = {
  ...clusterMethods,
  ...tenantMethods,
  ...moveMethods,
  ...shardMethods,
  ...doctorMethods,
  ...migrationMethods,
  ...driftMethods,
  ...jobMethods,
  ...backupMethods,
  ...queryMethods,
  ...restoreMethods,
  ...profileMethods,
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type MethodParams<M extends MethodName> = z.input<Contract[M]['params']>;
export type ParsedParams<M extends MethodName> = z.output<Contract[M]['params']>;
export type MethodResult<M extends MethodName> = z.output<Contract[M]['result']>;
/** What a method emits while it runs; `never` for methods that only answer. */
export type MethodEvent<M extends MethodName> = z.output<Contract[M]['events']>;

export const methodNames = Object.keys(contract) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(contract, name);
}

export type Envelope<M extends MethodName> = { ok: true; result: MethodResult<M> } | { ok: false; error: z.infer<typeof errorInfoSchema> };
