import type { Job, JobProgressEvent } from '../../../shared/contract.ts';
import { formatDuration, formatProgressAmount, formatRate, progressFraction } from '../../../shared/format.ts';
import { formatTimestamp } from './move-list.ts';

/* The Jobs page: one row per job of any kind, its progress as a bar with a rate and time left. */

export const JOB_KIND_LABELS: Record<Job['kind'], string> = {
  move: 'Move',
  migration: 'Migration run',
  'size-scan': 'Size scan',
  backup: 'Backup',
  restore: 'Restore',
};

export const JOB_STATE_LABELS: Record<Job['state'], string> = {
  planned: 'planned',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  interrupted: 'interrupted',
  cancelled: 'cancelled',
  rolled_back: 'rolled back',
};

export interface ProgressView {
  /** 0-100, or null when the total is unknown (an indeterminate bar). */
  readonly percent: number | null;
  /** "1,200 / 5,000 rows", "3 / 9 steps · verify". */
  readonly label: string;
  readonly rateLabel: string;
  readonly etaLabel: string;
}

/** The newest progress event, when it arrived, and the one before it with when that one arrived (for a rate). */
export interface ProgressSamples {
  readonly progress: JobProgressEvent | null;
  readonly progressAt: number | null;
  readonly earlier: { event: JobProgressEvent; at: number } | null;
}

/** The samples once `event` arrived at `now`: the newest becomes the earlier one, with its own arrival time. */
export function nextProgress(samples: ProgressSamples, event: JobProgressEvent, now: number): ProgressSamples {
  const earlier = samples.progress !== null && samples.progressAt !== null ? { event: samples.progress, at: samples.progressAt } : null;
  return { progress: event, progressAt: now, earlier };
}

/**
 * A progress event seen twice, some time apart: what the bar, the rate and the time left show. `now`:
 * when `event` arrived (the rate is between the two arrivals), or the time of drawing.
 */
export function progressView(event: JobProgressEvent | null, earlier?: { event: JobProgressEvent; at: number }, now = Date.now()): ProgressView | null {
  if (event === null) return null;
  const fraction = progressFraction(event);
  // Rounded down: 995 of 1,000 is 99 %, never 100 % before the work is done.
  const percent = fraction === null ? null : Math.floor(fraction * 100 + 1e-9);
  const label = `${formatProgressAmount(event.done, event.total, event.unit)}${event.phase ? ` · ${event.phase}` : ''}`;
  let rateLabel = '—';
  let etaLabel = '—';
  if (earlier && earlier.event.phase === event.phase && now > earlier.at) {
    const perSecond = ((event.done - earlier.event.done) * 1000) / (now - earlier.at);
    if (perSecond > 0) {
      rateLabel = formatRate(perSecond, event.unit);
      if (event.total !== null) etaLabel = formatDuration(((event.total - event.done) / perSecond) * 1000);
    }
  }
  return { percent, label, rateLabel, etaLabel };
}

export interface JobRowView {
  readonly jobId: string;
  readonly shortId: string;
  readonly kind: string;
  readonly title: string;
  readonly state: Job['state'];
  readonly stateLabel: string;
  readonly where: string;
  readonly createdLabel: string;
  readonly startedBy: string;
  readonly href: string;
}

export function jobRow(job: Job): JobRowView {
  return {
    jobId: job.jobId,
    shortId: job.jobId.slice(0, 8),
    kind: JOB_KIND_LABELS[job.kind],
    title: job.title,
    state: job.state,
    stateLabel: job.state === 'running' && job.here ? 'running here' : JOB_STATE_LABELS[job.state],
    where: job.here ? 'this console' : job.live ? 'another console' : '—',
    createdLabel: formatTimestamp(job.createdAt),
    startedBy: job.startedBy,
    href: job.href,
  };
}

/**
 * How many of the jobs this console runs the Jobs page follows by their event streams at once: in browser
 * mode each is an HTTP request held open, and the browser allows six per host (a Stop or a Refresh past
 * them would wait behind the streams). The others are followed by reading the list.
 */
export const MAX_WATCHED_JOBS = 3;

/** The jobs of the list the page follows by events: the newest running here, MAX_WATCHED_JOBS at most. */
export function watchedJobIds(jobs: readonly Pick<Job, 'jobId' | 'state' | 'here'>[]): Set<string> {
  return new Set(
    jobs
      .filter((j) => j.here && j.state === 'running')
      .slice(0, MAX_WATCHED_JOBS)
      .map((j) => j.jobId),
  );
}

/** Whether the list must be read again to follow what runs: a job elsewhere, or more here than are watched. */
export function listNeedsPolling(jobs: readonly Pick<Job, 'jobId' | 'state' | 'here' | 'live'>[]): boolean {
  return jobs.some(needsPolling) || jobs.filter((j) => j.here && j.state === 'running').length > MAX_WATCHED_JOBS;
}

/** Whether to keep asking for a job: running somewhere this console cannot follow by events. */
export function needsPolling(job: Pick<Job, 'state' | 'here' | 'live'>): boolean {
  return !job.here && (job.state === 'running' || job.live);
}

export const STORE_NOTES: Record<'database' | 'none' | 'memory', string> = {
  database: 'Jobs that change data are recorded on the primary (schema shard_console), so every console and the CLI see them.',
  none: 'No job has been recorded on this cluster yet.',
  memory:
    'This console is read-only: it writes nothing to the cluster, so its own jobs (size scans, backups) are kept in this session only; jobs other consoles recorded show when its role may read schema shard_console.',
};
