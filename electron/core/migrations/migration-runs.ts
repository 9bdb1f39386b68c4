import { currentActor } from '../console-schema/audit-log.ts';
import { randomUUID } from 'node:crypto';
import type { MigrationRun } from '../../../shared/contract.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { liveJobIds, withJobLock } from '../jobs/job-lock.ts';
import type { RunningJob } from '../jobs/job-registry.ts';
import { getJobRecord, insertJobRecord, updateJobRecord } from '../jobs/job-store.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { assertWritable } from '../read-only-guard.ts';
import { migrateUp } from './migrate-up.ts';
import { assertPlanCurrent, listMigrations } from './migration-files.ts';
import { migrationsDirFor } from './migrations-dir.ts';

/*
 * Migration runs are jobs: recorded in `shard_console.jobs` on the primary before they start (so a
 * restarted console still finds them), run in the background by this console under the job's lock,
 * their per-database states saved as they change. `migrations.up` returns the run id at once; the run's
 * progress reaches `jobs.watch` as events and `migrations.run` as snapshots.
 */

const DETAIL_EVERY_MS = 1_000;
/** The newest snapshot of the runs this process is running or ran (fresher than the saved detail). */
const latestSnapshots = new Map<string, MigrationRun>();

function runTitle(database: string | undefined): string {
  return database === undefined ? 'Migrations on every database' : `Migrations on ${database}`;
}

/** A run's snapshot as job progress: migrations done of those pending at the start. */
function reportProgress(job: RunningJob, run: MigrationRun): void {
  const current = run.databases.find((d) => d.current !== null);
  job.progress({
    phase: current ? current.name : run.state,
    done: run.done,
    total: run.total,
    unit: 'migrations',
    ...(current ? { message: `${current.name}: ${current.current}` } : {}),
  });
}

type RunParams = { database?: string | undefined; parallel: number; lockTimeoutSeconds?: number; planDigest?: string | undefined };

/** One run at a time per console: a second would only queue behind the first's locks. */
function refuseSecondRun(ctx: ConsoleContext): void {
  const active = ctx.jobs.history().find((j) => j.kind === 'migration' && j.state === 'running');
  if (!active) return;
  const message = `Migration run ${active.id} is still running in this console. Follow it on the Migrations page, and start another when it has finished.`;
  throw new ConsoleError('LOCKED', message, { target: active.id });
}

/**
 * Keeps a run's newest snapshot here, and in the job's saved detail at most once every DETAIL_EVERY_MS.
 * The saves go one after another (`flush` waits for the last): one still on its way could otherwise
 * land after the final record and put a running snapshot back over the finished one.
 */
function snapshotSaver(primary: DatabaseHandle, runId: string): { save: (run: MigrationRun) => void; flush: () => Promise<void> } {
  let lastDetail = 0;
  let saving: Promise<void> = Promise.resolve();
  const save = (run: MigrationRun) => {
    latestSnapshots.set(runId, run);
    while (latestSnapshots.size > 50) latestSnapshots.delete(latestSnapshots.keys().next().value!);
    if (Date.now() - lastDetail < DETAIL_EVERY_MS) return;
    lastDetail = Date.now();
    saving = saving.then(() => updateJobRecord(primary, runId, { detail: run })).catch(() => {});
  };
  return { save, flush: () => saving };
}

/** Marks the error of a run whose end is recorded already: the job's catch leaves the record alone. */
const RECORDED = Symbol('recorded');

/** A run that ended with databases unfinished and no error of its own: those databases, each with its state. */
function unfinishedInfo(run: MigrationRun): ErrorInfo {
  const unfinished = run.databases.filter((d) => d.state !== 'applied' && d.state !== 'up-to-date').map((d) => `${d.name} (${d.state})`);
  return {
    code: 'MIGRATION_FAILED',
    message: `Migrations did not finish on ${unfinished.join(', ') || 'every database'}: the Migrations page shows each one's error.`,
  };
}

