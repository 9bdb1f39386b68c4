import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import type { PgDumpArchive } from '../backups/archive/pg-dump-archive.ts';
import { currentSignal, stopIfRequested } from '../call-context.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { failpoint } from '../moves/move-failpoints.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { copyLinesInto, encodingLiteral, joinLines } from './copy-lines.ts';
import { assertReferencesResolve } from './references-resolve.ts';
import { comparableLine, inTableOrder, fieldNormalizers, needsShortestFloats, RowDigest, type RowHashVersion } from './row-digest.ts';
import type { RestoreTable } from './restore-tables.ts';
import { digestBeforeCommit, type ReadBackOptions } from './verify-restore.ts';
import { WebsiteLines } from './website-lines.ts';

/** A table with this many rows of the website loads over several sessions at once. */
const SPLIT_ROWS = 50_000;
/**
 * How long a session of a table split over two waits for a lock. Two rows of the archive with one key
 * under a unique index the live table has (one added since the backup) can go to different sessions:
 * the second waits for the first's transaction, which commits only once both COPYs end, and PostgreSQL
 * sees no deadlock (the other half of the cycle is the console's). Without a bound the load would hang,
 * the website's writes fenced, until someone stopped it.
 */
const SPLIT_LOCK_TIMEOUT = '20s';

/**
 * A table loaded over several sessions is read back by them, all at once, before they commit, when
 * the rows loading after it are fewer than a tenth of its own: its read-back in the lane would have
 * little load to overlap (a row reads back in about a third of the time it loads), and the tail of
 * the load would be one session reading it alone.
 */
const READ_BACK_HERE_RATIO = 10;

/** Where a table's rows go: the live table (replace, empty place) or its copy in a side schema. */
export interface LoadInto {
  readonly schema: string;
  readonly table: string;
  /** A side schema's table: emptied first, no foreign keys to check, no fence to pass. */
  readonly side: boolean;
}

export interface LoadOptions {
  readonly handle: DatabaseHandle;
  readonly catalog: DatabaseCatalog;
  readonly archive: PgDumpArchive;
  readonly tables: readonly RestoreTable[];
  readonly websiteId: number;
  readonly into: (t: RestoreTable) => LoadInto;
  /** May this role set session_replication_role (load without per-row FK and application triggers)? */
  readonly replica: boolean;
  /** The job's row hash, for the archive side of verification. */
  readonly rowHash: RowHashVersion;
  readonly onProgress: (table: string, loadedRows: number, done: boolean) => void;
  /** The website's rows per table in the archive, from the plan (progress, and where the crash tests strike). */
  readonly plannedRows?: ReadonlyMap<string, number>;
  /** Sessions a big table's rows are spread over (1: one COPY per table). */
  readonly streams?: number;
  /** The table with the most rows (crash tests kill the load halfway through it). */
  readonly largest?: string;
  /**
   * After a table's load committed: the archive side of its verification, whether the live table
   * took rows its statistics do not know of yet (see analyzeWebsiteKey; the caller takes them, so that
   * the next table's load need not wait for them), and its rows as read back by the sessions that
   * wrote them, before their commit (see READ_BACK_HERE_RATIO; null otherwise: the caller reads them).
   */
  readonly onLoaded: (
    table: string,
    digest: { rows: number; hash: string },
    analyze: boolean,
    readBack: { digest: { rows: number; hash: string }; ms: number } | null,
  ) => Promise<void>;
}

/**
 * Loads the website's archived rows, table after table in FK order (parents first, so a chain table's
 * parent keys are known when its rows go by, and the rows it references are in), each table in one
 * transaction: its kept lines stream into COPY by column name as the archive has them, hashed for
 * verification on the way. Applied the way the move applies rows where the role may: with
 * session_replication_role = replica (no per-row FK query, no application trigger), and every foreign
 * key the FK triggers would have checked checked set-based before the commit.
 */
export async function loadWebsite(options: LoadOptions): Promise<void> {
  const reader = new WebsiteLines(options.archive, options.tables, options.websiteId, options.plannedRows);
  const shortestFloats = needsShortestFloats(options.archive.info.serverVersion);
  const planned = (t: RestoreTable) => options.plannedRows?.get(t.name) ?? 0;
  let after = options.tables.reduce((n, t) => n + planned(t), 0);
  let committed = 0;
  for (const t of options.tables) {
    // A safe point: every table before this one is committed whole.
    stopIfRequested();
    after -= planned(t);
    await loadTable(options, reader, t, shortestFloats, after * READ_BACK_HERE_RATIO < planned(t));
    // Crash tests: die with half the tables loaded and the rest not.
    if (++committed === Math.ceil(options.tables.length / 2) && committed < options.tables.length) failpoint('load:half');
  }
}

