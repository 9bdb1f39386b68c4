import { randomUUID } from 'node:crypto';
import type { RestoreJob, RestorePreflight, RestoreRequest } from '../../../shared/methods/restore-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { audited, currentActor } from '../console-schema/audit-log.ts';
import type { ConsoleContext } from '../console-context.ts';
import { liveJobIds, withJobLock } from '../jobs/job-lock.ts';
import { updateJobRecord } from '../jobs/job-store.ts';
import { assertWritable } from '../read-only-guard.ts';
import { dropHeldRows } from './holding-tables.ts';
import {
  listRestores,
  MODE_STEPS,
  readRestore,
  recordRestore,
  rowHashOf,
  restoreActions,
  restoreTitle,
  saveDetail,
  toRestoreJob,
  visibleState,
  type RestoreDetail,
} from './restore-job-store.ts';
import { restoreSchemas } from './restore-marks.ts';
import { preflightRestore } from './restore-preflight.ts';
import { runRestoreSteps } from './restore-runner.ts';
import { ROW_HASH_VERSION } from './row-digest.ts';
import { dropRestoreSchema, planSideTables } from './side-schema.ts';

/*
 * Restores as the contract offers them: preflight, start (record the job, run it in the background as
 * a job of this console), resume, rollback, discard, the views of jobs, and dropping a side schema.
 */

export async function previewRestore(ctx: ConsoleContext, request: RestoreRequest): Promise<RestorePreflight> {
  return (await preflightRestore(ctx, request)).result;
}

async function isLive(ctx: ConsoleContext, jobId: string): Promise<boolean> {
  return ctx.jobs.isRunning(jobId) || (await liveJobIds(ctx.pools.primary(), [jobId])).has(jobId);
}

export async function restoreJobView(ctx: ConsoleContext, jobId: string): Promise<RestoreJob> {
  const { record, detail } = await readRestore(ctx.pools.primary(), jobId);
  const here = ctx.jobs.isRunning(jobId);
  return toRestoreJob(record, detail, here, here || (record.state === 'running' && (await isLive(ctx, jobId))));
}

export async function restoreJobsView(ctx: ConsoleContext, options: { websiteId?: number | undefined; limit: number }): Promise<RestoreJob[]> {
  const primary = ctx.pools.primary();
  const found = (await listRestores(primary, options.websiteId === undefined ? options.limit : 500)).filter(
    (r) => options.websiteId === undefined || r.detail.request.websiteId === options.websiteId,
  );
  const live = await liveJobIds(
    primary,
    found.filter((r) => r.record.state === 'running').map((r) => r.record.id),
  );
  return found.slice(0, options.limit).map(({ record, detail }) => toRestoreJob(record, detail, ctx.jobs.isRunning(record.id), live.has(record.id)));
}

/** Preflight, then the job recorded and started; a refusal changes nothing. */
export async function startRestore(ctx: ConsoleContext, request: RestoreRequest, caller: string): Promise<RestoreJob> {
  assertWritable(ctx, 'Restoring a website');
  const { result, fingerprint } = await preflightRestore(ctx, request);
  if (!result.ok || !result.plan || !fingerprint) {
    throw new ConsoleError(
      'RESTORE_REFUSED',
      `Restore of website ${request.websiteId} refused, nothing was changed: ${result.refusals.map((r) => r.message).join(' ')}`,
      {
        target: String(request.websiteId),
        details: { refusals: result.refusals },
      },
    );
  }
  const plan = result.plan;
  const jobId = randomUUID();
  const detail: RestoreDetail = {
    request,
    plan,
    fingerprint,
    step: MODE_STEPS[request.mode][1]!,
    rollbackFrom: null,
    progress: plan.tables.map((t) => ({ table: t.table, loadedRows: 0, archiveRows: t.archiveRows, done: false })),
    rowHash: ROW_HASH_VERSION,
    archiveDigests: {},
    verification: [],
    verified: false,
    discarded: false,
    timings: {},
  };
  const primary = ctx.pools.primary();
  const details = {
    mode: request.mode,
    from: plan.source.file,
    archive: plan.source.database,
    target: plan.target,
    schema: plan.schema,
    rows: plan.totalArchiveRows,
  };
  await audited(primary, { action: 'restore.create', target: String(request.websiteId), details: { ...details, job: jobId } }, () =>
    recordRestore(primary, jobId, currentActor(), detail),
  );
  runInBackground(ctx, jobId, caller, 'run', restoreTitle(request, plan.target));
  return restoreJobView(ctx, jobId);
}

