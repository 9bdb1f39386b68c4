import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { RestoreJob } from '../../../shared/methods/restore-methods.ts';
import type { PgDumpArchive } from '../backups/archive/pg-dump-archive.ts';
import { CopyLineSplitter } from '../backups/archive/copy-line-splitter.ts';
import { findCopyField, type FieldRange } from '../backups/archive/copy-fields.ts';
import { currentSignal } from '../call-context.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { WEBSITE_READ_MEMORY, websiteRowsSelect } from '../moves/tenant-scope.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { runLimited } from '../run-limited.ts';
import { copyLines, encodingLiteral, joinLines } from './copy-lines.ts';
import { copyOutRows } from './copy-out-rows.ts';
import type { LoadInto } from './load-website.ts';
import type { RestoreTable } from './restore-tables.ts';
import { comparableLine, fieldNormalizers, inTableOrder, lineHash, needsShortestFloats, RowDigest, type RowHashVersion } from './row-digest.ts';
import { WebsiteLines } from './website-lines.ts';

type TableVerification = RestoreJob['tables'][number];

/** Output settings of the read-back (see row-digest.ts for why each), for its transaction only. */
const PINNED = `SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'`;

export interface VerifyOptions {
  readonly handle: DatabaseHandle;
  readonly catalog: DatabaseCatalog;
  readonly tables: readonly RestoreTable[];
  readonly websiteId: number;
  readonly into: (t: RestoreTable) => LoadInto;
  /** The archive side, from the load. */
  readonly archiveDigests: Readonly<Record<string, { rows: number; hash: string }>>;
  /** Opened only to name the first differing rows of a table that does not match. */
  readonly openArchive: () => Promise<PgDumpArchive>;
  readonly encoding: string;
  readonly serverVersion: string | null;
  /** The job's row hash (the archive side was taken with it). */
  readonly rowHash: RowHashVersion;
}

/** What reading a table back needs. */
export type ReadBackOptions = Pick<VerifyOptions, 'handle' | 'catalog' | 'websiteId' | 'into' | 'encoding' | 'serverVersion' | 'rowHash'>;

/** The read-back of a table's restored rows: the archive's columns, in its order, of the website's rows. */
function readBackSql(options: Pick<VerifyOptions, 'catalog' | 'websiteId' | 'into'>, t: RestoreTable): string {
  const into = options.into(t);
  const columns = t.columns.map((c) => `t.${quoteIdent(c)}`).join(', ');
  if (into.side) return `SELECT ${columns} FROM ${tableRef(into.schema, into.table)} t`;
  return websiteRowsSelect(t.scoped, options.catalog, options.websiteId, columns);
}

/** The read-back's output settings and memory, for the rest of the session's open transaction. */
async function pinReadBack(client: pg.ClientBase, encoding: string): Promise<void> {
  await client.query(PINNED);
  await client.query(WEBSITE_READ_MEMORY);
  await client.query(`SET LOCAL client_encoding = ${encodingLiteral(encoding)}`);
}

/**
 * Every row the SELECT returns, as COPY text under the pinned settings, handed to `onRow` as it arrives
 * (see copyOutRows: nothing allocated per row), on a session whose transaction is open.
 */
async function readBackRows(client: pg.ClientBase, select: string, encoding: string, onRow: (buf: Buffer, start: number, end: number) => void): Promise<void> {
  await pinReadBack(client, encoding);
  await copyOutRows(client, `COPY (${select}) TO STDOUT`, onRow);
}

/**
 * Every row the SELECT returns, as batches of COPY text lines under the pinned settings, pulled as they
 * are consumed (the rows go on into another session's COPY, which sets the pace). On a session of its
 * own, in a read-only transaction.
 */
export async function* readBackBatches(handle: DatabaseHandle, select: string, encoding: string): AsyncGenerator<Buffer[]> {
  const client = await handle.longSession();
  let finished = false;
  try {
    await client.query('BEGIN READ ONLY');
    await pinReadBack(client, encoding);
    let batch: Buffer[] = [];
    const splitter = new CopyLineSplitter((buf, start, end) => batch.push(buf.subarray(start, end)));
    for await (const chunk of client.query(copyTo(`COPY (${select}) TO STDOUT`)) as AsyncIterable<Buffer>) {
      splitter.push(chunk);
      if (batch.length === 0) continue;
      const lines = batch;
      batch = [];
      yield lines;
    }
    // The protocol's COPY has no end-of-data line: the splitter wants one.
    splitter.push(END_OF_DATA);
    splitter.finish();
    if (batch.length) yield batch;
    finished = true;
  } finally {
    if (finished) await client.query('ROLLBACK').catch(() => {});
    // Left mid-COPY (a failure, or a consumer that stopped): the session is not reusable.
    client.release(finished ? undefined : new Error('read-back abandoned mid-COPY'));
  }
}

