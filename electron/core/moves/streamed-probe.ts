import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { columnDefinitions } from './sql-fragments.ts';

/** A column of the temporary table the streamed values land in. */
export interface ProbeColumn {
  readonly name: string;
  readonly type: string;
}

/** The temporary table every probe streams into; gone with the probe's transaction. */
export const PROBE_TABLE = 'shard_console_probe';

export interface StreamedProbe {
  /** Rows of this SELECT, run on `from`, are streamed (binary COPY) into the probe table on `into`. */
  readonly select: string;
  readonly columns: readonly ProbeColumn[];
  /** Run on `into` once the rows are in: reads the probe table against that database's tables. */
  readonly question: string;
}

/**
 * Takes a session on each database, always the source's first (probes run in parallel: two taking them
 * in opposite orders could each hold what the other waits for), and hands them over as `from`/`into`.
 */
export async function withProbeSessions<T>(
  source: DatabaseHandle,
  target: DatabaseHandle,
  direction: 'to-target' | 'to-source',
  work: (from: pg.PoolClient, into: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const sourceClient = await source.longSession();
  const targetClient = await target.longSession().catch((error: unknown) => {
    sourceClient.release();
    throw error;
  });
  const [from, into] = direction === 'to-target' ? [sourceClient, targetClient] : [targetClient, sourceClient];
  let failed: Error | undefined;
  try {
    return await work(from, into);
  } catch (error) {
    failed = error as Error;
    throw error;
  } finally {
    // A session broken mid-COPY (its COPY OUT may still be streaming) must not go back to the pool.
    into.release(failed);
    from.release(failed);
  }
}

/**
 * Streams one database's rows into a temporary table on another and asks one question there, inside a
 * transaction that is rolled back: nothing persists on either database, and nothing passes through the
 * console's memory but stream buffers.
 */
export async function streamedProbe<R extends pg.QueryResultRow>(from: pg.ClientBase, into: pg.ClientBase, probe: StreamedProbe): Promise<R[]> {
  try {
    await into.query('BEGIN');
    await into.query(`CREATE TEMP TABLE ${PROBE_TABLE} (${columnDefinitions(probe.columns)}) ON COMMIT DROP`);
    const rows = from.query(copyTo(`COPY (${probe.select}) TO STDOUT (FORMAT binary)`));
    await pipeline(rows, into.query(copyFrom(`COPY ${PROBE_TABLE} FROM STDIN (FORMAT binary)`)));
    return (await into.query<R>(probe.question)).rows;
  } finally {
    await into.query('ROLLBACK').catch(() => {});
  }
}
