import type { ErrorInfo } from '../../../shared/errors.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import {
  RESTORE_MODE_STEPS,
  type RestoreAction,
  type RestoreJob,
  type RestorePlan,
  type RestoreRequest,
  type RestoreState,
  type RestoreStep,
} from '../../../shared/methods/restore-methods.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { getJobRecord, insertJobRecord, listJobRecords, updateJobRecord, type JobRecord } from '../jobs/job-store.ts';
import type { ArchiveFingerprint } from './restore-source.ts';
import type { RowHashVersion } from './row-digest.ts';

/*
 * Restore jobs are rows of `shard_console.jobs` (kind `restore`) on the primary: the request in
 * `params`, everything the runner needs to resume in `detail` (the plan, the step about to run or
 * running, the archive's digests once loaded, the verification), written before each step runs.
 */

/** The forward steps of each mode, in order; the first is done before the job is recorded. */
export const MODE_STEPS = RESTORE_MODE_STEPS;

/**
 * A restore's steps by their share of its time (`npm run bench -- restore`: the load about half, the
 * read-back and the view refresh most of the rest), so its one bar moves about evenly.
 */
export const RESTORE_STEP_WEIGHTS: Partial<Record<RestoreStep, number>> = { preflight: 0, hold: 5, load: 55, verify: 25, views: 8, done: 0, rolled_back: 0 };

export interface RestoreDetail {
  readonly request: RestoreRequest;
  readonly plan: RestorePlan;
  readonly fingerprint: ArchiveFingerprint;
  step: RestoreStep;
  /** The forward step a rollback started from (it decides what the rollback undoes); null until one starts. */
  rollbackFrom: RestoreStep | null;
  /** A rollback of a finished replace checks, once fenced, that the website did not change since (rollback-check.ts); absent: no check. */
  rollbackCheck?: boolean;
  /** The rollback's put-back began taking the website's rows off: a rerun finishes it, and never goes back to done. */
  putBackStarted?: boolean;
  progress: RestoreJob['progress'];
  /** The row hash both sides of verification use (row-digest.ts); absent in jobs recorded before it was versioned: 1. */
  rowHash?: RowHashVersion;
  /** Per table, the archive side of verification, saved as each table's load commits. */
  archiveDigests: Record<string, { rows: number; hash: string }>;
  verification: RestoreJob['tables'];
  /**
   * A replace's digests, once verified, of the tables whose live columns the archive lacks some of, over
   * every live column (rollback-check.ts compares them); absent in jobs recorded before they existed.
   */
  liveDigests?: Record<string, { rows: number; hash: string }>;
  verified: boolean;
  discarded: boolean;
  timings: Record<string, number>;
}

/**
 * The row hash a job's verification uses; a job recorded by a newer console, with a hash this one does
 * not know, is refused rather than verified with another (it would fail, naming no row).
 */
export function rowHashOf(detail: Pick<RestoreDetail, 'rowHash'>, jobId = 'this job'): RowHashVersion {
  const version = detail.rowHash ?? 1;
  if (version === 1 || version === 2) return version;
  throw new ConsoleError(
    'ACTION_NOT_ALLOWED',
    `Restore job ${jobId} was recorded by a newer console (its rows are compared with row hash ${JSON.stringify(version)}, which this console does not know). Resume it with that console, or roll it back here.`,
    { target: jobId },
  );
}

export function stepIndex(mode: RestoreRequest['mode'], step: RestoreStep): number {
  return MODE_STEPS[mode].indexOf(step);
}

/** Whether a job of this mode got as far as `step` (it was recorded as running or past it). */
export function reached(detail: Pick<RestoreDetail, 'request' | 'step' | 'rollbackFrom'>, step: RestoreStep): boolean {
  const at = detail.rollbackFrom ?? detail.step;
  const index = stepIndex(detail.request.mode, step);
  return index >= 0 && stepIndex(detail.request.mode, at) >= index;
}

export function restoreTitle(request: Pick<RestoreRequest, 'websiteId' | 'mode'>, target: string, verb = 'Restore'): string {
  const how = request.mode === 'replace' ? 'replacing its rows on' : request.mode === 'side-by-side' ? 'side by side on' : 'into an empty place on';
  return `${verb} website ${request.websiteId} from a backup, ${how} ${target}`;
}

