import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { foreignKeyKind } from '../catalog/foreign-key-kinds.ts';
import { columnList, columnsEqual, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { failpoint } from './move-failpoints.ts';
import { runInDependencyOrder } from '../run-limited.ts';
import { maySkipTriggers, withSession } from './replica-role.ts';
import { allSet, firstKeysAsText } from './sql-fragments.ts';
import { tenantParents, WEBSITE_READ_MEMORY, websitePredicate, websiteRowsSelect, type ScopedTable } from './tenant-scope.ts';
import { COPY_APPLICATION_NAME } from './write-fence.ts';

export interface CopyProgress {
  table: string;
  copiedRows: number;
  totalRows: number;
  done: boolean;
}

export interface CopyOptions {
  readonly websiteId: number;
  readonly tables: readonly ScopedTable[];
  readonly sourceCatalog: DatabaseCatalog;
  /** The target's own foreign keys are the ones its skipped triggers would have checked. */
  readonly targetCatalog: DatabaseCatalog;
  readonly plannedRows: ReadonlyMap<string, { rows: number; bytes: number }>;
  readonly parallel?: number;
  /** Tables copied first once ready (those materialized views read, so their refresh can start early). */
  readonly first?: ReadonlySet<string>;
  readonly onProgress: (progress: CopyProgress) => void;
  /** Called with each target transaction id before it commits: the proof of what the move wrote. */
  readonly onTargetXid: (xid: string) => Promise<void>;
  /** Called after a table's copy committed: its target transaction and the rows its COPY wrote. */
  readonly onTableCopied?: (table: string, copied: { xid: string; rows: number }) => Promise<void>;
}

async function copySession(handle: DatabaseHandle): Promise<pg.PoolClient> {
  const client = await handle.longSession();
  await client.query(`SET application_name = '${COPY_APPLICATION_NAME}'`);
  return client;
}

/**
 * Streams the website's rows of every tenant table from source to target with binary COPY, all tables
 * read in ONE exported source snapshot, in FK order (a table after the tables it references), tables
 * in parallel. Columns go by name. Nothing is held in memory beyond stream buffers.
 */
export async function copyTenant(source: DatabaseHandle, target: DatabaseHandle, options: CopyOptions): Promise<void> {
  const coordinator = await copySession(source);
  try {
    await coordinator.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await coordinator.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!.id;
    const replica = await withSession(target, maySkipTriggers);
    // A table starts as soon as the tenant tables it references are in (its parents: a lower level),
    // not when its whole level is: a small parent's children need not wait for a big one's. Ready
    // tables go the views' sources first (their refresh starts when they are in), then largest first.
    let copied = 0;
    await runInDependencyOrder(copyOrder(options), tenantParents(options.tables), options.parallel ?? 3, async (t) => {
      await copyTable(source, target, snapshot, t, replica, options);
      // Crash tests: die with half the tables committed on the target and the rest not yet copied.
      if (++copied === Math.ceil(options.tables.length / 2) && copied < options.tables.length) failpoint('copy:mid');
    });
    await coordinator.query('COMMIT');
  } catch (error) {
    await coordinator.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    coordinator.release();
  }
}

/** Ready tables in this order: the views' sources first, then the largest (by the plan). */
function copyOrder(options: CopyOptions): ScopedTable[] {
  const first = options.first ?? new Set<string>();
  const rows = (t: ScopedTable) => options.plannedRows.get(t.name)?.rows ?? 0;
  const firstFirst = (a: ScopedTable, b: ScopedTable) => Number(first.has(b.name)) - Number(first.has(a.name));
  return [...options.tables].sort((a, b) => firstFirst(a, b) || rows(b) - rows(a) || a.level - b.level || a.name.localeCompare(b.name));
}

async function copyTable(
  source: DatabaseHandle,
  target: DatabaseHandle,
  snapshot: string,
  t: ScopedTable,
  replica: boolean,
  options: CopyOptions,
): Promise<void> {
  const planned = options.plannedRows.get(t.name) ?? { rows: 0, bytes: 0 };
  const reader = await copySession(source);
  const writer = await copySession(target);
  let failed: unknown = null;
  let statistics: Error | null = null;
  try {
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await reader.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, "''")}'`);
    await reader.query(WEBSITE_READ_MEMORY);
    await writer.query('BEGIN');
    await writer.query(`SET LOCAL shard_console.bypass_fence = 'on'`);
    // Rows arrive the way logical replication applies them: no per-row FK check (one query into the
    // parent per row, a large part of the copy's CPU) and no application trigger (the rows move, they
    // are not created). The FK checks happen set-based below, before the commit.
    if (replica) await writer.query(`SET LOCAL session_replication_role = replica`);
    const xid = (await writer.query<{ xid: string }>('SELECT txid_current()::text AS xid')).rows[0]!.xid;
    await options.onTargetXid(xid);
    const fromSource = reader.query(copyTo(`COPY (${websiteRowsSelect(t, options.sourceCatalog, options.websiteId)}) TO STDOUT (FORMAT binary)`));
    const intoTarget = writer.query(copyFrom(`COPY ${tableRef(t.table.schema, t.table.table)} (${columnList(t.columns)}) FROM STDIN (FORMAT binary)`));
    await pipeline(fromSource, progressMeter(t.name, planned, options.onProgress), intoTarget);
    if (replica) await assertReferencesResolve(writer, t, options, options.websiteId);
    await reader.query('COMMIT');
    await writer.query('COMMIT');
    await options.onTableCopied?.(t.name, { xid, rows: intoTarget.rowCount });
    options.onProgress({ table: t.name, copiedRows: intoTarget.rowCount, totalRows: planned.rows, done: true });
    if (intoTarget.rowCount > 0) statistics = await analyzeWebsiteKey(writer, t);
  } catch (error) {
    failed = error;
    await writer.query('ROLLBACK').catch(() => {});
    await reader.query('ROLLBACK').catch(() => {});
    if (error instanceof ConsoleError && error.code !== 'DATABASE_ERROR') throw error;
    // Nothing of this table was kept (its transaction rolled back): the job resumes or rolls back from here.
    throw new ConsoleError(
      'MOVE_FAILED',
      `Copying ${t.name} to ${target.target.name} failed, and nothing of it was kept: ${(error as Error).message}. Fix the cause (a row already on ${target.target.name} with the same key, say), then resume the move; or roll it back.`,
      { target: t.name, cause: error },
    );
  } finally {
    // A client broken mid-COPY must not go back to the pool.
    reader.release(failed ? (failed as Error) : undefined);
    writer.release(failed ? (failed as Error) : (statistics ?? undefined));
  }
}

