import type pg from 'pg';
import { RESTORE_ROLLBACK_STEPS, type RestoreStep } from '../../../shared/methods/restore-methods.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import type { PgDumpArchive } from '../backups/archive/pg-dump-archive.ts';
import { currentSignal, stopIfRequested } from '../call-context.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { RunningJob } from '../jobs/job-registry.ts';
import type { JobRecord } from '../jobs/job-store.ts';
import { failpoint } from '../moves/move-failpoints.ts';
import { maySkipTriggers, withSession } from '../moves/replica-role.ts';
import { scopedTables } from '../moves/tenant-scope.ts';
import { readRestore, reached, restoreActions, saveDetail, visibleState, MODE_STEPS, RESTORE_STEP_WEIGHTS, type RestoreDetail } from './restore-job-store.ts';
import { overallProgress } from '../jobs/overall-progress.ts';
import { restoreSchemas } from './restore-marks.ts';
import { RollbackRefused, rollsBackFinishedReplace } from './rollback-check.ts';
import { tableRules } from './restore-preflight.ts';
import { reopenArchive } from './restore-source.ts';
import { fenceNewTables, rollbackRemovalRefusal, STEP_WORK, type RunState } from './restore-steps.ts';
import { restoreTables } from './restore-tables.ts';

/**
 * The steps a rollback runs, from how far the restore got. A replace that had not cleared the website's
 * rows yet left them in place: dropping what it held and lifting the fence undoes it. Past that, the
 * rows now there go and the held ones come back.
 */
export function rollbackSteps(detail: Pick<RestoreDetail, 'request' | 'step' | 'rollbackFrom' | 'rollbackCheck'>): RestoreStep[] {
  const { mode } = detail.request;
  const runs = (step: RestoreStep): boolean => {
    if (mode === 'empty') return (step !== 'rollback:remove' && step !== 'rollback:views') || reached(detail, 'load');
    if (mode !== 'replace') return true;
    if (!reached(detail, 'clear')) return step === 'rollback:unfence' || step === 'rollback:drop' || step === 'rolled_back';
    return step !== 'rollback:check' || detail.rollbackCheck === true;
  };
  return RESTORE_ROLLBACK_STEPS[mode].filter(runs);
}

/** Catalogs fresh, the live tenant tables (restore schemas left out), and for a forward run the archive and its tables. */
async function setUp(
  ctx: ConsoleContext,
  lock: pg.PoolClient,
  jobId: string,
  detail: RestoreDetail,
  job: RunningJob | null,
  forward: boolean,
  onClose: Array<() => Promise<void>>,
): Promise<RunState> {
  const { plan } = detail;
  const target = ctx.pools.get(plan.target);
  const catalog = await ctx.catalog.get(plan.target, { refresh: true });
  const excluded = new Set((await restoreSchemas(target)).keys());
  const scoped = scopedTables(catalog).filter((t) => !excluded.has(t.table.schema));
  const homeName = ctx.pools.has(plan.routedTo) ? plan.routedTo : plan.target;
  const homeCatalog = homeName === plan.target ? catalog : await ctx.catalog.get(homeName, { refresh: true });
  const homeExcluded = homeName === plan.target ? excluded : new Set((await restoreSchemas(ctx.pools.get(homeName))).keys());
  const home = { handle: ctx.pools.get(homeName), catalog: homeCatalog, scoped: scopedTables(homeCatalog).filter((t) => !homeExcluded.has(t.table.schema)) };
  let opened: PgDumpArchive | null = null;
  const archive = async () => {
    if (opened === null) {
      const fresh = await reopenArchive(plan.source, detail.fingerprint);
      onClose.push(() => fresh.close());
      opened = fresh;
    }
    return opened;
  };
  const tables = forward ? await tablesToRestore(ctx, detail, catalog, excluded, archive, jobId) : [];
  let saving: Promise<void> = Promise.resolve();
  const save = () => (saving = saving.catch(() => {}).then(() => saveDetail(ctx.pools.primary(), jobId, detail)));
  const replica = await withSession(target, maySkipTriggers);
  return {
    ctx,
    lock,
    jobId,
    detail,
    job,
    target,
    catalog,
    scoped,
    tables,
    home,
    replica,
    archive,
    save,
    readBack: { found: null },
    views: { refreshed: null },
  };
}