/** The job's work: the run itself, its snapshots reported as progress, its final state recorded. */
async function runAndRecord(ctx: ConsoleContext, params: RunParams, runId: string, job: RunningJob): Promise<MigrationRun> {
  const primary = ctx.pools.primary();
  const snapshots = snapshotSaver(primary, runId);
  const final = await migrateUp(ctx, { ...params, runId, onChange: (snapshot) => (reportProgress(job, snapshot), snapshots.save(snapshot)) });
  latestSnapshots.set(runId, final);
  await snapshots.flush();
  await updateJobRecord(primary, runId, { state: final.state, detail: final, error: final.error, finished: final.state !== 'interrupted' });
  // A run that did not finish ends its job so (the job's watchers and log say failed, or stopped; never
  // succeeded), its record written above as it is.
  if (final.state !== 'succeeded') throw Object.assign(ConsoleError.fromInfo(final.error ?? unfinishedInfo(final)), { [RECORDED]: true });
  return final;
}

export async function startMigrationRun(ctx: ConsoleContext, params: RunParams, caller: string): Promise<{ runId: string }> {
  assertWritable(ctx, 'Applying migrations');
  refuseSecondRun(ctx);
  // Fail fast on a name that is not in the profile rather than inside the background run.
  if (params.database !== undefined) ctx.pools.get(params.database);
  // A plan reviewed against other files is refused here, as an answer (the run checks again on the files it runs).
  if (params.planDigest !== undefined) assertPlanCurrent(await listMigrations(migrationsDirFor(ctx.profile)), params.planDigest, migrationsDirFor(ctx.profile));
  const runId = randomUUID();
  const primary = ctx.pools.primary();
  const title = runTitle(params.database);
  await insertJobRecord(primary, { id: runId, kind: 'migration', title, startedBy: currentActor(), params: { ...params } });
  const { done } = ctx.jobs.start(
    { id: runId, kind: 'migration', title, caller, persist: (progress) => updateJobRecord(primary, runId, { progress }) },
    (job) => withJobLock(primary, runId, 'Migration run', () => runAndRecord(ctx, params, runId, job)),
  );
  done.catch(async (error: unknown) => {
    if ((error as { [RECORDED]?: boolean })[RECORDED]) return;
    const info = error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL' as const, message: String(error) };
    await updateJobRecord(primary, runId, { state: 'failed', error: info, finished: true }).catch(() => {});
  });
  return { runId };
}

/** The run as this console last saw it, or as recorded on the primary (a run of another console, or of one that restarted). */
export async function migrationRunSnapshot(ctx: ConsoleContext, runId: string): Promise<MigrationRun> {
  const here = latestSnapshots.get(runId);
  if (here) return here;
  const record = await getJobRecord(ctx.pools.primary(), runId);
  if (record?.kind !== 'migration') {
    const message = `No migration run ${runId}. The Jobs page lists every run; the Migrations page shows where every database stands.`;
    throw new ConsoleError('JOB_NOT_FOUND', message, { target: runId });
  }
  const detail = record.detail as Partial<MigrationRun>;
  const base: MigrationRun = {
    runId,
    state: 'running',
    startedAt: record.created_at.toISOString(),
    finishedAt: null,
    done: 0,
    total: 0,
    error: null,
    databases: [],
    ...detail,
  };
  // The record's own state wins over a detail saved while running: a run whose final save failed is
  // recorded failed (with its error) by the job's end, its detail left as it last was.
  if (base.state === 'running' && record.state === 'failed') {
    const error = base.error ?? (record.error as MigrationRun['error']) ?? null;
    return { ...base, state: 'failed', error, finishedAt: base.finishedAt ?? record.finished_at?.toISOString() ?? null };
  }
  // Recorded as running but nobody runs it: its console stopped mid-run.
  const live = ctx.jobs.isRunning(runId) || (await liveJobIds(ctx.pools.primary(), [runId])).has(runId);
  return base.state === 'running' && !live ? { ...base, state: 'interrupted' } : base;
}
