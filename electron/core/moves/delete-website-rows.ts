import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import type { CatalogForeignKey, CatalogTable, DatabaseCatalog } from '../catalog/database-catalog.ts';
import { columnList, columnRef, columnsAs, columnsEqual, numbered, quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { runInDependencyOrder } from '../run-limited.ts';
import { stopIfRequested } from '../call-context.ts';
import { maySkipTriggers, withSession } from './replica-role.ts';
import { columnDefinitions, firstKeysAsText, parameters, rowOf } from './sql-fragments.ts';
import { outsideRowsOf, referencesIntoWebsite } from './missing-references.ts';
import { tenantParents, websitePredicate, type ScopedTable } from './tenant-scope.ts';

const BATCH = 200_000;

export interface DeleteOptions {
  readonly onDeleted?: (table: string, rows: number) => void;
  /**
   * After every batch commits: the rows it set out to delete (picked, or listed by the fenced pass) and
   * those it did (tests watch the statements, and act between them).
   */
  readonly onBatch?: (table: string, batch: { picked: number; deleted: number }) => void | Promise<void>;
  /** Rows per batch (tests use small batches to cross batch boundaries). */
  readonly batch?: number;
  /** Tables cleared at once (3), asked again as each table is done. */
  readonly parallel?: number | (() => number);
  /** The website is fenced on this database (the source's cleanup): its rows cannot move, batches go by ctid. */
  readonly fenced?: boolean;
}

/**
 * Deletes a website's rows from one database, children before parents (reverse copy order) so FK
 * chains stay resolvable, in batches so no single transaction holds a big tenant's locks. A
 * self-referencing table goes in one statement: a batch could otherwise remove a parent folder whose
 * child is in the next batch. Idempotent: a rerun finds nothing left to delete.
 */
export async function deleteWebsiteRows(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  tables: readonly ScopedTable[],
  websiteId: number,
  options: DeleteOptions = {},
): Promise<number> {
  let total = 0;
  const replica = await withSession(handle, maySkipTriggers);
  // A table is cleared once every tenant table referencing it (its children: a higher level) is, in
  // parallel with anything else ready; the largest (by the planner's estimate) first.
  const parents = tenantParents(tables);
  const children = new Map<ScopedTable, ScopedTable[]>(tables.map((t) => [t, []]));
  for (const t of tables) for (const parent of parents(t)) children.get(parent)!.push(t);
  const order = [...tables].sort((a, b) => b.table.rowEstimate - a.table.rowEstimate || b.level - a.level || a.name.localeCompare(b.name));
  await runInDependencyOrder(
    order,
    (t) => children.get(t) ?? [],
    options.parallel ?? 3,
    async (t) => {
      total += await deleteTableRows({ handle, catalog, tables, websiteId, replica }, t, options);
    },
  );
  return total;
}

/** A foreign key of some table of the database (tenant or not) that points at the table being cleared. */
interface IncomingKey {
  readonly from: CatalogTable;
  readonly fk: CatalogForeignKey;
}

function incomingForeignKeys(catalog: DatabaseCatalog, table: CatalogTable): IncomingKey[] {
  return [...catalog.tables.values()].flatMap((from) => from.foreignKeys.filter((fk) => fk.refTable === table.name).map((fk) => ({ from, fk })));
}

/** One table being cleared: what each of its batches needs, and the rows deleted so far. */
interface TableDeletion {
  readonly session: pg.PoolClient;
  readonly database: string;
  readonly catalog: DatabaseCatalog;
  readonly t: ScopedTable;
  readonly websiteId: number;
  /** Batches skip the triggers (session_replication_role = replica) and check references set-based. */
  readonly replica: boolean;
  readonly options: DeleteOptions;
  readonly batch: number;
  readonly ref: string;
  /** The website's rows, on alias `t`. */
  readonly where: string;
  readonly incoming: readonly IncomingKey[];
  /** The deleted rows' values of every column some foreign key points at (usually just the key). */
  readonly referencedColumns: readonly string[];
  /** Every table the website's rows are being cleared from: whose rows may be the website's. */
  readonly tables: readonly ScopedTable[];
  /** The incoming keys whose ON DELETE action changes rows (destructiveKeys), once asked. */
  destructive: IncomingKey[] | null;
  /** Rows outside the website pointing at its rows were looked for (and none found) in an earlier batch. */
  lookedOutside: boolean;
  deleted: number;
}

/** The temporary table of the fenced pass: the website's rows, numbered in physical (or key) order. */
const ROWS_TO_DELETE = 'sc_rows_to_delete';
/** The temporary table of one batch: the referenced values of the rows it deleted. */
const DELETED_KEYS = 'sc_deleted_keys';

/** What every table's deletion of one website's rows shares. */
interface DeletionScope {
  readonly handle: DatabaseHandle;
  readonly catalog: DatabaseCatalog;
  readonly tables: readonly ScopedTable[];
  readonly websiteId: number;
  readonly replica: boolean;
}

async function deleteTableRows(scope: DeletionScope, t: ScopedTable, options: DeleteOptions): Promise<number> {
  const { handle, catalog, websiteId, replica } = scope;
  const session = await handle.longSession();
  try {
    await session.query(`SET shard_console.bypass_fence = 'on'`);
    const incoming = incomingForeignKeys(catalog, t.table);
    const deletion: TableDeletion = {
      session,
      database: handle.target.name,
      catalog,
      t,
      websiteId,
      replica,
      options,
      batch: options.batch ?? BATCH,
      ref: tableRef(t.table.schema, t.table.table),
      where: websitePredicate(t, catalog, websiteId),
      incoming,
      referencedColumns: [...new Set([...t.table.primaryKey, ...incoming.flatMap((i) => i.fk.refColumns)])],
      tables: scope.tables,
      destructive: null,
      lookedOutside: false,
      deleted: 0,
    };
    if (t.selfReferencing) await deleteInOneStatement(deletion);
    else if (options.fenced) await deleteListedRows(deletion);
    else await deleteByKeyset(deletion);
    return deletion.deleted;
  } finally {
    if (options.fenced) await session.query(`DROP TABLE IF EXISTS pg_temp.${ROWS_TO_DELETE}`).catch(() => {});
    await session.query(`RESET shard_console.bypass_fence`).catch(() => {});
    session.release();
  }
}

/** A self-referencing table: one statement, with the ordinary triggers, so no batch strands a child. */
async function deleteInOneStatement(d: TableDeletion): Promise<void> {
  await d.session.query('BEGIN');
  let n = 0;
  try {
    // One statement with the ordinary triggers, whatever the role may skip.
    n = await guardCascades(d, true, async () => {
      const deleted = (await d.session.query(`DELETE FROM ${d.ref} t WHERE ${d.where}`)).rowCount ?? 0;
      return { result: deleted, deleted };
    });
    await d.session.query('COMMIT');
  } catch (error) {
    await d.session.query('ROLLBACK').catch(() => {});
    rethrowReferenced(error, d.t, d.websiteId);
  }
  d.deleted += n;
  d.options.onDeleted?.(d.t.name, n);
}

/**
 * Under the fence: one pass finds the website's rows (the planner's best plan, once), their ctids go into
 * a temporary table in physical order, and batches delete them by position, each a TID scan. Picking each
 * batch from the table instead cost a pass over the website's remaining rows and a sort of them per
 * batch: quadratic in a big tenant. A ctid changes only when its row is updated, which the fence stops
 * for every session but the console's own, or when the table is rewritten (VACUUM FULL, CLUSTER, a
 * rewriting ALTER TABLE, pg_repack), which gives it a new relfilenode: each batch takes the table's lock
 * (no rewrite can start until it commits) and compares the relfilenode with the one the ctids were read
 * under; if it changed, the rows left are found again. Rows of a table keyed by the website are also
 * re-checked in the DELETE. A batch that removed fewer rows than it listed (another session removed some
 * first) is followed by a fresh look once the list is done: the table is finished only when a look finds
 * nothing. A partitioned table numbers rows per partition (a ctid names a row in every partition), so
 * its rows are listed by key, unique across the partitions, instead.
 */
async function deleteListedRows(d: TableDeletion): Promise<void> {
  const countDeleted = 'SELECT (SELECT count(*)::int FROM deleted) AS n';
  const remove = `deleted AS (DELETE FROM ${d.ref} d WHERE ${listedBatchMatch(d)} RETURNING ${columnList(d.referencedColumns, 'd')})`;
  let listed = await listRowsToDelete(d);
  let rewrites = 0;
  let fewerThanListed = false;
  for (let from = 0; ; ) {
    if (from >= listed.rows) {
      if (!fewerThanListed || listed.rows === 0) break;
      listed = await listRowsToDelete(d);
      from = 0;
      fewerThanListed = false;
      continue;
    }
    // The guard's look for rows outside the website pointing at these rows, on the batch's own rows.
    const batchRows = { condition: listedBatchMatch(d, 'r'), params: [from, from + d.batch] };
    const row = await runBatch(d, remove, countDeleted, [from, from + d.batch], () => stillListedUnder(d, listed), batchRows);
    if (row === null) {
      if (++rewrites > 3) throw tableKeptBeingRewritten(d, rewrites);
      listed = await listRowsToDelete(d);
      from = 0;
      continue;
    }
    const listedRows = Math.min(d.batch, listed.rows - from);
    if (Number(row.n) < listedRows) fewerThanListed = true;
    await reportBatch(d, listedRows, Number(row.n));
    from += d.batch;
  }
}

/** The rows of batch ($1, $2] of the list, on alias `d` (or `alias`); for a table keyed by the website, still the website's. */
function listedBatchMatch(d: TableDeletion, alias = 'd'): string {
  const pkColumns = d.t.table.primaryKey;
  const batchOfList = `FROM pg_temp.${ROWS_TO_DELETE} WHERE n > $1 AND n <= $2`;
  const recheck = d.t.tenant.chain.length === 0 ? ` AND ${websitePredicate(d.t, d.catalog, d.websiteId, alias)}` : '';
  if (!d.t.table.partitioned) return `${alias}.ctid = ANY(ARRAY(SELECT k0 ${batchOfList}))${recheck}`;
  if (pkColumns.length === 1) return `${columnRef(alias, pkColumns[0]!)} = ANY(ARRAY(SELECT k0 ${batchOfList}))${recheck}`;
  return `${rowOf(alias, pkColumns)} IN (SELECT ${numbered('k', pkColumns.length).join(', ')} ${batchOfList})${recheck}`;
}

interface ListedRows {
  readonly rows: number;
  /** The table's relfilenode when its ctids were read (null for a partitioned table, listed by key). */
  readonly filenode: string | null;
}

async function listRowsToDelete(d: TableDeletion): Promise<ListedRows> {
  const pkColumns = d.t.table.primaryKey;
  const partitioned = d.t.table.partitioned;
  const order = partitioned ? columnList(pkColumns, 't') : 't.ctid';
  const keys = partitioned ? columnsAs('t', pkColumns, numbered('k', pkColumns.length)) : 't.ctid AS k0';
  await d.session.query('BEGIN');
  try {
    await d.session.query(`DROP TABLE IF EXISTS pg_temp.${ROWS_TO_DELETE}`);
    const numberedRows = `SELECT row_number() OVER (ORDER BY ${order}) AS n, ${keys} FROM ${d.ref} t WHERE ${d.where}`;
    const r = await d.session.query(`CREATE TEMP TABLE ${ROWS_TO_DELETE} AS ${numberedRows}`);
    await d.session.query(`CREATE INDEX ON pg_temp.${ROWS_TO_DELETE} (n)`);
    const listed = { rows: r.rowCount ?? 0, filenode: partitioned ? null : await relfilenode(d) };
    await d.session.query('COMMIT');
    return listed;
  } catch (error) {
    await d.session.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

async function relfilenode(d: TableDeletion): Promise<string | null> {
  return (await d.session.query<{ f: string | null }>(`SELECT pg_relation_filenode($1::regclass)::text AS f`, [d.ref])).rows[0]!.f;
}

/** Inside a batch's transaction: locks the table against a rewrite and tells whether the listed ctids still name the rows. */
async function stillListedUnder(d: TableDeletion, listed: ListedRows): Promise<boolean> {
  if (d.t.table.partitioned) return true;
  await d.session.query(`LOCK TABLE ${d.ref} IN ROW EXCLUSIVE MODE`);
  const now = await relfilenode(d);
  return now !== null && now === listed.filenode;
}

function tableKeptBeingRewritten(d: TableDeletion, rewrites: number): ConsoleError {
  return new ConsoleError(
    'MOVE_FAILED',
    `${d.t.name} on ${d.database} was rewritten (VACUUM FULL, CLUSTER, ALTER TABLE) ${rewrites} times while its rows were being removed. ` +
      'Let that maintenance finish, then run the job again (resume the move or restore, or its rollback).',
    { target: d.t.name },
  );
}

/**
 * Unfenced (the target's copy, dropped on a rerun or a rollback), a row updated meanwhile must still go:
 * keyset batches by key, which its new version keeps (by ctid for a composite key, picked in the same
 * statement, so no row can move in between; by the whole key in a partitioned table). Each batch's rows
 * are picked once, in key order, the next batch starts after the last key picked, and a batch that picks
 * fewer rows than it may is the last: no row of the website came after it in its snapshot (nothing writes
 * the website's rows on a database that does not serve it).
 */
async function deleteByKeyset(d: TableDeletion): Promise<void> {
  const pkColumns = d.t.table.primaryKey;
  let last: string[] | null = null;
  for (;;) {
    const { ctes, summary } = keysetBatch(d, last !== null);
    const row: BatchSummary = (await runBatch(d, ctes, summary, last ?? []))!;
    const picked = Number(row.picked);
    await reportBatch(d, picked, Number(row.n));
    if (picked < d.batch) break;
    last = numbered('k', pkColumns.length).map((name) => String(row[name]));
  }
}

/**
 * One keyset batch: `pick` (the next keys after $1.. when `after`), `deleted`, and a summary of the
 * rows picked and deleted with the last key picked (k0, k1, ...). The batch's rows go in as an array,
 * `= ANY(ARRAY(...))`, which can only be a TID or index scan, where a join against the batch let the
 * planner pick a hash join that read the whole table once per batch.
 */
function keysetBatch(d: TableDeletion, after: boolean): { ctes: string; summary: string } {
  const pkColumns = d.t.table.primaryKey;
  const pk = columnList(pkColumns, 't');
  const picked = numbered('sc_k', pkColumns.length);
  const rowKey = pkColumns.length > 1 ? 'ctid' : quoteIdent(pkColumns[0]!);
  const afterLast = after ? ` AND ${rowOf('t', pkColumns)} > ROW(${parameters(pkColumns.length)})` : '';
  const pickedKeys = `t.${rowKey} AS sc_key, ${columnsAs('t', pkColumns, picked)}`;
  const pick = `pick AS MATERIALIZED (SELECT ${pickedKeys} FROM ${d.ref} t WHERE ${d.where}${afterLast} ORDER BY ${pk} LIMIT ${d.batch})`;
  const byWholeKey = pkColumns.length > 1 && d.t.table.partitioned;
  const match = byWholeKey ? `${rowOf('d', pkColumns)} IN (SELECT ${picked.join(', ')} FROM pick)` : `d.${rowKey} = ANY(ARRAY(SELECT sc_key FROM pick))`;
  const remove = `deleted AS (DELETE FROM ${d.ref} d WHERE ${match} RETURNING ${columnList(d.referencedColumns, 'd')})`;
  const lastKey = picked.map((name, i) => `l.${name}::text AS k${i}`).join(', ');
  const newestFirst = picked.map((name) => `${name} DESC`).join(', ');
  const summary = `SELECT (SELECT count(*)::int FROM pick) AS picked, (SELECT count(*)::int FROM deleted) AS n, ${lastKey}
        FROM (SELECT * FROM pick ORDER BY ${newestFirst} LIMIT 1) l RIGHT JOIN (VALUES (1)) one ON true`;
  return { ctes: `${pick}, ${remove}`, summary };
}

type BatchSummary = Record<string, string | number | null>;

/*
 * Each batch runs with `session_replication_role = replica`, as logical replication applies rows: no
 * per-row foreign-key trigger (each one an SPI query into every referencing table, 4 per realty asset
 * in PWB, most of the cleanup's time), no fence trigger, no application trigger (the rows are moving,
 * not being deleted). What the skipped FK triggers would have proven is proven per batch, set-based,
 * after the DELETE and in its transaction: no row of any referencing table points at a deleted key. A
 * writer that took its key-share lock on a parent row before the DELETE made the DELETE wait for its
 * commit, so the check (a later snapshot) sees its row; one that comes after finds the parent locked,
 * then gone, and fails its own FK check. A reference found rolls the batch back with the rows named.
 * Without the privilege to set the role (superuser, or GRANT SET on PostgreSQL 15+), batches run with
 * the ordinary triggers instead.
 */

/**
 * One batch's transaction: the DELETE (in `ctes`, as `deleted`) and, where the FK triggers are skipped,
 * the proof that nothing references the removed keys; `summary` is its one row. `mayGo` runs first and
 * may call the batch off (null).
 */
async function runBatch(
  d: TableDeletion,
  ctes: string,
  summary: string,
  params: unknown[],
  mayGo?: () => Promise<boolean>,
  batchRows?: BatchRows,
): Promise<BatchSummary | null> {
  // A safe point: every batch before this one committed whole.
  stopIfRequested();
  await d.session.query('BEGIN');
  try {
    if (mayGo && !(await mayGo())) {
      await d.session.query('ROLLBACK');
      return null;
    }
    if (d.replica) await d.session.query(`SET LOCAL session_replication_role = replica`);
    const row =
      d.replica && d.incoming.length > 0
        ? await deleteAndCheckReferences(d, ctes, summary, params)
        : await guardCascades(
            d,
            !d.replica,
            async () => {
              const result = (await d.session.query<BatchSummary>(`WITH ${ctes} ${summary}`, params)).rows[0]!;
              return { result, deleted: Number(result.n) };
            },
            batchRows,
          );
    await d.session.query('COMMIT');
    return row;
  } catch (error) {
    await d.session.query('ROLLBACK').catch(() => {});
    rethrowReferenced(error, d.t, d.websiteId);
  }
}

/** The batch's DELETE, its removed keys saved in a temporary table, then the set-based reference check. */
async function deleteAndCheckReferences(d: TableDeletion, ctes: string, summary: string, params: unknown[]): Promise<BatchSummary> {
  const columns = d.referencedColumns.map((name) => ({ name, type: d.t.table.columns.find((x) => x.name === name)!.type }));
  await d.session.query(`CREATE TEMP TABLE ${DELETED_KEYS} (${columnDefinitions(columns)}) ON COMMIT DROP`);
  const saveKeys = `saved_keys AS (INSERT INTO ${DELETED_KEYS} SELECT * FROM deleted)`;
  const row = (await d.session.query<BatchSummary>(`WITH ${ctes}, ${saveKeys} ${summary}`, params)).rows[0]!;
  // Real row counts let the planner choose between probing each key and one pass over the referencing table.
  await d.session.query(`ANALYZE ${DELETED_KEYS}`);
  await assertUnreferenced(d);
  return row;
}

async function reportBatch(d: TableDeletion, picked: number, deleted: number): Promise<void> {
  d.deleted += deleted;
  await d.options.onBatch?.(d.t.name, { picked, deleted });
  if (deleted > 0) d.options.onDeleted?.(d.t.name, deleted);
}

const STILL_REFERENCED =
  'so they cannot be removed: those rows belong to another website or were written since the job began. Repoint or remove them, then run the job again (resume the move or restore, or its rollback).';

/** A foreign-key violation from the ordinary triggers, said the way the set-based check says it. */
function rethrowReferenced(error: unknown, t: ScopedTable, websiteId: number): never {
  const e = error as { code?: string; table?: string; constraint?: string; detail?: string };
  if (e.code !== '23503') throw error;
  const message = `Row(s) of ${e.table} still point at website ${websiteId}'s rows of ${t.name} through ${e.constraint} (${e.detail}), ${STILL_REFERENCED}`;
  throw new ConsoleError('MOVE_FAILED', message, { target: t.name, cause: error });
}

/**
 * Where the DELETE runs with the ordinary triggers (a role that may not skip them; a self-referencing
 * table, deleted in one statement, always), a foreign key declared ON DELETE CASCADE, SET NULL or SET
 * DEFAULT from a row outside the website would take that row along, or blank its reference, without a
 * word: the preflights refuse such rows, but one written since would be lost. So, for the keys into
 * this table that have such an action (none, in most schemas: then nothing is asked):
 * - before the DELETE, in its transaction, no row outside the website may point at the website's rows
 *   (of a tenant table, rows that are not the website's; of any other table, every row). The website's
 *   own rows may: a key's action on them (two tenant tables naming each other) is the website's removal.
 *   Under the fence, every batch looks at its own rows; unfenced, the table's first batch looks at them
 *   all (see refuseOutsideReferences);
 * - for keys from tables that are no tenant's, whose rows are never the website's, the transaction's own
 *   counts of rows deleted and updated there (pg_stat_xact_user_tables, read before and after: they may
 *   hold earlier transactions' counts not yet reported) must not move: a row written between the look
 *   and the DELETE is caught too.
 * Either way the batch is rolled back and the rows named.
 */
/** A batch's own rows, as a condition on alias `r` with its parameters (the fenced pass lists them before). */
interface BatchRows {
  readonly condition: string;
  readonly params: unknown[];
}

async function guardCascades<T>(
  d: TableDeletion,
  triggersFire: boolean,
  remove: () => Promise<{ result: T; deleted: number }>,
  batchRows?: BatchRows,
): Promise<T> {
  const keys = triggersFire ? await destructiveKeys(d) : [];
  if (keys.length === 0) return (await remove()).result;
  if (batchRows) await refuseOutsideReferences(d, keys, batchRows);
  else if (!d.lookedOutside) {
    await refuseOutsideReferences(d, keys);
    d.lookedOutside = true;
  }
  const tenant = new Set(d.tables.map((t) => t.name));
  const outside = [...new Set(keys.filter((k) => !tenant.has(k.from.name)).map((k) => tableRef(k.from.schema, k.from.table)))];
  const before = outside.length ? await changedRows(d, outside) : null;
  const { result } = await remove();
  if (before) {
    for (const [ref, n] of await changedRows(d, outside)) {
      const changed = n - (before.get(ref) ?? 0);
      const names = keys.filter((k) => tableRef(k.from.schema, k.from.table) === ref);
      if (changed > 0)
        throw cascadeRefused(
          d,
          `${changed} row(s) of ${names[0]!.from.name} (not a tenant table) were written since and point at them through ${names.map((k) => k.fk.name).join(' or ')}`,
        );
    }
  }
  return result;
}

/**
 * Rows outside the website pointing at the website's rows through a key with an ON DELETE action. Under
 * the fence (the source's cleanup), each batch looks at its own listed rows, in its transaction. Unfenced
 * (a copy on a database that does not serve the website), once per table, in its first batch: each look
 * there joins all the website's rows, and per batch it would be quadratic in a big website.
 */
async function refuseOutsideReferences(d: TableDeletion, keys: readonly IncomingKey[], batchRows?: BatchRows): Promise<void> {
  const actionOf = new Set(keys.map((k) => `${tableRef(k.from.schema, k.from.table)} ${k.fk.name}`));
  for (const ref of referencesIntoWebsite(d.catalog, d.tables, d.t, d.websiteId)) {
    const from = d.catalog.tables.get(ref.from);
    if (!from || !actionOf.has(`${tableRef(from.schema, from.table)} ${ref.fk.name}`)) continue;
    const onBatch = batchRows ? ` AND ${batchRows.condition}` : '';
    const found = await d.session.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 ${ref.rowsSql}${onBatch}) AS found`, batchRows?.params ?? []);
    if (found.rows[0]!.found) throw cascadeRefused(d, `${outsideRowsOf(ref, d.websiteId)} point at them through ${ref.fk.name}`);
  }
}

function cascadeRefused(d: TableDeletion, what: string): ConsoleError {
  return new ConsoleError(
    'MOVE_FAILED',
    `Removing website ${d.websiteId}'s rows of ${d.t.name} on ${d.database} would also remove or change rows that are not the website's: ${what}, a key whose ON DELETE action would take them along. ` +
      'Nothing of this batch was removed. Repoint or remove those rows, then run the job again (resume the move or restore, or its rollback).',
    { target: d.t.name },
  );
}

/** The foreign keys into the table being cleared whose ON DELETE action changes the referencing rows (CASCADE, SET NULL, SET DEFAULT); asked once per table. */
async function destructiveKeys(d: TableDeletion): Promise<IncomingKey[]> {
  if (d.destructive) return d.destructive;
  const r = await d.session.query<{ schema: string; table: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, k.conname AS name
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND k.confrelid = $1::regclass AND k.confdeltype IN ('c', 'n', 'd')`,
    [d.ref],
  );
  const found = new Set(r.rows.map((k) => `${k.schema}.${k.table}.${k.name}`));
  d.destructive = d.incoming.filter((i) => found.has(`${i.from.schema}.${i.from.table}.${i.fk.name}`));
  return d.destructive;
}

/** Rows deleted or updated so far by this session in each of `tables` (partitions summed). */
async function changedRows(d: TableDeletion, tables: readonly string[]): Promise<Map<string, number>> {
  const r = await d.session.query<{ ref: string; n: string }>(
    `SELECT x.ref, (SELECT coalesce(sum(s.n_tup_del + s.n_tup_upd), 0) FROM pg_stat_xact_user_tables s
                     WHERE s.relid = x.ref::regclass OR s.relid IN (SELECT relid FROM pg_partition_tree(x.ref::regclass)))::int8::text AS n
       FROM unnest($1::text[]) AS x(ref)`,
    [tables],
  );
  return new Map(r.rows.map((row) => [row.ref, Number(row.n)]));
}

/** Fails the batch when a row of a referencing table points at one of the keys it deleted. */
async function assertUnreferenced(d: TableDeletion): Promise<void> {
  for (const { from, fk } of d.incoming) {
    const pointsAtDeleted = `EXISTS (SELECT 1 FROM ${DELETED_KEYS} g WHERE ${columnsEqual('c', fk.columns, 'g', fk.refColumns)})`;
    const r = await d.session.query<{ n: string; examples: string[] }>(
      `SELECT count(*)::int8::text AS n, ${firstKeysAsText('c', fk.columns, 3)} AS examples
         FROM ${tableRef(from.schema, from.table)} c WHERE ${pointsAtDeleted}`,
    );
    const n = Number(r.rows[0]!.n);
    if (n > 0) {
      const keys = `${fk.columns.join(', ')} = ${r.rows[0]!.examples.join('; ')}`;
      const rows = `${n} row(s) of ${from.name}`;
      const message = `${rows} still point at website ${d.websiteId}'s rows of ${d.t.name} through ${fk.name} (${keys}), ${STILL_REFERENCED}`;
      throw new ConsoleError('MOVE_FAILED', message, { target: d.t.name });
    }
  }
}
