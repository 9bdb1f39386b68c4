import type pg from 'pg';
import { isPastSwitch, moveStepIndex, type MoveJob, type PreflightResult, type ViewRefresh } from '../../../shared/methods/move-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { audited } from '../console-schema/audit-log.ts';
import { failpoint } from './move-failpoints.ts';
import type { ConsoleContext } from '../console-context.ts';
import { liveJobIds } from '../jobs/job-lock.ts';
import {
  advanceStep,
  cancelPlannedJob,
  createJob,
  getJob,
  linkRollback,
  listJobs,
  recordRollbackFailure,
  toMoveJob,
  updateJob,
  validActions,
  type StoredJob,
} from './move-job-store.ts';
import { preflightMove, rowsOnDatabase } from './move-preflight.ts';
import { moveProgressReporter, runSteps, withJobLock, type MoveListener } from './move-runner.ts';
import { deleteWebsiteRows } from './delete-website-rows.ts';
import { refreshMaterializedViews } from './refresh-views.ts';
import { scopedTables } from './tenant-scope.ts';
import { liftFence } from './write-fence.ts';
import { assertWritable } from '../read-only-guard.ts';
import { databaseForShard, findWebsite } from '../tenants/website-routing.ts';

export interface MoveOptions {
  readonly source?: string;
  readonly viewRefresh?: ViewRefresh;
}

export async function previewMove(ctx: ConsoleContext, websiteId: number, target: string, options: MoveOptions = {}): Promise<PreflightResult> {
  return (await preflightMove(ctx, websiteId, target, options.source, options.viewRefresh)).result;
}

/** Preflight, then record the job (refusing changes nothing). The job starts at the fence: preflight just ran. */
export async function createMove(ctx: ConsoleContext, websiteId: number, target: string, options: MoveOptions = {}): Promise<StoredJob> {
  assertWritable(ctx, 'Moving a website');
  const { result } = await preflightMove(ctx, websiteId, target, options.source, options.viewRefresh);
  if (!result.ok || !result.plan) {
    throw new ConsoleError('MOVE_REFUSED', `Move of website ${websiteId} to ${target} refused: ${result.refusals.map((r) => r.message).join(' ')}`, {
      target: String(websiteId),
      details: { refusals: result.refusals },
    });
  }
  const primary = ctx.pools.primary();
  const plan = result.plan;
  const details = { from: plan.source, to: target, viewRefresh: plan.viewRefresh };
  return audited(primary, { action: 'move.create', target: String(websiteId), details }, async () => {
    const job = await createJob(primary, { websiteId, source: plan.source, target, plan });
    await advanceStep(primary, job.id, 'fence');
    return getJob(primary, job.id);
  });
}

/** The job, if its state allows running or resuming it now; ACTION_NOT_ALLOWED otherwise. */
export async function runnableJob(ctx: ConsoleContext, jobId: string): Promise<StoredJob> {
  assertWritable(ctx, 'Running a move');
  const primary = ctx.pools.primary();
  const job = await getJob(primary, jobId);
  const live = await liveJobIds(primary, [jobId]);
  const allowed = validActions(job, live.has(jobId));
  if (!allowed.includes('run') && !allowed.includes('resume')) {
    const now = live.has(jobId) ? 'running in another console' : job.state;
    throw new ConsoleError('ACTION_NOT_ALLOWED', `Move job ${jobId} is ${now}; it cannot be run or resumed.`, { target: jobId });
  }
  return job;
}

/** Runs (or resumes) a job in this process until it ends; throws on failure after recording it. */
export async function runMove(ctx: ConsoleContext, jobId: string, listener?: MoveListener): Promise<StoredJob> {
  const job = await runnableJob(ctx, jobId);
  const primary = ctx.pools.primary();
  return audited(primary, { action: job.state === 'planned' ? 'move.run' : 'move.resume', target: jobId, details: { step: job.step } }, () =>
    withJobLock(ctx, jobId, (lock) => runSteps(ctx, lock, jobId, listener)),
  );
}

/** Jobs this console is running (moves, resumes, rollbacks started in the background). */
export function movesRunningHere(ctx: ConsoleContext): string[] {
  return ctx.jobs
    .history()
    .filter((j) => j.kind === 'move' && j.state === 'running')
    .map((j) => j.id);
}

