import { currentActor } from '../console-schema/audit-log.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import type { Job, JobAction, JobKind } from '../../../shared/methods/job-methods.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { liveJobIds } from './job-lock.ts';
import type { JobRegistry, JobSnapshot } from './job-registry.ts';
import { getJobRecord, listJobRecords, type JobRecord } from './job-store.ts';
import { restoreActions, type RestoreDetail } from '../restore/restore-job-store.ts';

/**
 * Where jobs of some kinds are recorded. Each domain keeps its own detailed record (a move's steps, a
 * migration run's databases) and says how it reads as a Job; the Jobs page merges every source.
 */
export interface JobSource {
  readonly kinds: readonly JobKind[];
  /** The newest `limit` jobs, of `kind` alone when given (filtered before the limit, or a kind's older jobs go missing). */
  list(limit: number, kind?: JobKind): Promise<Job[]>;
  get(id: string): Promise<Job | null>;
}

/** The page that shows a job's own detail. */
export function jobHref(kind: JobKind, id: string): string {
  switch (kind) {
    case 'move':
      return `#/moves/${id}`;
    case 'migration':
      return `#/migrations?run=${id}`;
    case 'size-scan':
      return '#/shards';
    case 'restore':
      return `#/restores/${id}`;
    case 'backup':
      return '#/backups';
    default:
      return `#/jobs/${id}`;
  }
}

/**
 * Actions a durable job of these kinds offers: stop while it runs here, run it again once it stopped
 * short; a restore its own (resume, rollback, discard: see restore-job-store.ts).
 */
function recordActions(record: Pick<JobRecord, 'kind' | 'state' | 'detail'>, here: boolean, live: boolean): JobAction[] {
  if (record.kind === 'restore') return restoreActions(record, record.detail as RestoreDetail, here, live);
  if (here) return ['stop'];
  if (live) return [];
  if (record.kind === 'migration' && (record.state === 'failed' || record.state === 'interrupted' || record.state === 'running')) return ['rerun'];
  return [];
}

/** A job record as a Job: a `running` record that no console holds was interrupted. */
export function recordToJob(record: JobRecord, registry: JobRegistry, live: boolean): Job {
  const here = registry.isRunning(record.id);
  const running = here || live;
  const state = record.state === 'running' && !running ? 'interrupted' : record.state;
  return {
    jobId: record.id,
    kind: record.kind,
    title: record.title,
    state,
    live: running,
    here,
    // This console's own figures while it runs the job; the record's otherwise (a job that ended here
    // may have been taken up since by another console, which writes its progress there).
    progress: ((here ? registry.snapshot(record.id)?.progress : undefined) ?? record.progress ?? null) as Job['progress'],
    actions: recordActions(record, here, live),
    startedBy: record.started_by,
    createdAt: record.created_at.toISOString(),
    updatedAt: record.updated_at.toISOString(),
    finishedAt: record.finished_at ? new Date(record.finished_at).toISOString() : null,
    error: (record.error ?? null) as ErrorInfo | null,
    href: jobHref(record.kind, record.id),
  };
}

/** Migration runs, backups and restores, from `shard_console.jobs`. */
export function recordJobSource(primary: () => DatabaseHandle, registry: JobRegistry): JobSource {
  return {
    kinds: ['migration', 'backup', 'restore'],
    async list(limit, kind) {
      const records = await listJobRecords(primary(), { limit, ...(kind === undefined ? {} : { kind: kind as JobRecord['kind'] }) });
      const live = await liveJobIds(
        primary(),
        records.filter((r) => r.state === 'running').map((r) => r.id),
      );
      return records.map((r) => recordToJob(r, registry, live.has(r.id)));
    },
    async get(id) {
      const record = await getJobRecord(primary(), id);
      if (!record) return null;
      const live = record.state === 'running' ? await liveJobIds(primary(), [id]) : new Set<string>();
      return recordToJob(record, registry, live.has(id));
    },
  };
}

function snapshotToJob(snapshot: JobSnapshot): Job {
  const running = snapshot.state === 'running';
  return {
    jobId: snapshot.id,
    kind: snapshot.kind,
    title: snapshot.title,
    state: snapshot.state,
    live: running,
    here: running,
    progress: snapshot.progress,
    actions: running ? ['stop'] : [],
    // The operator (as moves, restores and migration runs record it), not the transport the call came by.
    startedBy: currentActor(),
    createdAt: snapshot.startedAt.toISOString(),
    updatedAt: (snapshot.finishedAt ?? new Date()).toISOString(),
    finishedAt: snapshot.finishedAt?.toISOString() ?? null,
    error: snapshot.error,
    href: jobHref(snapshot.kind, snapshot.id),
  };
}

/** Jobs that change nothing (size scans): kept in this console's memory only. */
export function memoryJobSource(registry: JobRegistry, kinds: readonly JobKind[]): JobSource {
  return {
    kinds,
    async list() {
      return registry
        .history()
        .filter((s) => kinds.includes(s.kind))
        .map(snapshotToJob);
    },
    async get(id) {
      const snapshot = registry.snapshot(id);
      return snapshot && kinds.includes(snapshot.kind) ? snapshotToJob(snapshot) : null;
    },
  };
}
