import type pg from 'pg';
import { isPastSwitch, MOVE_STEPS, moveStepIndex, type MoveStep } from '../../../shared/methods/move-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { currentSignal, stopIfRequested } from '../call-context.ts';
import { withJobLock as withLock } from '../jobs/job-lock.ts';
import type { RunningJob } from '../jobs/job-registry.ts';
import { failpoint } from './move-failpoints.ts';
import { getJob, markRefreshed, recordStep, updateJob, type StoredJob } from './move-job-store.ts';
import { overallProgress } from '../jobs/overall-progress.ts';
import { openMoveRun, type MoveListener, type MoveRun } from './move-run.ts';
import { MOVE_STEP_RUNNERS } from './move-steps.ts';
import { fencingJobs, installFence, tablesLackingFence } from './write-fence.ts';

export type { MoveListener } from './move-run.ts';

/**
 * A move's events as job progress: during the copy, rows copied of all tables against the plan's total;
 * otherwise the step reached of the steps there are.
 */
export function moveProgressReporter(job: RunningJob, stored: Pick<StoredJob, 'plan'>): MoveListener {
  const copied = new Map<string, number>();
  const planned = stored.plan?.totalRows ?? null;
  // Never back, never past the end: a table's real count at its end replaces an estimate from bytes, and
  // the plan counted the rows when it was made (rows deleted since, or added, change the real total).
  let shown = 0;
  return (event) => {
    if (event.progress) {
      copied.set(event.progress.table, event.progress.copiedRows);
      const done = (shown = Math.max(
        shown,
        [...copied.values()].reduce((a, b) => a + b, 0),
      ));
      const total = planned === null ? null : Math.max(planned, done);
      const message = `copy ${event.progress.table}: ${event.progress.copiedRows}/${event.progress.totalRows} rows`;
      const overall = overallProgress(MOVE_STEPS, 'copy', total ? done / total : 0, MOVE_STEP_WEIGHTS);
      job.progress({ phase: 'copy', done, total, unit: 'rows', message, overall });
      return;
    }
    const message = event.message ? { message: event.message } : {};
    const overall = overallProgress(MOVE_STEPS, event.step, 0, MOVE_STEP_WEIGHTS);
    job.progress({ phase: event.step, done: moveStepIndex(event.step), total: MOVE_STEPS.length - 1, unit: 'steps', ...message, overall });
  };
}

/**
 * A move's steps by their share of its time (`npm run bench -- move`: the copy about half, verification
 * and clean-up most of the rest), so its one bar moves about evenly; unsaid steps take a moment.
 */
export const MOVE_STEP_WEIGHTS: Partial<Record<MoveStep, number>> = { preflight: 0, copy: 50, verify: 18, cleanup: 25, done: 0 };

/** The move job's lock on a dedicated primary session (jobs/job-lock.ts): held for the whole run, gone if the process dies. */
export function withJobLock<T>(ctx: ConsoleContext, jobId: string, run: (lock: pg.PoolClient) => Promise<T>): Promise<T> {
  return withLock(ctx.pools.primary(), jobId, 'Move job', run);
}

/**
 * Runs a move job from the step it is at to `until` (the end unless a test stops earlier). Each step is
 * recorded before it runs and is safe to run again, so a job interrupted anywhere (a crash, a kill, an
 * unreachable database) resumes here.
 */