/**
 * The archive's tables as the live schema takes them, refused when it no longer does. Only the steps up
 * to verify read the archive: a job past them (switched, refreshing its views, lifting its fence)
 * finishes without it, whatever became of the file or of the schema since.
 */
async function tablesToRestore(
  ctx: ConsoleContext,
  detail: RestoreDetail,
  catalog: RunState['catalog'],
  excluded: ReadonlySet<string>,
  archive: () => Promise<PgDumpArchive>,
  jobId: string,
): Promise<RunState['tables']> {
  const steps = MODE_STEPS[detail.request.mode];
  if (steps.indexOf(detail.step) > steps.indexOf('verify')) return [];
  const found = restoreTables(catalog, await archive(), tableRules(ctx), excluded, detail.request.mode);
  if (found.refusals.length)
    throw new ConsoleError(
      'RESTORE_FAILED',
      `The live schema changed since the restore was planned: ${found.refusals.map((r) => r.message).join(' ')} Roll the job back.`,
      { target: jobId },
    );
  return found.tables;
}

export interface RunOptions {
  /** A rollback of a finished replace checks the website did not change since (rollback-check.ts). */
  readonly check?: boolean;
  /** Told once whether the rollback may go on: null once its check passed (or at its start, with none to run), else why not. */
  readonly onChecked?: (refusal: Error | null) => void;
}

/**
 * Runs a restore job's steps from the one it is at (forward) or its rollback's, each recorded before it
 * runs and safe to run again, so a job killed anywhere resumes here. A stop (jobs.stop, Ctrl-C) ends at
 * the next safe point and leaves the job interrupted, resumable.
 */
export async function runRestoreSteps(
  ctx: ConsoleContext,
  lock: pg.PoolClient,
  jobId: string,
  job: RunningJob | null,
  direction: 'forward' | 'rollback',
  options: RunOptions = {},
): Promise<void> {
  const primary = ctx.pools.primary();
  const { record, detail } = await readRestore(primary, jobId);
  assertStillOffered(record, detail, jobId, direction);
  // A rollback's first run changes nothing before its first step: a failure until then (a database that
  // does not answer, a refusal) leaves the job as the rollback found it, still offering what it did.
  const starting = direction === 'rollback' && detail.rollbackFrom === null;
  const onClose: Array<() => Promise<void>> = [];
  try {
    const state = await setUp(ctx, lock, jobId, detail, job, direction === 'forward', onClose);
    if (direction === 'forward') await fenceNewTables(state);
    if (starting) {
      await assertRollbackMayStart(state);
      detail.rollbackCheck = options.check === true && rollsBackFinishedReplace(detail);
      detail.rollbackFrom = detail.step;
    }
    await saveDetail(primary, jobId, detail, { state: 'running', error: null });
    const steps = direction === 'forward' ? MODE_STEPS[detail.request.mode] : rollbackSteps(detail);
    const first = steps.indexOf(detail.step);
    // A rollback starts at its first step; anything else resumes at the step it is at.
    if (first < 0 && !starting)
      throw new ConsoleError(
        'RESTORE_FAILED',
        `Restore job ${jobId} is at step ${detail.step}, which is no step of its ${direction === 'forward' ? 'run' : 'rollback'}: this console cannot go on with it. Roll it back with the console that recorded it.`,
        { target: jobId },
      );
    const check = steps.indexOf('rollback:check');
    if (check < Math.max(0, first)) options.onChecked?.(null);
    for (let i = Math.max(0, first); i < steps.length; i++) {
      await runStep(state, steps, i);
      if (i === check) options.onChecked?.(null);
    }
  } catch (error) {
    // A refused check put the job back as it was: nothing failed.
    if (error instanceof RollbackRefused) throw error.refusal;
    if (!(starting && detail.rollbackFrom === null)) await recordFailure(ctx, jobId, detail, error);
    throw error;
  } finally {
    await Promise.allSettled(onClose.map((close) => close()));
  }
}