function moveTitle(job: Pick<StoredJob, 'website_id' | 'source' | 'target'>, verb = 'Move'): string {
  return `${verb} website ${job.website_id} from ${job.source} to ${job.target}`;
}

/**
 * Runs (or resumes) a move as a job of this console: it goes on after the call that started it returns,
 * reports progress to whoever follows it, and stops at a safe point when asked. A failure is recorded
 * on the job by the runner, never unhandled.
 */
export function runMoveInBackground(ctx: ConsoleContext, job: StoredJob, caller: string): void {
  const { done } = ctx.jobs.start({ id: job.id, kind: 'move', title: moveTitle(job), caller }, (running) =>
    runMove(ctx, job.id, moveProgressReporter(running, job)),
  );
  done.catch(() => {});
}

/**
 * Undo: before the switch, drop what was copied to the target and lift the fence; after it, finish the
 * forward move's cleanup and move the website back with a new job (the target may have taken writes).
 */
export async function rollbackMove(ctx: ConsoleContext, jobId: string, listener?: MoveListener): Promise<StoredJob> {
  return performRollback(ctx, await rollbackableJob(ctx, jobId), listener);
}

/**
 * Checks now (refusing with ACTION_NOT_ALLOWED or READ_ONLY), then rolls back in the background like a
 * start or a resume: after the switch a rollback is a whole move back. A failure is written on the job.
 */
export async function rollbackMoveInBackground(ctx: ConsoleContext, jobId: string, caller: string): Promise<void> {
  const job = await rollbackableJob(ctx, jobId);
  const { done } = ctx.jobs.start({ id: jobId, kind: 'move', title: moveTitle(job, 'Roll back the move of'), caller }, (running) =>
    performRollback(ctx, job, moveProgressReporter(running, job)).catch(async (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      await recordRollbackFailure(ctx.pools.primary(), jobId, message).catch(() => {});
      throw error;
    }),
  );
  done.catch(() => {});
}

async function rollbackableJob(ctx: ConsoleContext, jobId: string): Promise<StoredJob> {
  assertWritable(ctx, 'Rolling back a move');
  const primary = ctx.pools.primary();
  const job = await getJob(primary, jobId);
  const live = await liveJobIds(primary, [jobId]);
  assertRollbackable(job, live.has(jobId) || ctx.jobs.isRunning(jobId));
  return job;
}

function assertRollbackable(job: StoredJob, busy: boolean): void {
  if (!validActions(job, busy).includes('rollback')) {
    const now = busy ? 'running' : job.state;
    throw new ConsoleError('ACTION_NOT_ALLOWED', `Move job ${job.id} is ${now}; only a failed or interrupted move can be rolled back.`, { target: job.id });
  }
}

/**
 * `checked` was read before the job's lock was taken: another console may have resumed the job in
 * between (copied rows, or switched) and let it go again. So the job is read again under the lock, and
 * the rollback acts on where it is now, not on where it was when asked.
 */
export async function performRollback(ctx: ConsoleContext, checked: StoredJob, listener?: MoveListener): Promise<StoredJob> {
  const jobId = checked.id;
  const primary = ctx.pools.primary();
  return audited(primary, { action: 'move.rollback', target: jobId, details: { step: checked.step } }, async () => {
    const switched = await withJobLock(ctx, jobId, async (lock) => {
      const job = await getJob(primary, jobId);
      assertRollbackable(job, false);
      if (!isPastSwitch(job.step)) return rollBackBeforeSwitch(ctx, lock, job).then(() => null);
      // After the switch: finish the move (its cleanup), then move the website back with a new job.
      await runSteps(ctx, lock, jobId, listener);
      return job;
    });
    if (switched) await moveBack(ctx, switched, listener);
    return getJob(primary, jobId);
  });
}

