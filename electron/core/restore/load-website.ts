import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import type { PgDumpArchive } from '../backups/archive/pg-dump-archive.ts';
import { currentSignal, stopIfRequested } from '../call-context.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { failpoint } from '../moves/move-failpoints.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { copyLines } from './copy-lines.ts';
import { assertReferencesResolve } from './references-resolve.ts';
import { quoteLiteral } from './restore-preflight.ts';
import { comparableLine, fieldNormalizers, needsShortestFloats, RowDigest } from './row-digest.ts';
import type { RestoreTable } from './restore-tables.ts';
import { WebsiteLines } from './website-lines.ts';

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
  readonly onProgress: (table: string, loadedRows: number, done: boolean) => void;
  /** The website's rows per table in the archive, from the plan (progress, and where the crash tests strike). */
  readonly plannedRows?: ReadonlyMap<string, number>;
  /** The table with the most rows (crash tests kill the load halfway through it). */
  readonly largest?: string;
  /** After a table's load committed: the archive side of its verification. */
  readonly onLoaded: (table: string, digest: { rows: number; hash: string }) => Promise<void>;
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
  const reader = new WebsiteLines(options.archive, options.tables, options.websiteId);
  const shortestFloats = needsShortestFloats(options.archive.info.serverVersion);
  let committed = 0;
  for (const t of options.tables) {
    // A safe point: every table before this one is committed whole.
    stopIfRequested();
    await loadTable(options, reader, t, shortestFloats);
    // Crash tests: die with half the tables loaded and the rest not.
    if (++committed === Math.ceil(options.tables.length / 2) && committed < options.tables.length) failpoint('load:half');
  }
}

/** Lines of one table in the compared column order, each hashed as it passes. */
async function* hashedLines(reader: WebsiteLines, t: RestoreTable, digest: RowDigest, shortestFloats: boolean, onRow: () => void): AsyncGenerator<Buffer> {
  const normalizers = fieldNormalizers(t.types, { shortestFloats });
  const plain = comparableLine(normalizers);
  const reorder = new Map<number, (line: Buffer) => Buffer>();
  for await (const { entry, line } of reader.lines(t, currentSignal())) {
    let out = line;
    if (entry.columns.join('\u0000') !== t.columns.join('\u0000')) {
      let moved = reorder.get(entry.dumpId);
      if (!moved) reorder.set(entry.dumpId, (moved = comparableLine(t.columns.map(() => null), t.columns.map((c) => entry.columns.indexOf(c)))));
      out = moved(line);
    }
    digest.add(plain(out));
    onRow();
    yield out;
  }
}

async function loadTable(options: LoadOptions, reader: WebsiteLines, t: RestoreTable, shortestFloats: boolean): Promise<void> {
  const into = options.into(t);
  const client = await options.handle.longSession();
  const digest = new RowDigest();
  let failed: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL shard_console.bypass_fence = 'on'`);
    if (options.replica && !into.side) await client.query('SET LOCAL session_replication_role = replica');
    const ref = tableRef(into.schema, into.table);
    if (into.side) await client.query(`TRUNCATE ${ref}`);
    await client.query(`SET LOCAL client_encoding = ${quoteLiteral(options.archive.info.encoding)}`);
    // Read the way pg_dump wrote them, whatever this database's defaults (an interval's signs depend on IntervalStyle).
    await client.query(`SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'`);
    let lastReport = 0;
    // Crash tests: die inside the COPY of the largest table, half of its rows sent, none committed.
    const crashAt = process.env.SHARD_CONSOLE_FAILPOINT === 'load:mid' && t.name === options.largest ? Math.ceil((options.plannedRows?.get(t.name) ?? 2) / 2) : -1;
    const onRow = () => {
      if (digest.rows === crashAt) failpoint('load:mid');
      const now = Date.now();
      if (now - lastReport > 250) {
        lastReport = now;
        options.onProgress(t.name, digest.rows, false);
      }
    };
    if (t.entries.length) await copyLines(client, `COPY ${ref} (${t.columns.map(quoteIdent).join(', ')}) FROM STDIN`, hashedLines(reader, t, digest, shortestFloats, onRow));
    await client.query(`SET LOCAL client_encoding = 'UTF8'`);
    if (options.replica && !into.side) await assertReferencesResolve(client, options.catalog, t.scoped, options.websiteId);
    await client.query('COMMIT');
  } catch (error) {
    failed = error as Error;
    await client.query('ROLLBACK').catch(() => {});
    if (currentSignal()?.aborted || (error instanceof ConsoleError && error.code === 'RESTORE_FAILED')) throw error;
    throw new ConsoleError('RESTORE_FAILED', `Loading ${t.name} into ${options.handle.target.name} failed: ${(error as Error).message}. Nothing of ${t.name} was kept; resume the restore once the cause is fixed, or roll it back.`, { target: t.name, cause: error });
  } finally {
    // A session broken mid-COPY must not go back to the pool.
    client.release(failed);
  }
  await options.onLoaded(t.name, { rows: digest.rows, hash: digest.hash });
  options.onProgress(t.name, digest.rows, true);
  if (digest.rows > 0 && !into.side) await analyzeWebsiteKey(options.handle, t);
}

/**
 * The table's statistics were taken without the website's rows: a sample of just the columns that
 * select them (its key, or the FK to its tenant parent) lets verification's read-back (and PWB's own
 * queries) plan for their real number. Statistics are a plan's input, never its result: a lock held
 * elsewhere is not waited for past a second, and no failure here fails the restore.
 */
async function analyzeWebsiteKey(handle: DatabaseHandle, t: RestoreTable): Promise<void> {
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