/**
 * One table's rows as COPY text in the compared column order (its first archive entry's), each row
 * hashed as it passes. When every entry lists its columns in that order (all but a partitioned table
 * whose partitions were dumped with their columns in different orders) the rows pass as the reader
 * copies them out; otherwise they are rewritten line by line.
 */
function hashedText(reader: WebsiteLines, t: RestoreTable, digest: RowDigest, shortestFloats: boolean, onRows: () => void): AsyncIterable<Buffer> {
  const normalizers = fieldNormalizers(t.types, { shortestFloats });
  const plain = comparableLine(normalizers);
  const order = t.columns.join('\u0000');
  if (t.entries.some((e) => e.columns.join('\u0000') !== order)) return joinLines(reorderedLines(reader, t, digest, plain, onRows));
  const asPrinted = normalizers.every((n) => n === null);
  return reader.text(
    t,
    (_entry, buf, start, end) => {
      if (asPrinted) digest.addRange(buf, start, end);
      else digest.add(plain(buf.subarray(start, end)));
      onRows();
    },
    currentSignal(),
  );
}

async function* reorderedLines(
  reader: WebsiteLines,
  t: RestoreTable,
  digest: RowDigest,
  plain: (line: Buffer) => Buffer,
  onRows: () => void,
): AsyncGenerator<Buffer[]> {
  const inOrder = inTableOrder(t.columns);
  for await (const { entry, lines } of reader.batches(t, currentSignal())) {
    const out = inOrder(entry, lines);
    for (const line of out) digest.add(plain(line));
    onRows();
    yield out;
  }
}