/**
 * Runs the job's steps (or its rollback's) as a job of this console, under the job's lock; a failure is
 * recorded on the job. Resolves once a rollback's check passed (rollback-check.ts; at once when there is
 * none), and rejects with its refusal, or with whatever ended the job before that.
 */
function runInBackground(
  ctx: ConsoleContext,
  jobId: string,
  caller: string,
  action: 'run' | 'resume' | 'rollback',
  title: string,
  options: { check?: boolean } = {},
): Promise<void> {
  const primary = ctx.pools.primary();
  let settle: (refusal: Error | null) => void = () => {};
  const checked = new Promise<void>((resolve, reject) => {
    let settled = false;
    settle = (refusal) => {
      if (settled) return;
      settled = true;
      if (refusal) reject(refusal);
      else resolve();
    };
  });
  const run = { ...options, onChecked: settle };
  const { done } = ctx.jobs.start({ id: jobId, kind: 'restore', title, caller, persist: (progress) => updateJobRecord(primary, jobId, { progress }) }, (job) =>
    audited(primary, { action: `restore.${action}`, target: jobId }, () =>
      withJobLock(primary, jobId, 'Restore job', (lock) => runRestoreSteps(ctx, lock, jobId, job, action === 'rollback' ? 'rollback' : 'forward', run)),
    ),
  );
  done.then(
    () => settle(null),
    (error: Error) => settle(error),
  );
  // Runs and resumes do not wait for it: their failures are the job's, recorded on it.
  checked.catch(() => {});
  return checked;
}

/** The job, when `action` is valid for it now; ACTION_NOT_ALLOWED (saying why) otherwise. */
async function jobFor(ctx: ConsoleContext, jobId: string, action: 'resume' | 'rollback' | 'discard', what: string): Promise<{ detail: RestoreDetail }> {
  assertWritable(ctx, what);
  const { record, detail } = await readRestore(ctx.pools.primary(), jobId);
  const here = ctx.jobs.isRunning(jobId);
  const live = here || (record.state === 'running' && (await isLive(ctx, jobId)));
  const allowed = restoreActions(record, detail, here, live);
  // Resuming verifies: with the hash the job was recorded with, or not at all.
  if (action === 'resume' && allowed.includes(action)) rowHashOf(detail, jobId);
  if (action === 'discard' && detail.discarded)
    throw new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `Restore job ${jobId} was discarded already: what it kept (${detail.plan.schema ? `schema ${detail.plan.schema}` : 'the rows from before the restore'}) is gone, nothing is left to drop.`,
      { target: jobId },
    );
  if (!allowed.includes(action)) {
    const now = toRestoreJob(record, detail, here, live);
    const offered = allowed.length ? ` It offers: ${allowed.join(', ')}.` : '';
    throw new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `Restore job ${jobId} is ${live ? 'running' : now.state} at step ${detail.step}, so it cannot be ${action === 'resume' ? 'resumed' : action === 'rollback' ? 'rolled back' : 'discarded'}.${offered}`,
      { target: jobId },
    );
  }
  return { detail };
}

export async function resumeRestore(ctx: ConsoleContext, jobId: string, caller: string): Promise<RestoreJob> {
  const { detail } = await jobFor(ctx, jobId, 'resume', 'Resuming a restore');
  runInBackground(ctx, jobId, caller, 'resume', restoreTitle(detail.request, detail.plan.target));
  return restoreJobView(ctx, jobId);
}

export async function rollbackRestore(ctx: ConsoleContext, jobId: string, caller: string, options: { discardChanges?: boolean } = {}): Promise<RestoreJob> {
  const { detail } = await jobFor(ctx, jobId, 'rollback', 'Rolling back a restore');
  // Writes made since a finished replace would go with the restored rows: the rollback checks first, and
  // its refusal is this call's, unless the changes may go.
  await runInBackground(ctx, jobId, caller, 'rollback', restoreTitle(detail.request, detail.plan.target, 'Roll back the restore of'), {
    check: !options.discardChanges,
  });
  return restoreJobView(ctx, jobId);
}