/**
 * Checked again under the job's lock, where the request's own check may be stale: another console may
 * have rolled the job back, resumed it to its end, or discarded what a rollback would put back since.
 */
function assertStillOffered(record: JobRecord, detail: RestoreDetail, jobId: string, direction: 'forward' | 'rollback'): void {
  if (direction === 'rollback' && detail.rollbackFrom === null && detail.discarded) {
    throw new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `Restore job ${jobId} was discarded meanwhile: nothing it kept is left to put back, so it was not rolled back.`,
      { target: jobId },
    );
  }
  const wanted = direction === 'forward' ? 'resume' : 'rollback';
  if (restoreActions(record, detail, false, false).includes(wanted)) return;
  throw new ConsoleError(
    'ACTION_NOT_ALLOWED',
    `Restore job ${jobId} is ${visibleState(record, false)} at step ${detail.step} now (another console acted on it meanwhile), so it was not ${direction === 'forward' ? 'resumed' : 'rolled back'}. shard-console restores shows what it offers now.`,
    { target: jobId },
  );
}

/** Before a rollback's first step: refused (the job left as it was) when removing the website's rows would be wrong now. */
async function assertRollbackMayStart(s: RunState): Promise<void> {
  const steps = rollbackSteps({ ...s.detail, rollbackFrom: s.detail.step, rollbackCheck: false });
  const putBack = steps.includes('rollback:put-back');
  if (!putBack && !steps.includes('rollback:remove')) return;
  const refusal = await rollbackRemovalRefusal(s, putBack, 'ACTION_NOT_ALLOWED');
  if (refusal) throw new RollbackRefused(refusal);
}

async function runStep(s: RunState, steps: readonly RestoreStep[], i: number): Promise<void> {
  const step = steps[i]!;
  // A safe point: the step before is recorded and whole, this one has not started.
  stopIfRequested();
  failpoint(`before:${step}`);
  s.detail.step = step;
  await s.save();
  s.job?.progress({ phase: step, done: i, total: steps.length - 1, unit: 'steps', overall: overallProgress(steps, step, 0, RESTORE_STEP_WEIGHTS) });
  const started = performance.now();
  if (step === 'done' || step === 'rolled_back') {
    await s.save();
    await saveDetail(s.ctx.pools.primary(), s.jobId, s.detail, { state: step === 'done' ? 'succeeded' : 'rolled_back', finished: true });
  } else {
    await STEP_WORK[step]!(s);
  }
  s.detail.timings[step] = Math.round(performance.now() - started);
  await s.save();
  failpoint(`after:${step}`);
}

/** A stop leaves the job interrupted (resumable); anything else leaves it failed, with the reason. */
async function recordFailure(ctx: ConsoleContext, jobId: string, detail: RestoreDetail, error: unknown): Promise<void> {
  const stop = currentSignal();
  const stopped = stop?.aborted === true;
  const reason = stopped
    ? stop!.reason instanceof ConsoleError
      ? stop!.reason.message
      : 'Stopped on request.'
    : error instanceof Error
      ? error.message
      : String(error);
  const info: ErrorInfo = {
    code: stopped ? 'CANCELLED' : error instanceof ConsoleError ? error.code : 'RESTORE_FAILED',
    message: stopped ? `${reason} It stopped during the ${detail.step} step: resume it or roll it back.` : reason,
  };
  await saveDetail(ctx.pools.primary(), jobId, detail, { state: stopped ? 'interrupted' : 'failed', error: info }).catch(() => {});
}
