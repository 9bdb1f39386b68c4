import { consoleTableExists, ensureConsoleSchema } from '../console-schema/ensure-console-schema.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { isReadOnlyDatabase } from '../read-only-guard.ts';

/** At most one snapshot per database per this many minutes: often enough for a trend, never a write per page view. */
export const SNAPSHOT_INTERVAL_MINUTES = 15;
/** Points per database drawn in the trend. */
const TREND_POINTS = 200;
/** One key for "someone is writing size snapshots", so two consoles looking at once store one. */
const SNAPSHOT_LOCK_KEY = 0x5c_0512e;

export interface SnapshotReading {
  readonly database: string;
  readonly sizeBytes: number;
  readonly websites: number | null;
  readonly tableBytes: Record<string, number>;
}

export interface StoredSnapshot {
  readonly takenAt: string;
  readonly sizeBytes: number;
  readonly tableBytes: Record<string, number>;
}

/** Snapshots per database, oldest first (the last one is the latest "look"); none before the console first stored one. */
export async function readSnapshots(primary: DatabaseHandle, databases: readonly string[]): Promise<Map<string, StoredSnapshot[]>> {
  const out = new Map<string, StoredSnapshot[]>(databases.map((d) => [d, []]));
  if (!(await consoleTableExists(primary, 'size_snapshots'))) return out;
  const result = await primary.query<{ database: string; taken_at: Date; size_bytes: string; table_bytes: Record<string, number> | null }>(
    `SELECT database, taken_at, size_bytes::text, CASE WHEN rn = 1 THEN table_bytes END AS table_bytes
       FROM (SELECT s.*, row_number() OVER (PARTITION BY database ORDER BY taken_at DESC) AS rn
               FROM shard_console.size_snapshots s WHERE database = ANY($1::text[])) s
      WHERE rn <= $2 ORDER BY database, taken_at`,
    [databases, TREND_POINTS],
  );
  for (const r of result.rows) {
    out.get(r.database)?.push({ takenAt: r.taken_at.toISOString(), sizeBytes: Number(r.size_bytes), tableBytes: r.table_bytes ?? {} });
  }
  return out;
}

/**
 * Stores a snapshot for each database whose latest one is older than the interval; returns the
 * databases it stored one for. Under an advisory lock, so concurrent viewers store one, not two.
 * A read-only profile stores none (`snapshotTaken` is false): looking must not write.
 */
export async function recordSnapshots(primary: DatabaseHandle, readings: readonly SnapshotReading[]): Promise<string[]> {
  if (readings.length === 0 || isReadOnlyDatabase(primary)) return [];
  await ensureConsoleSchema(primary);
  const client = await primary.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SNAPSHOT_LOCK_KEY]);
    const result = await client.query<{ database: string }>(
      `INSERT INTO shard_console.size_snapshots (database, size_bytes, websites, table_bytes)
       SELECT r.database, r.size_bytes, r.websites, r.table_bytes
         FROM jsonb_to_recordset($1::jsonb) AS r(database text, size_bytes bigint, websites integer, table_bytes jsonb)
        WHERE NOT EXISTS (SELECT 1 FROM shard_console.size_snapshots s
                           WHERE s.database = r.database AND s.taken_at > now() - make_interval(mins => $2))
       RETURNING database`,
      [
        JSON.stringify(readings.map((r) => ({ database: r.database, size_bytes: r.sizeBytes, websites: r.websites, table_bytes: r.tableBytes }))),
        SNAPSHOT_INTERVAL_MINUTES,
      ],
    );
    await client.query('COMMIT');
    return result.rows.map((r) => r.database);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
