import type { MoveJob, PreflightResult, ViewRefresh } from '../../../shared/methods/move-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { audited } from '../console-schema/audit-log.ts';
import type { ConsoleContext } from '../console-context.ts';
import { createJob, getJob, isPastSwitch, listJobs, liveJobIds, stepIndex, toMoveJob, updateJob, validActions, type StoredJob } from './move-job-store.ts';
import { preflightMove, rowsOnDatabase } from './move-preflight.ts';
import { moveProgressReporter, runSteps, withJobLock, type MoveListener } from './move-runner.ts';
import { deleteWebsiteRows } from './delete-website-rows.ts';
import { refreshMaterializedViews } from './refresh-views.ts';
import { scopedTables } from './tenant-scope.ts';
import { liftFence } from './write-fence.ts';
import { assertWritable } from '../read-only-guard.ts';
import { databaseForShard, findWebsite } from '../tenants/website-routing.ts';

async function present(ctx: ConsoleContext, row: StoredJob): Promise<MoveJob> {
  const live = await liveJobIds(ctx.pools.primary(), [row.id]);
  return toMoveJob(row, live.has(row.id) || ctx.jobs.isRunning(row.id));
}

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
  return audited(primary, { action: 'move.create', target: String(websiteId), details: { from: result.plan.source, to: target, viewRefresh: result.plan.viewRefresh } }, async () => {
    const job = await createJob(primary, { websiteId, source: result.plan!.source, target, plan: result.plan! });
    await primary.query(`UPDATE shard_console.move_jobs SET step = 'fence' WHERE id = $1`, [job.id]);
    return getJob(primary, job.id);
  });
}

/** Runs (or resumes) a job in this process until it ends; throws on failure after recording it. */
/** The job, if its state allows running or resuming it now; ACTION_NOT_ALLOWED otherwise. */
export async function runnableJob(ctx: ConsoleContext, jobId: string): Promise<StoredJob> {
  assertWritable(ctx, 'Running a move');
  const primary = ctx.pools.primary();
  const job = await getJob(primary, jobId);
  const live = await liveJobIds(primary, [jobId]);
  const allowed = validActions(job, live.has(jobId));
  if (!allowed.includes('run') && !allowed.includes('resume')) {
    throw new ConsoleError('ACTION_NOT_ALLOWED', `Move job ${jobId} is ${live.has(jobId) ? 'running in another console' : job.state}; it cannot be run or resumed.`, { target: jobId });
  }
  return job;
}

export async function runMove(ctx: ConsoleContext, jobId: string, listener?: MoveListener): Promise<StoredJob> {
  const job = await runnableJob(ctx, jobId);
  const primary = ctx.pools.primary();
  return audited(primary, { action: job.state === 'planned' ? 'move.run' : 'move.resume', target: jobId, details: { step: job.step } }, () =>
    withJobLock(ctx, jobId, (lock) => runSteps(ctx, lock, jobId, listener)),
  );
}

/** Jobs this console is running (moves, resumes, rollbacks started in the background). */
export function movesRunningHere(ctx: ConsoleContext): string[] {
  return ctx.jobs.history().filter((j) => j.kind === 'move' && j.state === 'running').map((j) => j.id);
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
  const { done } = ctx.jobs.start({ id: job.id, kind: 'move', title: moveTitle(job), caller }, (running) => runMove(ctx, job.id, moveProgressReporter(running, job)));
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
      await ctx.pools
        .primary()
        .query(`UPDATE shard_console.move_jobs SET error = $2, updated_at = now() WHERE id = $1`, [jobId, `Rollback failed: ${message}`])
        .catch(() => {});
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
  const busy = live.has(jobId) || ctx.jobs.isRunning(jobId);
  if (!validActions(job, busy).includes('rollback')) {
    throw new ConsoleError('ACTION_NOT_ALLOWED', `Move job ${jobId} is ${busy ? 'running' : job.state}; only a failed or interrupted move can be rolled back.`, { target: jobId });
  }
  return job;
}

async function performRollback(ctx: ConsoleContext, job: StoredJob, listener?: MoveListener): Promise<StoredJob> {
  const jobId = job.id;
  const primary = ctx.pools.primary();
  return audited(primary, { action: 'move.rollback', target: jobId, details: { step: job.step } }, async () => {
    if (!isPastSwitch(job.step)) {
      await withJobLock(ctx, jobId, async (lock) => {
        const website = await findWebsite(ctx, job.website_id);
        if (databaseForShard(ctx, website) !== job.source) {
          throw new ConsoleError('ACTION_NOT_ALLOWED', `Website ${job.website_id} routes to ${website.shard}, not ${job.source}: the switch happened after all. Resume the job instead.`, { target: jobId });
        }
        const [sourceCatalog, targetCatalog] = await Promise.all([ctx.catalog.get(job.source, { refresh: true }), ctx.catalog.get(job.target, { refresh: true })]);
        if (stepIndex(job.step) >= stepIndex('copy')) {
          await deleteWebsiteRows(ctx.pools.get(job.target), targetCatalog, scopedTables(targetCatalog), job.website_id);
          // The target's views are refreshed from the copy on, with the copied rows in them: take them out again.
          await refreshMaterializedViews(ctx.pools.get(job.target), targetCatalog, job.plan?.viewRefresh ?? 'concurrently');
        }
        await liftFence(ctx.pools.get(job.source), scopedTables(sourceCatalog), job.website_id);
        await updateJob(lock, jobId, { state: 'rolled_back', finished: true });
      });
      return getJob(primary, jobId);
    }
    await withJobLock(ctx, jobId, (lock) => runSteps(ctx, lock, jobId, listener));
    const back = await createMove(ctx, job.website_id, job.source);
    await primary.query(`UPDATE shard_console.move_jobs SET rollback_of = $2 WHERE id = $1`, [back.id, jobId]);
    await primary.query(`UPDATE shard_console.move_jobs SET state = 'rolled_back', rollback_job = $2, updated_at = now() WHERE id = $1`, [jobId, back.id]);
    await runMove(ctx, back.id, listener);
    return getJob(primary, jobId);
  });
}

export async function cancelMove(ctx: ConsoleContext, jobId: string): Promise<StoredJob> {
  assertWritable(ctx, 'Cancelling a move');
  const primary = ctx.pools.primary();
  const job = await getJob(primary, jobId);
  if (job.state !== 'planned') throw new ConsoleError('ACTION_NOT_ALLOWED', `Move job ${jobId} is ${job.state}; only a planned move can be cancelled (roll back a started one).`, { target: jobId });
  return audited(primary, { action: 'move.cancel', target: jobId }, async () => {
    await primary.query(`UPDATE shard_console.move_jobs SET state = 'cancelled', finished_at = now(), updated_at = now() WHERE id = $1 AND state = 'planned'`, [jobId]);
    return getJob(primary, jobId);
  });
}

export async function moveJobView(ctx: ConsoleContext, jobId: string): Promise<MoveJob> {
  return present(ctx, await getJob(ctx.pools.primary(), jobId));
}

export async function moveJobsView(ctx: ConsoleContext, options: { websiteId?: number; limit: number }): Promise<MoveJob[]> {
  const rows = await listJobs(ctx.pools.primary(), options);
  const live = await liveJobIds(ctx.pools.primary(), rows.map((r) => r.id));
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