export async function recordRestore(primary: DatabaseHandle, id: string, startedBy: string, detail: RestoreDetail): Promise<void> {
  await insertJobRecord(primary, {
    id,
    kind: 'restore',
    title: restoreTitle(detail.request, detail.plan.target),
    startedBy,
    params: { ...detail.request },
    detail,
  });
}

export async function saveDetail(
  primary: DatabaseHandle,
  id: string,
  detail: RestoreDetail,
  extra: { state?: JobRecord['state']; error?: ErrorInfo | null; finished?: boolean | 'unless-set' } = {},
): Promise<void> {
  await updateJobRecord(primary, id, { detail, ...extra });
}

export async function readRestore(primary: DatabaseHandle, id: string): Promise<{ record: JobRecord; detail: RestoreDetail }> {
  const record = await getJobRecord(primary, id);
  if (record?.kind !== 'restore') {
    throw new ConsoleError('JOB_NOT_FOUND', `No restore job ${id}. shard-console restores (or the Jobs page) lists them.`, { target: id });
  }
  return { record, detail: record.detail as RestoreDetail };
}

export async function listRestores(primary: DatabaseHandle, limit: number): Promise<Array<{ record: JobRecord; detail: RestoreDetail }>> {
  const records = await listJobRecords(primary, { kind: 'restore', limit });
  return records.map((record) => ({ record, detail: record.detail as RestoreDetail }));
}

/** The job's state as people see it: recorded as running with no console running it means interrupted. */
export function visibleState(record: Pick<JobRecord, 'state'>, running: boolean): RestoreState {
  return record.state === 'running' && !running ? 'interrupted' : record.state;
}

/** Whether a rollback can still undo it: an empty-place restore whose switch committed now serves the website. */
export function mayRollBack(detail: Pick<RestoreDetail, 'request' | 'step' | 'rollbackFrom'>): boolean {
  if (detail.request.mode !== 'empty') return true;
  return !reached({ ...detail, rollbackFrom: null }, 'views');
}

/** Actions valid now: what the UI offers and the API accepts. */
export function restoreActions(
  record: Pick<JobRecord, 'state'>,
  detail: Pick<RestoreDetail, 'request' | 'step' | 'rollbackFrom' | 'discarded'>,
  here: boolean,
  live: boolean,
): RestoreAction[] {
  if (here) return ['stop'];
  if (live || !detail?.request) return [];
  const state = visibleState(record, false);
  if (state === 'failed' || state === 'interrupted') {
    if (detail.rollbackFrom !== null) return ['rollback'];
    return mayRollBack(detail) ? ['resume', 'rollback'] : ['resume'];
  }
  if (state === 'succeeded' && !detail.discarded)
    return detail.request.mode === 'replace' ? ['rollback', 'discard'] : detail.request.mode === 'side-by-side' ? ['discard'] : [];
  return [];
}

export function toRestoreJob(record: JobRecord, detail: RestoreDetail, here: boolean, live: boolean): RestoreJob {
  const running = here || live;
  return {
    jobId: record.id,
    websiteId: detail.request.websiteId,
    mode: detail.request.mode,
    target: detail.plan.target,
    schema: detail.plan.schema,
    holding: detail.request.mode === 'replace' && !detail.discarded ? holdingLocation(record.id) : null,
    source: detail.plan.source,
    state: visibleState(record, running),
    step: detail.step,
    live: running,
    actions: restoreActions(record, detail, here, live),
    startedBy: record.started_by,
    createdAt: record.created_at.toISOString(),
    updatedAt: record.updated_at.toISOString(),
    finishedAt: record.finished_at ? new Date(record.finished_at).toISOString() : null,
    error: (record.error as ErrorInfo | null)?.message ?? null,
    plan: detail.plan,
    progress: detail.progress,
    tables: detail.verification,
    verified: detail.verified,
    discarded: detail.discarded,
    timings: detail.timings,
  };
}

/** Where a replace keeps the website's rows from before it: `shard_console.hold_<job>_<table>` on the target. */
export function holdingLocation(jobId: string): string {
  return `shard_console.hold_${jobId.slice(0, 8)}_*`;
}