/** Drops what the job copied to the target (and its views' copy of it), lifts the fence: the website never left. */
async function rollBackBeforeSwitch(ctx: ConsoleContext, lock: pg.PoolClient, job: StoredJob): Promise<void> {
  const website = await findWebsite(ctx, job.website_id);
  if (databaseForShard(ctx, website) !== job.source) {
    const message = `Website ${job.website_id} routes to "${website.shard}", not "${job.source}", though this move never switched it (its shard_name was changed outside the move); nothing was changed. Set its shard_name back to "${job.source}" (the database that holds its rows), then roll back again.`;
    throw new ConsoleError('ACTION_NOT_ALLOWED', message, { target: job.id });
  }
  // Nothing was copied before the copy step: the target is not needed (it may be the reason to roll back).
  if (moveStepIndex(job.step) >= moveStepIndex('copy')) {
    const targetCatalog = await ctx.catalog.get(job.target, { refresh: true });
    await deleteWebsiteRows(ctx.pools.get(job.target), targetCatalog, scopedTables(targetCatalog), job.website_id);
    failpoint('rollback:deleted');
    // The target's views are refreshed from the copy on, with the copied rows in them: take them out again.
    await refreshMaterializedViews(ctx.pools.get(job.target), targetCatalog, job.plan?.viewRefresh ?? 'concurrently');
  }
  await liftFence(ctx.pools.get(job.source), job.website_id, job.id);
  failpoint('rollback:unfenced');
  await updateJob(lock, job.id, { state: 'rolled_back', finished: true });
}

/** A switched job, its cleanup done: the website moves back with a new job linked to this one. */
async function moveBack(ctx: ConsoleContext, job: StoredJob, listener: MoveListener | undefined): Promise<void> {
  const back = await createMove(ctx, job.website_id, job.source);
  await linkRollback(ctx.pools.primary(), job.id, back.id);
  await runMove(ctx, back.id, listener);
}

/**
 * Under the job's lock: a console that has started the job holds it (JOB_BUSY), and a runner that
 * takes it after the cancel finds the job cancelled and does nothing. Unlocked, a cancel landing
 * between a runner's read of the planned job and its first step was overwritten by that step, and the
 * "cancelled" move ran to the end.
 */
export async function cancelMove(ctx: ConsoleContext, jobId: string): Promise<StoredJob> {
  assertWritable(ctx, 'Cancelling a move');
  const primary = ctx.pools.primary();
  const planned = (job: StoredJob) => {
    if (job.state === 'planned' && !ctx.jobs.isRunning(jobId)) return;
    const now = job.state === 'planned' ? 'starting in this console' : job.state;
    throw new ConsoleError('ACTION_NOT_ALLOWED', `Move job ${jobId} is ${now}; only a planned move can be cancelled (roll back a started one).`, {
      target: jobId,
    });
  };
  planned(await getJob(primary, jobId));
  return audited(primary, { action: 'move.cancel', target: jobId }, () =>
    withJobLock(ctx, jobId, async () => {
      planned(await getJob(primary, jobId));
      await cancelPlannedJob(primary, jobId);
      return getJob(primary, jobId);
    }),
  );
}

/** One job as the contract shows it, `live` when a console (this one or another) is running it. */
export async function moveJobView(ctx: ConsoleContext, jobId: string): Promise<MoveJob> {
  const row = await getJob(ctx.pools.primary(), jobId);
  const live = await liveJobIds(ctx.pools.primary(), [row.id]);
  return toMoveJob(row, live.has(row.id) || ctx.jobs.isRunning(row.id));
}

export async function moveJobsView(ctx: ConsoleContext, options: { websiteId?: number; limit: number }): Promise<MoveJob[]> {
  const rows = await listJobs(ctx.pools.primary(), options);
  const live = await liveJobIds(
    ctx.pools.primary(),
    rows.map((r) => r.id),
  );
  return rows.map((r) => toMoveJob(r, live.has(r.id) || ctx.jobs.isRunning(r.id)));
}

/** Where a website's rows are: all on its shard and nowhere else, or the databases and tables holding strays. */
export async function verifyPlacement(ctx: ConsoleContext, websiteId: number) {
  const website = await findWebsite(ctx, websiteId);
  const home = databaseForShard(ctx, website);
  const misplaced: Array<{ database: string; table: string; rows: number }> = [];
  await Promise.all(
    ctx.pools.targets
      .filter((t) => t.name !== home)
      .map(async (t) => {
        const catalog = await ctx.catalog.get(t.name);
        const rows = await rowsOnDatabase(ctx.pools.get(t.name), catalog, scopedTables(catalog), websiteId);
        for (const r of rows) if (r.rows > 0) misplaced.push({ database: t.name, table: r.table, rows: r.rows });
      }),
  );
  misplaced.sort((a, b) => a.database.localeCompare(b.database) || a.table.localeCompare(b.table));
  return { id: websiteId, shard: website.shard, ok: misplaced.length === 0, misplaced };
}