/**
 * Passes the COPY's bytes through and reports progress at most every 250 ms: binary COPY carries no row
 * count until the end, so rows are estimated from bytes against the plan.
 */
function progressMeter(table: string, planned: { rows: number; bytes: number }, onProgress: CopyOptions['onProgress']): Transform {
  let bytes = 0;
  let lastReport = 0;
  let crashed = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      const now = Date.now();
      if (now - lastReport > 250) {
        lastReport = now;
        const estimate = planned.bytes > 0 ? Math.min(planned.rows, Math.floor((bytes / planned.bytes) * planned.rows)) : 0;
        onProgress({ table, copiedRows: estimate, totalRows: planned.rows, done: false });
      }
      if (!crashed && bytes > 1_000_000 && process.env.SHARD_CONSOLE_FAILPOINT === 'copy:mid') {
        crashed = true;
        failpoint('copy:mid');
      }
      done(null, chunk);
    },
  });
}

/**
 * The target's statistics still describe the table without the website: its key value is in no
 * histogram, so every query for the website's rows (verification's hashes, the refresh, PWB's own
 * queries once it is served from here) plans for one row and runs a nested loop over all of them,
 * until autovacuum gets to the table. A sample of only the columns that select a website's rows (its
 * key, or the FK to its tenant parent) costs a few percent of a full ANALYZE. Statistics are a plan's
 * input, never its result, so no failure here fails the copy: a lock held elsewhere (a VACUUM, another
 * ANALYZE) is not waited for past a second, and without the privilege PostgreSQL only warns;
 * autovacuum's full ANALYZE comes later either way.
 */
async function analyzeWebsiteKey(writer: pg.PoolClient, t: ScopedTable): Promise<Error | null> {
  const columns = t.tenant.chain[0]?.columns ?? [t.tenant.tenantKey];
  try {
    await writer.query('BEGIN');
    await writer.query(`SET LOCAL lock_timeout = '1s'`);
    await writer.query(`ANALYZE ${tableRef(t.table.schema, t.table.table)} (${columnList(columns)})`);
    await writer.query('COMMIT');
    return null;
  } catch (error) {
    // The table is copied and committed whatever happened here; a session that failed (other than by
    // waiting too long for the lock) is returned to the pool as broken, not reused.
    await writer.query('ROLLBACK').catch(() => {});
    return (error as { code?: string }).code === '55P03' ? null : (error as Error);
  }
}

/**
 * What the skipped FK triggers would have checked, for the copied rows, set-based: every foreign key the
 * TARGET has on the table (copied parents in a lower level, rows of a table outside the tenant, the
 * control-plane rows a database that keeps the global tables references) finds its row there when its
 * columns are all set. A key into a global table the target does not have does not exist there and
 * checks nothing. The key that ties a child to its tenant parent needs no check here: a row whose
 * parent is missing is not the website's on the target, so verification's counts would fail the move.
 */
async function assertReferencesResolve(writer: pg.PoolClient, t: ScopedTable, options: CopyOptions, websiteId: number): Promise<void> {
  const target = options.targetCatalog;
  const table = target.tables.get(t.name);
  if (!table) return;
  for (const fk of table.foreignKeys.filter((k) => foreignKeyKind(target, t.name, k) !== 'chain')) {
    const parent = target.tables.get(fk.refTable);
    if (!parent) continue;
    const parentLacksRow = `NOT EXISTS (SELECT 1 FROM ${tableRef(parent.schema, parent.table)} p WHERE ${columnsEqual('p', fk.refColumns, 'c', fk.columns)})`;
    const r = await writer.query<{ n: string; examples: string[] | null }>(
      `SELECT count(*)::int8::text AS n, ${firstKeysAsText('c', fk.columns, 3)} AS examples
         FROM ${tableRef(table.schema, table.table)} c
        WHERE ${websitePredicate(t, options.sourceCatalog, websiteId, 'c')} AND ${allSet('c', fk.columns)}
          AND ${parentLacksRow}`,
    );
    const n = Number(r.rows[0]!.n);
    if (n > 0) {
      const keys = `${fk.columns.join(', ')} = ${(r.rows[0]!.examples ?? []).join('; ')}`;
      throw new ConsoleError(
        'MOVE_FAILED',
        `${n} copied row(s) of ${t.name} point at rows of ${fk.refTable} the target does not have, through ${fk.name} (${keys}). ` +
          `Nothing of ${t.name} was kept. Add the missing rows to the target (or fix the source's) and resume the move.`,
        { target: t.name },
      );
    }
  }
}
