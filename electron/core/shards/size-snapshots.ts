import { sql } from 'kysely';
import type pg from 'pg';
import { runQuery } from '../catalog/run-query.ts';
import { consoleTables } from '../console-schema/console-database.ts';
import { consoleTableExists, ensureConsoleSchema } from '../console-schema/ensure-console-schema.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { isReadOnlyDatabase } from '../read-only-guard.ts';

/** At most one snapshot per database per this many minutes: often enough for a trend, never a write per page view. */
export const SNAPSHOT_INTERVAL_MINUTES = 15;
/**
 * Points per database drawn in the trend, and kept: older snapshots are deleted as new ones are stored,
 * and only the latest keeps its per-table bytes (growth per table is against it), so the table stays a
 * few hundred small rows per database however long the console is used.
 */
export const TREND_POINTS = 200;
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

/** The latest TREND_POINTS snapshots of each database, the newest numbered 1 (it alone keeps its table bytes). */
function latestSnapshots(databases: readonly string[]) {
  return consoleTables
    .selectFrom('shard_console.size_snapshots as s')
    .select((eb) => [
      's.database',
      's.taken_at',
      's.size_bytes',
      's.table_bytes',
      eb.fn
        .agg<number>('row_number')
        .over((over) => over.partitionBy('s.database').orderBy('s.taken_at', 'desc'))
        .as('rn'),
    ])
    .where((eb) => eb('s.database', '=', eb.fn.any(sql<string[]>`${databases}::text[]`)));
}

/** Snapshots per database, oldest first (the last one is the latest "look"); none before the console first stored one. */
export async function readSnapshots(primary: DatabaseHandle, databases: readonly string[]): Promise<Map<string, StoredSnapshot[]>> {
  const out = new Map<string, StoredSnapshot[]>(databases.map((d) => [d, []]));
  if (!(await consoleTableExists(primary, 'size_snapshots'))) return out;
  const query = consoleTables
    .selectFrom(latestSnapshots(databases).as('s'))
    .select((eb) => [
      's.database',
      's.taken_at',
      eb.cast<string>('s.size_bytes', 'text').as('size_bytes'),
      eb.case().when('s.rn', '=', 1).then(eb.ref('s.table_bytes')).end().as('table_bytes'),
    ])
    .where('s.rn', '<=', TREND_POINTS)
    .orderBy('s.database')
    .orderBy('s.taken_at');
  for (const r of await runQuery(primary, query)) {
    out.get(r.database)?.push({ takenAt: r.taken_at.toISOString(), sizeBytes: Number(r.size_bytes), tableBytes: r.table_bytes ?? {} });
  }
  return out;
}

/** Inserts the readings of databases without a snapshot in the interval; returns the databases it stored. */
function insertDueSnapshots(readings: readonly SnapshotReading[]) {
  const rows = readings.map((r) => ({ database: r.database, size_bytes: r.sizeBytes, websites: r.websites, table_bytes: r.tableBytes }));
  type IncomingRow = { database: string; size_bytes: string; websites: number | null; table_bytes: string };
  const incoming = sql<IncomingRow>`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)`;
  const columns = sql`r(database text, size_bytes bigint, websites integer, table_bytes jsonb)`;
  return consoleTables
    .insertInto('shard_console.size_snapshots')
    .columns(['database', 'size_bytes', 'websites', 'table_bytes'])
    .expression((eb) =>
      eb
        .selectFrom(incoming.as<'r'>(columns))
        .select(['r.database', 'r.size_bytes', 'r.websites', 'r.table_bytes'])
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('shard_console.size_snapshots as s')
                .select(sql.lit(1).as('one'))
                .whereRef('s.database', '=', 'r.database')
                .where('s.taken_at', '>', sql<Date>`now() - make_interval(mins => ${SNAPSHOT_INTERVAL_MINUTES})`),
            ),
          ),
        ),
    )
    .returning('database');
}

/** Keeps the latest TREND_POINTS snapshots of these databases, and the per-table bytes of the latest only. */
async function pruneSnapshots(client: pg.ClientBase, databases: readonly string[]): Promise<void> {
  await client.query(
    `WITH ranked AS (
       SELECT id, row_number() OVER (PARTITION BY database ORDER BY taken_at DESC, id DESC) AS rn
         FROM shard_console.size_snapshots WHERE database = ANY($1::text[]))
     DELETE FROM shard_console.size_snapshots s USING ranked r WHERE s.id = r.id AND r.rn > $2`,
    [databases, TREND_POINTS],
  );
  await client.query(
    `UPDATE shard_console.size_snapshots s SET table_bytes = '{}'::jsonb
      WHERE s.database = ANY($1::text[]) AND s.table_bytes <> '{}'::jsonb
        AND s.id <> (SELECT l.id FROM shard_console.size_snapshots l WHERE l.database = s.database ORDER BY l.taken_at DESC, l.id DESC LIMIT 1)`,
    [databases],
  );
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
    await runQuery(
      client,
      consoleTables.selectNoFrom((eb) => eb.fn('pg_advisory_xact_lock', [eb.val(SNAPSHOT_LOCK_KEY)]).as('locked')),
    );
    const stored = await runQuery(client, insertDueSnapshots(readings));
    const databases = stored.map((r) => r.database);
    if (databases.length > 0) await pruneSnapshots(client, databases);
    await client.query('COMMIT');
    return stored.map((r) => r.database);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
