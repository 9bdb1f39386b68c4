import type { MoveJob } from '../../../shared/contract.ts';
import { formatCount, formatDuration } from '../../../shared/format.ts';

/*
 * Copy speed and time left, from successive polls of a job. Each sample is stamped with the job's
 * `updatedAt` (when the server saved the progress), not with when the poll arrived, so a slow or
 * jittery poll does not distort the rate.
 */

export interface ProgressSample {
  /** Server time of the progress, in ms since the epoch. */
  readonly at: number;
  /** Rows copied so far, per table. */
  readonly copied: Readonly<Record<string, number>>;
}

export type ProgressHistory = readonly ProgressSample[];

/** How many samples a rate spans: about the last ten seconds of a job saved once a second. */
export const MAX_SAMPLES = 10;

/** The history with this poll's progress added; unchanged when the server has saved nothing new. */
export function appendSample(history: ProgressHistory, job: Pick<MoveJob, 'updatedAt' | 'progress'>, maxSamples = MAX_SAMPLES): ProgressHistory {
  const at = Date.parse(job.updatedAt);
  if (!Number.isFinite(at) || job.progress.length === 0) return history;
  const last = history[history.length - 1];
  if (last !== undefined && at <= last.at) return history;
  const copied: Record<string, number> = {};
  for (const p of job.progress) copied[p.table] = p.copiedRows;
  return [...history, { at, copied }].slice(-maxSamples);
}

function copiedIn(sample: ProgressSample, table: string | null): number {
  if (table !== null) return sample.copied[table] ?? 0;
  return Object.values(sample.copied).reduce((sum, rows) => sum + rows, 0);
}

/**
 * Rows per second over the history, for one table or (null) all of them. Null when it cannot be known:
 * fewer than two samples, no time between them, or fewer rows than before (the copy restarted).
 */
export function rowsPerSecond(history: ProgressHistory, table: string | null = null): number | null {
  if (history.length < 2) return null;
  const first = history[0]!;
  const last = history[history.length - 1]!;
  const ms = last.at - first.at;
  const rows = copiedIn(last, table) - copiedIn(first, table);
  if (ms <= 0 || rows < 0) return null;
  return (rows / ms) * 1000;
}

/** Time left at this rate; 0 when nothing is left, null when the rate is unknown or zero. */
export function etaMs(remainingRows: number, rate: number | null): number | null {
  if (remainingRows <= 0) return 0;
  if (rate === null || !(rate > 0)) return null;
  return (remainingRows / rate) * 1000;
}

export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${formatCount(rate)} rows/s`;
}

export function formatEta(eta: number | null, done = false): string {
  if (done || eta === 0) return 'done';
  return eta === null ? '—' : formatDuration(eta);
}

export interface TableProgressView {
  table: string;
  copiedRows: number;
  totalRows: number;
  done: boolean;
  /** 0..100, for the progress bar. */
  percent: number;
  rowsLabel: string;
  rateLabel: string;
  etaLabel: string;
}

/** A table's share copied, to a tenth: 100 once it is done (whatever the plan counted), at most 99.9 before, never rounded up to it. */
function percentOf(copied: number, total: number, done: boolean): number {
  if (done) return 100;
  if (total <= 0) return 0;
  return Math.min(99.9, Math.floor((copied / total) * 1000 + 1e-9) / 10);
}

/** One row per copied table, plus the whole copy: bars, counts, speed and time left. */
export function progressView(
  job: Pick<MoveJob, 'progress' | 'step' | 'state'>,
  history: ProgressHistory,
): { tables: TableProgressView[]; total: TableProgressView } {
  // Speed only means something while the copy is going.
  const copying = job.step === 'copy' && job.state === 'running';
  const tables = job.progress.map((p) => {
    const rate = copying && !p.done ? rowsPerSecond(history, p.table) : null;
    return {
      table: p.table,
      copiedRows: p.copiedRows,
      totalRows: p.totalRows,
      done: p.done,
      percent: percentOf(p.copiedRows, p.totalRows, p.done),
      rowsLabel: `${formatCount(p.copiedRows)} / ${formatCount(p.totalRows)}`,
      rateLabel: formatRate(rate),
      etaLabel: formatEta(copying ? etaMs(p.totalRows - p.copiedRows, rate) : null, p.done),
    };
  });
  const copiedRows = tables.reduce((sum, t) => sum + t.copiedRows, 0);
  const totalRows = tables.reduce((sum, t) => sum + t.totalRows, 0);
  const done = tables.length > 0 && tables.every((t) => t.done);
  const rate = copying && !done ? rowsPerSecond(history) : null;
  return {
    tables,
    total: {
      table: 'All tables',
      copiedRows,
      totalRows,
      done,
      percent: percentOf(copiedRows, totalRows, done),
      rowsLabel: `${formatCount(copiedRows)} / ${formatCount(totalRows)}`,
      rateLabel: formatRate(rate),
      etaLabel: formatEta(copying ? etaMs(totalRows - copiedRows, rate) : null, done),
    },
  };
}