/** A session ready to load one table: its transaction open, the fence passed, pg_dump's text read as written. */
async function loadSession(options: LoadOptions, into: LoadInto, split: boolean): Promise<pg.PoolClient> {
  const client = await options.handle.longSession();
  try {
    await client.query('BEGIN');
    // Every lock wait bounded, the table's own too: waited out without a bound, a lock a migration asks
    // for between two sessions' (queued behind the first, which commits only with the others) would hang
    // the second, and the load, the same way.
    if (split) await client.query(`SET LOCAL lock_timeout = '${SPLIT_LOCK_TIMEOUT}'`);
    await client.query(`SET LOCAL shard_console.bypass_fence = 'on'`);
    if (options.replica && !into.side) await client.query('SET LOCAL session_replication_role = replica');
    if (into.side) await client.query(`TRUNCATE ${tableRef(into.schema, into.table)}`);
    await client.query(`SET LOCAL client_encoding = ${encodingLiteral(options.archive.info.encoding)}`);
    // Read the way pg_dump wrote them, whatever this database's defaults (an interval's signs depend on IntervalStyle).
    await client.query(`SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'`);
    return client;
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
}

/** Sessions a table loads over: two for a big table (see copyLinesInto), one otherwise. */
function streamsFor(options: LoadOptions, t: RestoreTable, into: LoadInto): number {
  const big = (options.plannedRows?.get(t.name) ?? 0) >= SPLIT_ROWS;
  return big && !into.side && !t.scoped.selfReferencing ? Math.max(1, options.streams ?? 1) : 1;
}

async function loadTable(options: LoadOptions, reader: WebsiteLines, t: RestoreTable, shortestFloats: boolean, readBackHere: boolean): Promise<void> {
  const into = options.into(t);
  const digest = new RowDigest(options.rowHash);
  const clients: pg.PoolClient[] = [];
  let readBack: { digest: { rows: number; hash: string }; ms: number } | null = null;
  let failed: Error | undefined;
  try {
    const streams = streamsFor(options, t, into);
    for (let i = streams; i > 0; i--) clients.push(await loadSession(options, into, streams > 1));
    let lastReport = 0;
    let lastRows = 0;
    // Crash tests: die inside the COPY of the largest table, half of its rows sent, none committed.
    const crashAt =
      process.env.SHARD_CONSOLE_FAILPOINT === 'load:mid' && t.name === options.largest ? Math.ceil((options.plannedRows?.get(t.name) ?? 2) / 2) : -1;
    // Called for every row (or batch of rows): the clock is read once a thousand rows.
    const onRow = () => {
      if (crashAt > 0 && digest.rows >= crashAt) failpoint('load:mid');
      if (digest.rows - lastRows < 1024) return;
      lastRows = digest.rows;
      const now = Date.now();
      if (now - lastReport > 250) {
        lastReport = now;
        options.onProgress(t.name, digest.rows, false);
      }
    };
    if (t.entries.length)
      await copyLinesInto(
        clients,
        `COPY ${tableRef(into.schema, into.table)} (${t.columns.map(quoteIdent).join(', ')}) FROM STDIN`,
        hashedText(reader, t, digest, shortestFloats, onRow),
      );
    for (const client of clients) {
      await client.query(`SET LOCAL client_encoding = 'UTF8'`);
      // Each session checks the rows it wrote (the other's are not visible to it): together, all of them.
      if (options.replica && !into.side) await assertReferencesResolve(client, options.catalog, t.scoped, options.websiteId);
    }
    if (readBackHere && clients.length > 1) {
      const started = performance.now();
      readBack = { digest: await digestBeforeCommit(clients, readBackOptions(options), t), ms: Math.round(performance.now() - started) };
    }
    for (const client of clients) await client.query('COMMIT');
  } catch (error) {
    failed = error as Error;
    for (const client of clients) await client.query('ROLLBACK').catch(() => {});
    throw loadFailure(options, t, error, clients.length > 1);
  } finally {
    // A session broken mid-COPY must not go back to the pool.
    for (const client of clients) client.release(failed);
  }
  // The statistics of the website's rows are taken by what onLoaded starts (the read-back, which plans
  // with them), not here: the next table's load goes on meanwhile.
  await options.onLoaded(t.name, { rows: digest.rows, hash: digest.hash }, digest.rows > 0 && !into.side, readBack);
  options.onProgress(t.name, digest.rows, true);
}

/** What a table's failed load is said as: a stop as itself, a split load's lock wait as what it most likely is. */
function loadFailure(options: LoadOptions, t: RestoreTable, error: unknown, split: boolean): Error {
  if (currentSignal()?.aborted || (error instanceof ConsoleError && error.code === 'RESTORE_FAILED')) return error as Error;
  if (split && (error as { code?: string }).code === '55P03')
    return new ConsoleError(
      'RESTORE_FAILED',
      `Loading ${t.name} into ${options.handle.target.name} over several sessions stopped: one waited ${SPLIT_LOCK_TIMEOUT} for a lock. Either the archive holds two of website ${options.websiteId}'s rows with one key under a unique index the live table has and the backup's did not (added since: one session waits for the other's row), or another session holds or asks for a lock on the table (a migration's CREATE INDEX or ALTER TABLE, a VACUUM FULL). Check the archive for duplicates (backup website ${options.websiteId} PATH --rows N) and pg_locks for the table, then resume the restore (its load starts clean), or roll it back.`,
      { target: t.name, cause: error },
    );
  return new ConsoleError(
    'RESTORE_FAILED',
    `Loading ${t.name} into ${options.handle.target.name} failed: ${(error as Error).message}. Resume the restore once the cause is fixed (its load starts clean), or roll it back.`,
    { target: t.name, cause: error },
  );
}

function readBackOptions(options: LoadOptions): ReadBackOptions {
  const { handle, catalog, websiteId, into, rowHash } = options;
  return { handle, catalog, websiteId, into, rowHash, encoding: options.archive.info.encoding, serverVersion: options.archive.info.serverVersion };
}

/**
 * The table's statistics were taken without the website's rows: a sample of just the columns that
 * select them (its key, or the FK to its tenant parent) lets verification's read-back (and PWB's own
 * queries) plan for their real number. Statistics are a plan's input, never its result: a lock held
 * elsewhere is not waited for past a second, and no failure here fails the restore.
 */
export async function analyzeWebsiteKey(handle: DatabaseHandle, t: RestoreTable): Promise<void> {
  const columns = t.scoped.tenant.chain[0]?.columns ?? [t.scoped.tenant.tenantKey];
  const client: pg.PoolClient = await handle.longSession();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = '1s'`);
    await client.query(`ANALYZE ${tableRef(t.scoped.table.schema, t.scoped.table.table)} (${columns.map(quoteIdent).join(', ')})`);
    await client.query('COMMIT');
  } catch {
    await client.query('ROLLBACK').catch(() => {});
  } finally {
    client.release();
  }
}
