import type { DatabaseSizes, ShardSizesResult } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { databaseError } from '../pools/database-error.ts';
import { websitesPerShard } from '../tenants/website-routing.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { isReadOnlyDatabase } from '../read-only-guard.ts';
import { readSnapshots, recordSnapshots, SNAPSHOT_INTERVAL_MINUTES } from './size-snapshots.ts';
import type { SnapshotReading, StoredSnapshot } from './size-snapshots.ts';
import { readTableSizes, tenantDataBytes } from './table-sizes.ts';
import type { DatabaseSizeReading } from './table-sizes.ts';
import type { RunningJob } from '../jobs/job-registry.ts';
import { stopIfRequested } from '../call-context.ts';

type Settled<T> = { ok: true; value: T } | { ok: false; error: ConsoleError };
type Reading = Settled<DatabaseSizeReading>;

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: error instanceof ConsoleError ? error : new ConsoleError('INTERNAL', String(error)) }),
  );
}

/**
 * Sizes of every database (or one), read in parallel from the catalog functions, with websites per
 * shard and the snapshots of earlier looks; stores this look as a snapshot when the last is older
 * than the interval. A database that does not answer is reported, never fatal.
 */
export async function shardSizes(ctx: ConsoleContext, database?: string, job?: Pick<RunningJob, 'progress'>): Promise<ShardSizesResult> {
  const started = performance.now();
  const targets = database ? [ctx.pools.get(database).target] : ctx.pools.targets;
  const primary = ctx.pools.primary();
  // Snapshots first: on first use this creates the console's own tables, which the primary's size must include.
  const snapshots = await settle(
    readSnapshots(
      primary,
      targets.map((t) => t.name),
    ),
  );
  const [readings, websites] = await Promise.all([readAllSizes(ctx, targets, job), settle(websitesPerShard(ctx))]);
  // Stopped: the databases' "errors" are the cancelled statements, not an answer.
  stopIfRequested();
  const takenAt = new Date().toISOString();
  const websitesOn = (name: string) => (websites.ok ? (websites.value.get(name) ?? 0) : null);
  // The trend is a convenience: a primary that cannot store it must not hide the sizes.
  const toStore = snapshotReadings(targets, readings, websitesOn);
  const { stored, skipped } = await storeSnapshots(primary, snapshots, toStore);
  const databases = targets.map((target, i): DatabaseSizes => {
    const history: StoredSnapshot[] = snapshots.ok ? (snapshots.value.get(target.name) ?? []) : [];
    return databaseSizes(target, readings[i]!, history, websitesOn(target.name), takenAt);
  });
  return {
    takenAt,
    snapshotIntervalMinutes: SNAPSHOT_INTERVAL_MINUTES,
    snapshotTaken: stored.length > 0,
    snapshotSkipped: skipped,
    databases,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * This look stored as snapshots where due, and when none was, why (the trend is a convenience: a
 * primary that cannot store it must not hide the sizes, but the operator is told).
 */
async function storeSnapshots(
  primary: DatabaseHandle,
  history: Settled<unknown>,
  readings: readonly SnapshotReading[],
): Promise<{ stored: string[]; skipped: string | null }> {
  if (isReadOnlyDatabase(primary)) return { stored: [], skipped: 'the profile is read-only, and looking must not write' };
  if (!history.ok) return { stored: [], skipped: `the primary's snapshots could not be read (${history.error.message})` };
  if (readings.length === 0) return { stored: [], skipped: 'no database answered' };
  try {
    const stored = await recordSnapshots(primary, readings);
    return stored.length > 0
      ? { stored, skipped: null }
      : { stored, skipped: `each database's last snapshot is under ${SNAPSHOT_INTERVAL_MINUTES} minutes old` };
  } catch (error) {
    return { stored: [], skipped: `storing it on the primary failed (${(error as Error).message})` };
  }
}

/** Every database's sizes in parallel, each reported to the job as it arrives. */
function readAllSizes(ctx: ConsoleContext, targets: readonly DatabaseTarget[], job: Pick<RunningJob, 'progress'> | undefined): Promise<Reading[]> {
  let read = 0;
  const readOne = (name: string): Promise<Reading> =>
    settle(ctx.catalog.get(name).then((catalog) => readTableSizes(ctx.pools.get(name), catalog))).then((reading) => {
      job?.progress({ phase: 'sizes', done: ++read, total: targets.length, unit: 'databases', message: `${name} read` });
      return reading;
    });
  job?.progress({ phase: 'sizes', done: 0, total: targets.length, unit: 'databases' });
  return Promise.all(targets.map((t) => readOne(t.name)));
}

/** This look, as the snapshots to store: the databases that answered. */
function snapshotReadings(targets: readonly DatabaseTarget[], readings: readonly Reading[], websitesOn: (name: string) => number | null): SnapshotReading[] {
  return targets.flatMap((t, i) => {
    const reading = readings[i]!;
    if (!reading.ok) return [];
    const tableBytes = Object.fromEntries(reading.value.tables.map((x) => [x.table, x.totalBytes]));
    return [{ database: t.name, sizeBytes: reading.value.sizeBytes, websites: websitesOn(t.name), tableBytes }];
  });
}

/** One database's row: its tables and growth since the last snapshot, or why it could not be read. */
function databaseSizes(target: DatabaseTarget, reading: Reading, history: readonly StoredSnapshot[], websites: number | null, takenAt: string): DatabaseSizes {
  const base = { name: target.name, role: target.role, websites };
  const trend = history.map((s) => ({ takenAt: s.takenAt, sizeBytes: s.sizeBytes }));
  if (!reading.ok) {
    const error = databaseError(target, reading.error).toInfo();
    return { ...base, reachable: false, sizeBytes: null, tenantDataBytes: 0, tables: [], growth: null, trend, error };
  }
  const last = history.at(-1);
  const tables = reading.value.tables.map((t) => ({
    ...t,
    growthBytes: last && t.table in last.tableBytes ? t.totalBytes - last.tableBytes[t.table]! : null,
  }));
  return {
    ...base,
    reachable: true,
    sizeBytes: reading.value.sizeBytes,
    tenantDataBytes: tenantDataBytes(tables),
    tables,
    growth: last ? { sinceAt: last.takenAt, bytes: reading.value.sizeBytes - last.sizeBytes } : null,
    trend: [...trend, { takenAt, sizeBytes: reading.value.sizeBytes }],
    error: null,
  };
}
