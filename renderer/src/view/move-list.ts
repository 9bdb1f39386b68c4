import type { MoveJob } from '../../../shared/contract.ts';
import { STATE_LABELS, STEP_LABELS, isInterrupted } from './move-timeline.ts';

/* The move jobs list: one row per job, newest first, and the keys that move through it. */

export interface MoveJobRowView {
  jobId: string;
  shortId: string;
  href: string;
  websiteId: number;
  route: string;
  state: MoveJob['state'];
  stateLabel: string;
  stepLabel: string;
  verifiedLabel: string;
  createdLabel: string;
  createdAt: number;
  startedBy: string;
}

/** `2024-05-01 09:30 UTC`: the same on every machine, like the migrations page. */
export function formatTimestamp(iso: string | null): string {
  if (iso === null) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function moveJobHref(jobId: string): string {
  return `#/moves/${jobId}`;
}

export function formatMoveJobRow(job: MoveJob): MoveJobRowView {
  return {
    jobId: job.jobId,
    shortId: job.jobId.slice(0, 8),
    href: moveJobHref(job.jobId),
    websiteId: job.websiteId,
    route: `${job.source} → ${job.target}`,
    state: job.state,
    stateLabel: isInterrupted(job) ? 'interrupted' : STATE_LABELS[job.state],
    stepLabel: STEP_LABELS[job.step],
    verifiedLabel: job.verification.length === 0 ? '—' : job.verified ? 'yes' : 'no',
    createdLabel: formatTimestamp(job.createdAt),
    createdAt: Date.parse(job.createdAt),
    startedBy: job.startedBy,
  };
}

/** Newest first, whatever order the server sent; the job id breaks ties so the order is stable. */
export function moveJobRows(jobs: readonly MoveJob[]): MoveJobRowView[] {
  return jobs.map(formatMoveJobRow).sort((a, b) => b.createdAt - a.createdAt || a.jobId.localeCompare(b.jobId));
}

/** The active row after a key press in a list of `count` rows; the same row for any other key. */
export function moveCursor(index: number, key: string, count: number, pageRows = 10): number {
  if (count <= 0) return -1;
  const from = Math.min(Math.max(index, 0), count - 1);
  switch (key) {
    case 'ArrowDown':
      return index < 0 ? 0 : Math.min(from + 1, count - 1);
    case 'ArrowUp':
      return Math.max(from - 1, 0);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    case 'PageDown':
      return Math.min(from + pageRows, count - 1);
    case 'PageUp':
      return Math.max(from - pageRows, 0);
    default:
      return from;
  }
}

export const CURSOR_KEYS = new Set(['ArrowDown', 'ArrowUp', 'Home', 'End', 'PageDown', 'PageUp']);

/** Where a table's keyboard cursor is: on a row (its key), and the place it had there. */
export interface RowCursor {
  readonly key: string | null;
  readonly index: number;
}

/**
 * The row under the cursor as rows come and go: the same row, found by its key, wherever it is now (a
 * new job listed on top must not slide the cursor, and Enter, onto its neighbour); its old place once it
 * is gone; -1 for an empty table.
 */
export function cursorRow(keys: readonly string[], cursor: RowCursor): number {
  if (keys.length === 0) return -1;
  const at = cursor.key === null ? -1 : keys.indexOf(cursor.key);
  return at >= 0 ? at : Math.min(Math.max(cursor.index, 0), keys.length - 1);
}