const END_OF_DATA = Buffer.from('\\.\n');

/** A digest of one table's rows as they are read back, and what takes each row. */
function readBackDigest(options: ReadBackOptions, t: RestoreTable): { digest: RowDigest; onRow: (buf: Buffer, start: number, end: number) => void } {
  const normalizers = fieldNormalizers(t.types, { shortestFloats: needsShortestFloats(options.serverVersion) });
  const comparable = comparableLine(normalizers);
  const digest = new RowDigest(options.rowHash);
  // Most tables print alike on both sides: their rows hash where they arrived.
  const onRow = normalizers.every((n) => n === null)
    ? (buf: Buffer, start: number, end: number) => digest.addRange(buf, start, end)
    : (buf: Buffer, start: number, end: number) => digest.add(comparable(buf.subarray(start, end)));
  return { digest, onRow };
}

/** The count and hash sum of one table's restored rows, read back from the target. */
export async function targetDigest(options: ReadBackOptions, t: RestoreTable, signal?: AbortSignal): Promise<{ rows: number; hash: string }> {
  const { digest, onRow } = readBackDigest(options, t);
  if (!t.columns.length) return { rows: 0, hash: digest.hash };
  const client = await options.handle.longSession(signal ? { signal } : {});
  let failed: Error | undefined;
  try {
    await client.query('BEGIN READ ONLY');
    await readBackRows(client, readBackSql(options, t), options.encoding, onRow);
    await client.query('ROLLBACK');
  } catch (error) {
    failed = error as Error;
    throw error;
  } finally {
    client.release(failed);
  }
  return { rows: digest.rows, hash: digest.hash };
}

/**
 * The same, read by the sessions that loaded the table, before they commit, all at once: each sees
 * the rows it wrote and what was committed before, so together they read what their commits will
 * leave. For a big table with little to load after it (see READ_BACK_HERE_RATIO in load-website.ts);
 * the sessions' read settings last until their commit.
 */
export async function digestBeforeCommit(
  clients: readonly pg.ClientBase[],
  options: ReadBackOptions,
  t: RestoreTable,
): Promise<{ rows: number; hash: string }> {
  const { digest, onRow } = readBackDigest(options, t);
  const select = readBackSql(options, t);
  if (t.columns.length) await Promise.all(clients.map((client) => readBackRows(client, select, options.encoding, onRow)));
  return { rows: digest.rows, hash: digest.hash };
}

/**
 * Per table, the count and hash sum of the rows read back from the target (taken as each table's load
 * committed, see the load step, or read now) against the archive's (taken while loading). A table that
 * differs is read again on both sides to name its first differing primary keys.
 */
export async function verifyRestore(
  options: VerifyOptions,
  known: Readonly<Record<string, { rows: number; hash: string }>> = {},
): Promise<TableVerification[]> {
  const results: TableVerification[] = [];
  const shortestFloats = needsShortestFloats(options.serverVersion);
  await runLimited(options.tables, 2, async (t) => {
    const target = known[t.name] ?? (await targetDigest(options, t));
    const archive = options.archiveDigests[t.name] ?? { rows: -1, hash: '(not loaded)' };
    const ok = archive.rows === target.rows && archive.hash === target.hash;
    const differences = ok ? [] : await firstDifferences(options, t, comparableLine(fieldNormalizers(t.types, { shortestFloats })));
    results.push({
      table: t.name,
      archiveRows: archive.rows,
      targetRows: target.rows,
      archiveHash: archive.hash,
      targetHash: target.hash,
      ok,
      firstDifferences: differences,
    });
  });
  const order = new Map(options.tables.map((t, i) => [t.name, i]));
  return results.sort((a, b) => order.get(a.table)! - order.get(b.table)!);
}

/**
 * Reads back each table as soon as its load committed, one at a time, while the next tables load: the
 * second core does verification's reading during the load. `before` (the table's statistics) runs
 * first, in the same lane. What it finds is only kept if whole. `also` queues other work there (the
 * views' refresh): one lane, one session, however much it does. `abandon` stops it (a failed load):
 * nothing queued starts, the read-back running is cancelled on the server, and it resolves once the
 * lane's session is back.
 */
