import type { DatabaseSizes, TenantSize } from '../../../shared/contract.ts';
import { formatBytes } from '../../../shared/format.ts';
import { isOrphanedTenant } from '../../../shared/orphaned-tenant.ts';

/* Pure view logic of the shard pages: chart series and labels from shards.sizes / shards.largestTenants. */

export const OTHER_TABLES = 'other tables';
export const UNATTRIBUTED = 'free space & catalog';

export interface StackedSizes {
  /** Segment keys in drawing order: the largest tables, then the rest, then what no table accounts for. */
  keys: string[];
  rows: Array<{ database: string; total: number } & Record<string, number | string>>;
}

/**
 * One bar per database split by table: the `top` largest tables across the cluster get their own
 * segment, the rest share one, and the part of the database size no table accounts for (catalog, free
 * space) is its own segment, so every bar adds up to the database size.
 */
export function stackedTableSizes(databases: readonly DatabaseSizes[], top = 8): StackedSizes {
  const reachable = databases.filter((d) => d.sizeBytes !== null);
  const byTable = new Map<string, number>();
  for (const d of reachable) for (const t of d.tables) byTable.set(t.table, (byTable.get(t.table) ?? 0) + t.totalBytes);
  const chosen = [...byTable]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, top)
    .map(([name]) => name);
  const keys = [...chosen, OTHER_TABLES, UNATTRIBUTED];
  const rows = reachable.map((d) => {
    const row: { database: string; total: number } & Record<string, number | string> = { database: d.name, total: d.sizeBytes ?? 0 };
    let listed = 0;
    let other = 0;
    for (const t of d.tables) {
      if (chosen.includes(t.table)) row[t.table] = t.totalBytes;
      else other += t.totalBytes;
      listed += t.totalBytes;
    }
    for (const k of chosen) row[k] ??= 0;
    row[OTHER_TABLES] = other;
    row[UNATTRIBUTED] = Math.max(0, (d.sizeBytes ?? 0) - listed);
    return row;
  });
  return { keys, rows };
}

export interface TrendPoint {
  t: number;
  [database: string]: number;
}

/** Snapshots of several databases on one time axis (a point per distinct time; a database missing at a time is a gap). */
export function trendSeries(databases: readonly Pick<DatabaseSizes, 'name' | 'trend'>[]): { names: string[]; points: TrendPoint[] } {
  const byTime = new Map<number, TrendPoint>();
  for (const d of databases) {
    for (const p of d.trend) {
      const t = Date.parse(p.takenAt);
      const point = byTime.get(t) ?? { t };
      point[d.name] = p.sizeBytes;
      byTime.set(t, point);
    }
  }
  return { names: databases.map((d) => d.name), points: [...byTime.values()].sort((a, b) => a.t - b.t) };
}

/**
 * Y-axis range of a trend: the data's range padded, so a flat line (sizes that did not change) sits in
 * the middle with distinct ticks instead of five identical labels.
 */
export function trendDomain(points: readonly TrendPoint[], names: readonly string[]): [number, number] {
  const values = points.flatMap((p) => names.map((n) => p[n]).filter((v): v is number => typeof v === 'number'));
  if (values.length === 0) return [0, 1];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = Math.max((hi - lo) * 0.1, hi * 0.02, 64 * 1024);
  return [Math.max(0, Math.floor(lo - pad)), Math.ceil(hi + pad)];
}

export function formatShare(share: number): string {
  if (share <= 0) return '0%';
  if (share < 0.001) return '<0.1%';
  return `${(share * 100).toFixed(share >= 0.1 ? 0 : 1)}%`;
}

/** `namesKnown` false: the primary did not answer, so a tenant without a name is not known to have no website. */
export function tenantLabel(t: Pick<TenantSize, 'id' | 'subdomain' | 'shard'>, namesKnown = true): string {
  return t.subdomain ? `#${t.id} ${t.subdomain}` : isOrphanedTenant(t, namesKnown) ? `#${t.id} (no website)` : `#${t.id}`;
}

/** YYYY-MM-DD of the operator's own day (the clock on their desk), as the times beside it are. */
function localDate(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** "+1.50 MB since 14:05" (or "no earlier snapshot"); another day's snapshot with its date, in local time. */
export function growthLabel(growth: DatabaseSizes['growth'], now: Date = new Date()): string {
  if (growth === null) return 'no earlier snapshot';
  const sign = growth.bytes > 0 ? '+' : growth.bytes < 0 ? '−' : '±';
  const since = new Date(growth.sinceAt);
  const sameDay = since.toDateString() === now.toDateString();
  const time = since.toTimeString().slice(0, 5);
  const when = sameDay ? time : `${localDate(since)} ${time}`;
  return `${sign}${formatBytes(Math.abs(growth.bytes))} since ${when}`;
}

/** Time-axis ticks: hours and minutes today, the (local) date otherwise. */
export function timeTick(t: number, now: Date = new Date()): string {
  const d = new Date(t);
  return d.toDateString() === now.toDateString() ? d.toTimeString().slice(0, 5) : localDate(d).slice(5);
}