/** Drops what a succeeded restore kept aside: a replace's held rows, a side-by-side restore's schema. */
export async function discardRestore(ctx: ConsoleContext, jobId: string): Promise<RestoreJob> {
  const { detail } = await jobFor(ctx, jobId, 'discard', 'Discarding what a restore kept');
  const primary = ctx.pools.primary();
  await audited(
    primary,
    { action: 'restore.discard', target: jobId, details: { mode: detail.request.mode, target: detail.plan.target, schema: detail.plan.schema } },
    () => withJobLock(primary, jobId, 'Restore job', () => discardKept(ctx, jobId)),
  );
  return restoreJobView(ctx, jobId);
}

/**
 * The discard's work, run under the job's lock: the job is read and checked again there, since a rollback
 * may have run between the request's check and the lock (the job then says rolled_back, and a detail read
 * before it would be written back over it).
 */
export async function discardKept(ctx: ConsoleContext, jobId: string): Promise<void> {
  const { detail } = await jobFor(ctx, jobId, 'discard', 'Discarding what a restore kept');
  const handle = ctx.pools.get(detail.plan.target);
  if (detail.plan.schema) await dropRestoreSchema(handle, detail.plan.schema, planSideTables(detail.plan), jobId);
  else await dropHeldRows(handle, jobId);
  detail.discarded = true;
  // What a refused rollback left on the job is moot once nothing is kept to roll back to.
  await saveDetail(ctx.pools.primary(), jobId, detail, { error: null });
}

/** Drops a side-by-side restore's schema, found on the database named or on whichever database has it. */
export async function dropSideSchema(
  ctx: ConsoleContext,
  schema: string,
  database: string | undefined,
): Promise<{ database: string; schema: string; tables: number }> {
  assertWritable(ctx, 'Dropping a restore schema');
  const names = database ? [ctx.pools.get(database).target.name] : ctx.pools.targets.map((t) => t.name);
  const holding: Array<{ name: string; job: string }> = [];
  for (const name of names) {
    const job = (await restoreSchemas(ctx.pools.get(name))).get(schema);
    if (job) holding.push({ name, job });
  }
  if (holding.length === 0) {
    throw new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `No side-by-side restore schema named ${schema} on ${names.join(', ')}: the console drops only the schemas its restores created (and marked). Check the name (shard-console restores lists them).`,
      { target: schema },
    );
  }
  if (holding.length > 1)
    throw new ConsoleError('INVALID_PARAMS', `Restore schemas named ${schema} are on ${holding.map((h) => h.name).join(' and ')}: name the database (--to).`, {
      target: schema,
    });
  const { name, job } = holding[0]!;
  const primary = ctx.pools.primary();
  // Under the job's lock: never beneath a restore still loading into the schema, nor beside its rollback.
  const tables = await audited(primary, { action: 'restore.drop-schema', target: schema, details: { database: name, job } }, () =>
    withJobLock(primary, job, 'Restore job', async () => {
      const detail = await sideJobDetail(ctx, job, name, schema);
      const dropped = await dropRestoreSchema(ctx.pools.get(name), schema, planSideTables(detail.plan), job);
      detail.discarded = true;
      await saveDetail(primary, job, detail);
      return dropped;
    }),
  );
  return { database: name, schema, tables };
}

/**
 * The record of the job that made the schema: a mark alone (a comment anyone can copy) is no proof, the
 * job's own record is, and its plan names the tables that are the console's to drop. A job that has not
 * finished keeps its schema until it is rolled back (which drops it) or resumed.
 */
async function sideJobDetail(ctx: ConsoleContext, jobId: string, database: string, schema: string): Promise<RestoreDetail> {
  const found = await readRestore(ctx.pools.primary(), jobId).catch(() => null);
  if (found === null || found.detail.plan.schema !== schema || found.detail.plan.target !== database) {
    throw new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `Schema ${schema} on ${database} is marked as made by restore job ${jobId}, but this console has no such job restoring into it (shard-console restores lists them), so it will not drop it. Drop it yourself if you mean to.`,
      { target: schema },
    );
  }
  const state = visibleState(found.record, false);
  if (state !== 'succeeded') {
    throw new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `Restore job ${jobId}, which made schema ${schema}, is ${state} at step ${found.detail.step}: roll it back (shard-console restore rollback ${jobId}), which drops the schema, or resume it. Nothing was dropped.`,
      { target: schema },
    );
  }
  return found.detail;
}