export function readBackAsLoaded(options: ReadBackOptions) {
  const found: Record<string, { rows: number; hash: string }> = {};
  let queue: Promise<void> = Promise.resolve();
  const stop = new AbortController();
  // The job's own stop cancels the read-back too.
  const job = currentSignal();
  const signal = job ? AbortSignal.any([job, stop.signal]) : stop.signal;
  return {
    /** A table to read back (or, `known`, read back already by the load), after `before`. */
    push(t: RestoreTable, before: (() => Promise<void>) | null = null, known: { rows: number; hash: string } | null = null): void {
      queue = queue
        .then(async () => {
          if (signal.aborted) return;
          await before?.();
          if (signal.aborted) return;
          found[t.name] = known ?? (await targetDigest(options, t, signal));
        })
        .catch(() => {
          // read again by the verify step
        });
    },
    /** Other work in the same lane (and on its one session at a time), after what was pushed so far: whether it succeeded. */
    also(work: () => Promise<unknown>): Promise<boolean> {
      const succeeded = queue
        .then(() => (signal.aborted ? Promise.reject(signal.reason) : work()))
        .then(
          () => true,
          () => false,
        );
      queue = succeeded.then(() => undefined);
      return succeeded;
    },
    async done(): Promise<Record<string, { rows: number; hash: string }>> {
      await queue;
      return found;
    },
    async abandon(): Promise<void> {
      stop.abort(new Error('the load failed'));
      await queue;
    },
  };
}

/** `(key fields)` of a comparable line, as COPY printed them; the line's hash when the table has no primary key. */
function keyOf(t: RestoreTable): (line: Buffer) => string {
  const fields = t.scoped.table.primaryKey.map((c) => t.columns.indexOf(c));
  if (fields.length === 0 || fields.some((i) => i < 0)) return (line) => `row ${lineHash(line)}`;
  const range: FieldRange = { start: 0, end: 0 };
  return (line) => `(${fields.map((i) => (findCopyField(line, 0, line.length, i, range), line.toString('latin1', range.start, range.end))).join(',')})`;
}

/**
 * The first primary keys whose rows differ: (key, row hash) of both sides stream into two temporary
 * tables on the target and one full join finds the keys missing, extra or changed. Nothing of either
 * side is held in memory; the transaction is rolled back.
 */
async function firstDifferences(options: VerifyOptions, t: RestoreTable, comparable: (line: Buffer) => Buffer, limit = 10): Promise<string[]> {
  const key = keyOf(t);
  const pair = (line: Buffer) => {
    const c = comparable(line);
    return Buffer.from(`${key(c)}\t${lineHash(c)}`, 'latin1');
  };
  const archive = await options.openArchive();
  const client: pg.PoolClient = await options.handle.longSession();
  try {
    await client.query('BEGIN');
    await client.query(`CREATE TEMP TABLE restore_diff_a (k text, h text) ON COMMIT DROP; CREATE TEMP TABLE restore_diff_b (k text, h text) ON COMMIT DROP`);
    const reader = new WebsiteLines(archive, options.tables, options.websiteId);
    // In the table's order, as the load compared them: a partition dumped with its columns in another order would name wrong keys.
    const inOrder = inTableOrder(t.columns);
    async function* archived() {
      for await (const { entry, lines } of reader.batches(t, currentSignal())) yield inOrder(entry, lines).map(pair);
    }
    await copyLines(client, 'COPY pg_temp.restore_diff_a (k, h) FROM STDIN', joinLines(archived()));
    async function* readBack() {
      for await (const lines of readBackBatches(options.handle, readBackSql(options, t), options.encoding)) yield lines.map(pair);
    }
    await copyLines(client, 'COPY pg_temp.restore_diff_b (k, h) FROM STDIN', joinLines(readBack()));
    const r = await client.query<{ k: string; what: string }>(
      `SELECT coalesce(a.k, b.k) AS k, CASE WHEN a.k IS NULL THEN 'only on target' WHEN b.k IS NULL THEN 'missing on target' ELSE 'differs' END AS what
         FROM pg_temp.restore_diff_a a FULL JOIN pg_temp.restore_diff_b b ON a.k = b.k
        WHERE a.h IS DISTINCT FROM b.h ORDER BY 1 LIMIT ${limit}`,
    );
    return r.rows.map((row) => `${row.k} ${row.what}`);
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
    await archive.close();
  }
}
