import type { MigrationRun } from './contract.ts';

/** Sizes in human units (binary prefixes, as PostgreSQL's pg_size_pretty uses). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const sign = bytes < 0 ? '-' : '';
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${sign}${value.toFixed(digits)} ${units[unit]}`;
}

/** Counts with thousands separators, independent of the machine's locale so tests and screenshots agree. */
export function formatCount(count: number | null | undefined): string {
  if (count === null || count === undefined || !Number.isFinite(count)) return '—';
  return Math.round(count)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

/**
 * A run's "still pending" cell for one database. A database the run could not reach was never asked
 * what it lacks: its empty list means "not known", not "nothing", and the cell says so.
 */
export function stillPending(d: Pick<MigrationRun['databases'][number], 'state' | 'pending'>): string {
  if (d.pending.length > 0) return d.pending.join(' ');
  return d.state === 'unreachable' ? 'not known (not reached)' : '—';
}

/** The fraction a job's bar shows: the whole job's (`overall`) when it says, else its phase's done/total; null when unknown. */
export function progressFraction(event: { done: number; total: number | null; overall?: number | undefined }): number | null {
  if (event.overall !== undefined) return Math.min(1, Math.max(0, event.overall));
  return event.total !== null && event.total > 0 ? Math.min(1, event.done / event.total) : null;
}

/**
 * How much of a job's work, in its unit: `1.20 GB / 4.00 GB` for bytes (the unit is in the figures),
 * `1,200 / 4,000 rows` otherwise; `sep` between done and total. Used by the UI's bars and the CLI's lines.
 */
export function formatProgressAmount(done: number, total: number | null, unit: string, sep = ' / '): string {
  const amount = (n: number) => (unit === 'bytes' ? formatBytes(n) : formatCount(n));
  const figures = total === null ? amount(done) : `${amount(done)}${sep}${amount(total)}`;
  return unit === 'bytes' ? figures : `${figures} ${unit}`;
}

/** A rate in a job's unit: `12.0 MB/s`, `3,400 rows/s`. */
export function formatRate(perSecond: number, unit: string): string {
  return unit === 'bytes' ? `${formatBytes(perSecond)}/s` : `${formatCount(perSecond)} ${unit}/s`;
}
