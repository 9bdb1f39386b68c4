import type { DatabaseSizes, ShardSizesResult } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { databaseError } from '../pools/database-error.ts';
import { websitesPerShard } from '../tenants/website-routing.ts';
import { readSnapshots, recordSnapshots, SNAPSHOT_INTERVAL_MINUTES } from './size-snapshots.ts';
import type { StoredSnapshot } from './size-snapshots.ts';
import { readTableSizes, tenantDataBytes } from './table-sizes.ts';
import type { DatabaseSizeReading } from './table-sizes.ts';
import type { RunningJob } from '../jobs/job-registry.ts';
import { stopIfRequested } from '../call-context.ts';

type Reading = { ok: true; value: DatabaseSizeReading } | { ok: false; error: ConsoleError };

function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: ConsoleError }> {
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
  const names = targets.map((t) => t.name);
  // Snapshots first: on first use this creates the console's own tables, which the primary's size must include.
  const snapshots = await settle(readSnapshots(primary, names));
  let read = 0;
  const readOne = (name: string): Promise<Reading> =>
    settle(ctx.catalog.get(name).then((catalog) => readTableSizes(ctx.pools.get(name), catalog))).then((reading) => {
      job?.progress({ phase: 'sizes', done: ++read, total: targets.length, unit: 'databases', message: `${name} read` });
      return reading;
    });
  job?.progress({ phase: 'sizes', done: 0, total: targets.length, unit: 'databases' });
  const [readings, websites] = await Promise.all([
    Promise.all(targets.map((t) => readOne(t.name))),
    settle(websitesPerShard(ctx)),
  ]);
  // Stopped: the databases' "errors" are the cancelled statements, not an answer.
  stopIfRequested();
  const takenAt = new Date().toISOString();
  const toStore = targets.flatMap((t, i) => {
    const reading = readings[i]!;
    if (!reading.ok) return [];
    return [
      {
        database: t.name,
        sizeBytes: reading.value.sizeBytes,
        websites: websites.ok ? (websites.value.get(t.name) ?? 0) : null,
        tableBytes: Object.fromEntries(reading.value.tables.map((x) => [x.table, x.totalBytes])),
      },
    ];
  });
  // The trend is a convenience: a primary that cannot store it must not hide the sizes.
  const stored = snapshots.ok ? await recordSnapshots(primary, toStore).catch(() => [] as string[]) : [];
  const databases = targets.map((target, i): DatabaseSizes => {
    const reading = readings[i]!;
    const history: StoredSnapshot[] = snapshots.ok ? (snapshots.value.get(target.name) ?? []) : [];
    const base = {
      name: target.name,
      role: target.role,
      websites: websites.ok ? (websites.value.get(target.name) ?? 0) : null,
    };
    if (!reading.ok) {
      return {
        ...base,
        reachable: false,
        sizeBytes: null,
        tenantDataBytes: 0,
        tables: [],
        growth: null,
        trend: history.map((s) => ({ takenAt: s.takenAt, sizeBytes: s.sizeBytes })),
        error: databaseError(target, reading.error).toInfo(),
      };
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
      trend: [...history.map((s) => ({ takenAt: s.takenAt, sizeBytes: s.sizeBytes })), { takenAt, sizeBytes: reading.value.sizeBytes }],
      error: null,
    };
  });
  return {
    takenAt,
    snapshotIntervalMinutes: SNAPSHOT_INTERVAL_MINUTES,
    snapshotTaken: stored.length > 0,
    databases,
    durationMs: Math.round(performance.now() - started),
  };
}