export async function runSteps(
  ctx: ConsoleContext,
  lock: pg.PoolClient,
  jobId: string,
  listener: MoveListener = () => {},
  until: MoveStep = 'done',
): Promise<StoredJob> {
  const job = await getJob(ctx.pools.primary(), jobId);
  if (job.state === 'succeeded' || job.state === 'rolled_back' || job.state === 'cancelled') return job;
  const source = ctx.pools.get(job.source);
  const target = ctx.pools.get(job.target);
  const timings: Record<string, number> = { ...job.timings };
  let at: MoveStep = job.step;
  let run: MoveRun | null = null;
  try {
    run = await openMoveRun({ ctx, lock, job, listener, source, target, timings });
    if (moveStepIndex(job.step) > moveStepIndex('fence') && !isPastSwitch(job.step)) await fenceNewTables(run);
    for (const step of MOVE_STEPS.slice(moveStepIndex(firstStepOf(job)), moveStepIndex(until) + 1)) {
      at = step;
      await runStep(run, step);
    }
    // Stopped before the cleanup (`until`): a refresh still running holds a target session; let it end.
    if ((await run.targetViews.settled()).length) await markRefreshed(lock, jobId, job.target);
    return await getJob(ctx.pools.primary(), jobId);
  } catch (error) {
    // Whatever failed, a refresh still running ends first: it holds a target session, and a rollback
    // refreshes the views again after taking the copied rows out.
    await run?.targetViews.settled();
    const stop = currentSignal();
    if (stop?.aborted) throw await recordStop(lock, jobId, at, timings, stop.reason);
    throw await recordFailure(lock, jobId, timings, error);
  }
}

/**
 * Where a run starts: the job's step, except a switch that never committed (the job was left at it) is
 * verified again first. Anything may have happened to the target meanwhile: a rollback killed after it
 * took the copied rows out left the job right there, and switching then would route the website to a
 * target without its rows, whose source the cleanup would then empty.
 */
function firstStepOf(job: StoredJob): MoveStep {
  return job.step === 'switch' ? 'verify' : job.step;
}

/**
 * A job taken up again behind its fence: the tenant tables were read again, and one a migration added
 * meanwhile is copied, verified and cleaned up with the rest, so it is fenced as they are (its
 * website's writes after the verification would be deleted by the cleanup). Only the tables without
 * the fence (no wait for older transactions when there are none), and only while the job's fence
 * stands: one a stopped rollback lifted stays lifted (the switch refuses, saying to roll back).
 */
async function fenceNewTables(run: MoveRun): Promise<void> {
  const { job, source } = run;
  if (!(await fencingJobs(source, job.website_id)).includes(job.id)) return;
  const lacking = await tablesLackingFence(source, run.tables);
  if (lacking.length) await installFence(source, run.sourceCatalog, lacking, job.website_id, job.id);
}

async function runStep(run: MoveRun, step: MoveStep): Promise<void> {
  // A safe point: the step before is recorded and whole, this one has not started.
  stopIfRequested();
  failpoint(`before:${step}`);
  await recordStep(run.lock, run.job.id, step);
  run.listener({ jobId: run.job.id, step });
  const started = performance.now();
  await MOVE_STEP_RUNNERS[step](run);
  run.timings[step] = Math.round(performance.now() - started);
  await updateJob(run.lock, run.job.id, { timings: run.timings });
  failpoint(`after:${step}`);
}

/**
 * Stopped on request: the job stays `running` with no console holding it, which is what an interrupted
 * job looks like, so it resumes (or rolls back) from the step it was at. Returns the error to throw.
 */
async function recordStop(lock: pg.PoolClient, jobId: string, at: MoveStep, timings: Record<string, number>, reason: unknown): Promise<ConsoleError> {
  const message = reason instanceof ConsoleError ? reason.message : 'Stopped on request.';
  await updateJob(lock, jobId, { error: `${message} It stopped during the ${at} step: resume or roll it back.`, timings }).catch(() => {});
  return reason instanceof ConsoleError ? reason : new ConsoleError('CANCELLED', message, { target: jobId });
}

/** Records the job failed with the error's message; returns the error to throw. */
async function recordFailure(lock: pg.PoolClient, jobId: string, timings: Record<string, number>, error: unknown): Promise<unknown> {
  const message = error instanceof Error ? error.message : String(error);
  await updateJob(lock, jobId, { state: 'failed', error: message, timings }).catch(() => {});
  if (error instanceof ConsoleError) return error;
  const advice = `Resume it (shard-console move resume ${jobId}) or roll it back.`;
  return new ConsoleError('MOVE_FAILED', `Move job ${jobId} failed: ${message}. ${advice}`, { target: jobId, cause: error });
}
