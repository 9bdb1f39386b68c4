import type { MoveStep } from '../../../shared/methods/move-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { bumpSequences } from './bump-sequences.ts';
import { cleanupStep } from './cleanup-step.ts';
import { copyStep } from './copy-step.ts';
import { markMovedBack, updateJob, type StoredJob } from './move-job-store.ts';
import { preflightMove } from './move-preflight.ts';
import { currentJob, type MoveRun } from './move-run.ts';
import { verifyTenant, type TenantVerification } from './verify-tenant.ts';
import { assertRoutedTo, switchShard } from './website-switch.ts';
import { scopedTables } from './tenant-scope.ts';
import { failpoint } from './move-failpoints.ts';
import { fencingJobs, installFence, liftFence } from './write-fence.ts';

/*
 * The steps of a move, one function each, in the order of MOVE_STEPS (shared). Each is safe to run
 * again: a job interrupted anywhere reruns the step it was at.
 */

/** Preflight again when a job starts there (a new job skips it: preflight ran when it was created). */
async function preflightStep(run: MoveRun): Promise<void> {
  const { result } = await preflightMove(run.ctx, run.job.website_id, run.job.target);
  if (!result.ok) throw new ConsoleError('MOVE_REFUSED', result.refusals.map((r) => r.message).join(' '), { target: String(run.job.website_id) });
  await updateJob(run.lock, run.job.id, { plan: result.plan });
}

async function fenceStep(run: MoveRun): Promise<void> {
  await assertRoutedTo(run.ctx, run.job.website_id, run.job.source);
  // Fenced on the target since the job was planned (a restore there, a job failed there): not now.
  const onTarget = (await fencingJobs(run.target, run.job.website_id)).filter((job) => job !== run.job.id);
  if (onTarget.length) {
    const message = `Writes to website ${run.job.website_id} on ${run.job.target} are fenced by job ${onTarget.join(', ')}; this move would switch the website to a database that refuses its writes. Finish or roll back that job first (shard-console jobs lists it), then resume this one.`;
    throw new ConsoleError('MOVE_REFUSED', message, { target: String(run.job.website_id) });
  }
  await installFence(run.source, run.sourceCatalog, run.tables, run.job.website_id, run.job.id, { liftIfWaitFails: true });
}

async function sequencesStep(run: MoveRun): Promise<void> {
  await bumpSequences(run.target, run.targetTables);
}

async function verifyStep(run: MoveRun): Promise<void> {
  const job = await currentJob(run);
  const started = performance.now();
  const report = await verifyTenant({
    source: run.source,
    target: run.target,
    sourceCatalog: run.sourceCatalog,
    targetCatalog: run.targetCatalog,
    tables: run.tables,
    targetTables: run.targetTables,
    websiteId: job.website_id,
    copyXids: job.copy_xids,
    copied: job.copied,
  });
  run.timings['verify.hashes'] = Math.round(performance.now() - started);
  await updateJob(run.lock, job.id, { verification: report.tables });
  const failures = verificationFailures(report, job);
  if (failures.length) {
    throw new ConsoleError(
      'VERIFY_FAILED',
      `Verification failed, so the move stopped before the switch: ${failures.join('; ')}. ` +
        `Roll the job back (shard-console move rollback ${job.id}) and investigate.`,
      { target: job.id },
    );
  }
}

/** One sentence part per table that differs and per table the copy wrote foreign rows into. */
function verificationFailures(report: TenantVerification, job: StoredJob): string[] {
  const differing = report.tables
    .filter((t) => !t.ok)
    .map((t) => {
      const differences = t.firstDifferences.length ? `, first differences ${t.firstDifferences.join(', ')}` : '';
      return `${t.table}: ${t.sourceRows} rows on ${job.source}, ${t.targetRows} on ${job.target}${differences}`;
    });
  const foreign = report.foreignWrites.map((w) => `${w.table}: the copy wrote ${w.rows} row(s) that are not website ${job.website_id}'s`);
  return [...differing, ...foreign];
}

async function switchStep(run: MoveRun): Promise<void> {
  // Only behind the job's own fence: without it, writes since the verification would stay on the source.
  if (!(await fencingJobs(run.source, run.job.website_id)).includes(run.job.id)) {
    throw new ConsoleError(
      'MOVE_FAILED',
      `Website ${run.job.website_id}'s writes on ${run.job.source} are no longer fenced by this job (a rollback lifted the fence, or it was removed by hand), so it was not switched to ${run.job.target}. Roll the job back (shard-console move rollback ${run.job.id}), then move the website again.`,
      { target: run.job.id },
    );
  }
  await refuseTablesMadeSince(run);
  failpoint('switch:before-commit');
  await switchShard(run.lock, run.job.id, run.job.website_id, run.job.source, run.job.target);
}

/**
 * A tenant table created on the source since the run read its tables (a deploy, a migration run while
 * the move ran): the website's rows in it were neither fenced nor copied nor verified, and switching
 * would leave them behind. The job stops here, the website still served whole from the source; a
 * rollback lifts the fence, and a new move covers the table. (A job resumed instead reads the tables
 * again, and its verification finds the table's rows missing on the target.)
 */
async function refuseTablesMadeSince(run: MoveRun): Promise<void> {
  const known = new Set(run.tables.map((t) => t.name));
  const made = scopedTables(await run.ctx.catalog.get(run.job.source, { refresh: true }))
    .map((t) => t.name)
    .filter((name) => !known.has(name));
  if (made.length === 0) return;
  throw new ConsoleError(
    'MOVE_FAILED',
    `Tenant table${made.length === 1 ? '' : 's'} ${made.join(', ')} appeared on ${run.job.source} while the move ran: website ${run.job.website_id}'s rows there were neither fenced nor copied nor verified, so it was not switched to ${run.job.target} and stays served from ${run.job.source}. Roll the job back (shard-console move rollback ${run.job.id}), then move the website again.`,
    { target: run.job.id },
  );
}

/**
 * The target serves the website from now on: its views must list it. They have been refreshing since
 * the copy (a resumed job: from here, or from the cleanup), and finish beside the cleanup, which runs on
 * the other database; until they do, the website's rows are missing from them, as PWB's own views lag
 * its writes until its refresh after them.
 */
async function refreshStep(run: MoveRun): Promise<void> {
  run.targetViews.startUnlessRecorded(await currentJob(run));
}

async function unfenceStep(run: MoveRun): Promise<void> {
  await liftFence(run.source, run.job.website_id, run.job.id);
}

async function doneStep(run: MoveRun): Promise<void> {
  const undone = run.job.rollback_of;
  if (undone === null) return updateJob(run.lock, run.job.id, { state: 'succeeded', finished: true });
  // A move back: the move it undoes reads rolled back with it, in one transaction, and not before.
  await run.lock.query('BEGIN');
  try {
    await updateJob(run.lock, run.job.id, { state: 'succeeded', finished: true });
    await markMovedBack(run.lock, undone);
    await run.lock.query('COMMIT');
  } catch (error) {
    await run.lock.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Every step has its function: a step added to the contract's list without one is a compile error. */
export const MOVE_STEP_RUNNERS: Readonly<Record<MoveStep, (run: MoveRun) => Promise<void>>> = {
  preflight: preflightStep,
  fence: fenceStep,
  copy: copyStep,
  sequences: sequencesStep,
  verify: verifyStep,
  switch: switchStep,
  refresh: refreshStep,
  cleanup: cleanupStep,
  unfence: unfenceStep,
  done: doneStep,
};
