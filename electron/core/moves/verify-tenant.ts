import type pg from 'pg';
import type { MoveJob } from '../../../shared/methods/move-methods.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { columnRef, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { runLimited } from '../run-limited.ts';
import type { CopiedTable } from './move-job-store.ts';
import { rowOf } from './sql-fragments.ts';
import { websitePredicate, websiteRowsSelect, type ScopedTable } from './tenant-scope.ts';

type TableVerification = MoveJob['verification'][number];

/*
 * Verification computed inside each database: per table, the row count and the sum of every row's
 * 64-bit hash (order-independent, so no sort and no rows through the console). The sum is exact
 * (numeric), so a changed, missing or extra row changes it unless its hash collides: 1 in 2^64 per
 * differing row. A second seed would halve that again at a third of verification's time; the count
 * and the per-copy written-row proof stand beside it.
 *
 * A row hashes as a record (hash_record_extended, PostgreSQL 14+, mixed once more: see rowHash): each
 * column through its type's own hash function, which is far cheaper than printing the row as text. That is exact only for types whose
 * equal values are identical: integers, text (compared byte for byte under "C"), uuid, timestamps,
 * bytea... Types whose equality is looser than identity (numeric 1.0 = 1.00, interval '1 day' =
 * '24 hours', float 0 = -0, jsonb numbers) or that have no hash at all (json) are hashed by their text
 * form instead, so a difference in scale or spelling still shows. Text output is pinned (UTC, ISO dates,
 * postgres intervals, shortest exact floats, hex bytea) so both servers print a value the same way; an
 * older server on either side makes both sides hash the whole row's text.
 */

/** Pinned for the transaction only (SET LOCAL): the session goes back to the pool unchanged. */
const OUTPUT_SETTINGS = [
  `SET LOCAL TimeZone = 'UTC'`,
  `SET LOCAL DateStyle = 'ISO, YMD'`,
  `SET LOCAL IntervalStyle = 'postgres'`,
  // Any positive value prints the shortest exact text from PostgreSQL 12 on. Not 3: before 12 that
  // prints 17 digits, never the shortest, and a move between an 11 and a newer server would differ on
  // every float (1 prints 16 there, the shortest for most values).
  'SET LOCAL extra_float_digits = 1',
  `SET LOCAL bytea_output = 'hex'`,
].join('; ');

/** Types whose hash function tells apart every two values that differ (after stripping typmods). */
const EXACT_HASH_TYPES = new Set([
  'smallint',
  'integer',
  'bigint',
  'oid',
  'boolean',
  'uuid',
  'date',
  'time without time zone',
  'timestamp without time zone',
  'timestamp with time zone',
  'bytea',
]);
const COLLATABLE_TYPES = new Set(['text', 'character varying']);

export type RowHashMethod = 'record' | 'text';

/** `record` (per-column hashes) when both servers have hash_record_extended, else the row's text. */
export async function rowHashMethod(...handles: DatabaseHandle[]): Promise<RowHashMethod> {
  const version = async (h: DatabaseHandle) => Number((await h.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v);
  const versions = await Promise.all(handles.map(version));
  return versions.every((v) => v >= 140000) ? 'record' : 'text';
}

function columnForHash(t: ScopedTable, name: string): string {
  const ref = columnRef('t', name);
  const declared = t.table.columns.find((c) => c.name === name)?.type ?? '(unknown)';
  const base = declared.replace(/\([^)]*\)/g, '');
  const element = base.replace(/(\[\])+$/, '');
  if (EXACT_HASH_TYPES.has(element)) return ref;
  if (COLLATABLE_TYPES.has(element)) return `${ref} COLLATE "C"`;
  // Under "C" too: the text keeps the column's collation (a character(n) or a domain's), and a
  // nondeterministic one hashes 'ABC' and 'abc' alike.
  return `${ref}::text COLLATE "C"`;
}

/**
 * One row's 64-bit hash, the same expression on both databases. hash_record_extended combines its
 * columns' hashes linearly (h * 31 + next), so a sum of those over the rows would not see a column's
 * values trade places between two rows (each column weighs the same in every row): each row's hash is
 * mixed once more, non-linearly, before the digest sums it.
 */
export function rowHash(t: ScopedTable, method: RowHashMethod): string {
  if (method === 'text') return `hashtextextended(${rowOf('t', t.columns)}::text, 0)`;
  const columns = t.columns.map((c) => columnForHash(t, c)).join(', ');
  return `hashint8extended(hash_record_extended(ROW(${columns}), 0), 0)`;
}

export interface TableDigest {
  rows: number;
  hash: string;
  writtenByCopy?: number;
}

/**
 * The digest of the website's rows of one table, on a session already inside a transaction (the copy's
 * snapshot, or a read-only one of its own).
 */
async function digestInTransaction(
  client: pg.ClientBase,
  catalog: DatabaseCatalog,
  t: ScopedTable,
  websiteId: number,
  method: RowHashMethod,
  xid: string | null,
): Promise<TableDigest> {
  await client.query(OUTPUT_SETTINGS);
  // sum(int8) accumulates in 128-bit integers: no overflow.
  const written = xid === null ? 'NULL' : `count(*) FILTER (WHERE t.xmin = '${xid32(xid)}'::xid)::int8::text`;
  const r = await client.query<{ n: string; h: string; w: string | null }>(
    `SELECT count(*)::int8::text AS n, coalesce(sum(${rowHash(t, method)}), 0)::text AS h, ${written} AS w
       FROM ${tableRef(t.table.schema, t.table.table)} t WHERE ${websitePredicate(t, catalog, websiteId)}`,
  );
  const row = r.rows[0]!;
  return { rows: Number(row.n), hash: `${method}:${row.h}`, ...(row.w === null ? {} : { writtenByCopy: Number(row.w) }) };
}

/** A 64-bit transaction id (txid_current) as the 32-bit xid a row's xmin carries. */
function xid32(xid: string): string {
  if (!/^\d+$/.test(xid)) throw new Error(`invalid transaction id ${xid}`);
  return (BigInt(xid) % 4294967296n).toString();
}

/** With `xid`, also counts the website's rows that transaction wrote (`writtenByCopy`). */
export async function tableDigest(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  t: ScopedTable,
  websiteId: number,
  method: RowHashMethod,
  xid: string | null = null,
): Promise<TableDigest> {
  const client = await handle.longSession();
  try {
    await client.query('BEGIN READ ONLY');
    return await digestInTransaction(client, catalog, t, websiteId, method, xid);
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

/** Streams (pk, row hash) ordered by pk text from one side, a page at a time through a cursor. */
async function* rowHashes(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  t: ScopedTable,
  websiteId: number,
  method: RowHashMethod,
): AsyncGenerator<[string, string]> {
  const client = await handle.longSession();
  const keyAndHash = websiteRowsSelect(t, catalog, websiteId, `${rowOf('t', t.table.primaryKey)}::text AS k, ${rowHash(t, method)}::text AS h`);
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(OUTPUT_SETTINGS);
    // Ordered by the key's text under "C" (byte order), the order the merge below compares in.
    await client.query(`DECLARE sc_row_hashes NO SCROLL CURSOR FOR SELECT k, h FROM (${keyAndHash}) s ORDER BY k COLLATE "C"`);
    for (;;) {
      const page = await client.query<{ k: string; h: string }>('FETCH 2000 FROM sc_row_hashes');
      for (const r of page.rows) yield [r.k, r.h];
      if (page.rows.length < 2000) break;
    }
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

/** The first primary keys whose rows differ (missing, extra or changed), by a merge of both ordered streams. */
export async function firstDifferences(
  source: DatabaseHandle,
  sourceCatalog: DatabaseCatalog,
  target: DatabaseHandle,
  targetCatalog: DatabaseCatalog,
  t: ScopedTable,
  targetT: ScopedTable,
  websiteId: number,
  method: RowHashMethod,
  limit = 10,
): Promise<string[]> {
  const sourceRows = rowHashes(source, sourceCatalog, t, websiteId, method);
  const targetRows = rowHashes(target, targetCatalog, targetT, websiteId, method);
  const differences: string[] = [];
  let onSource = await sourceRows.next();
  let onTarget = await targetRows.next();
  while ((!onSource.done || !onTarget.done) && differences.length < limit) {
    if (onTarget.done || (!onSource.done && onSource.value[0] < onTarget.value[0])) {
      differences.push(`${onSource.value![0]} missing on target`);
      onSource = await sourceRows.next();
    } else if (onSource.done || onTarget.value[0] < onSource.value[0]) {
      differences.push(`${onTarget.value[0]} only on target`);
      onTarget = await targetRows.next();
    } else {
      if (onSource.value[1] !== onTarget.value[1]) differences.push(`${onSource.value[0]} differs`);
      onSource = await sourceRows.next();
      onTarget = await targetRows.next();
    }
  }
  await sourceRows.return(undefined);
  await targetRows.return(undefined);
  return differences;
}

/** Per table, the two sides compared; and the tables where the copy wrote rows that are not the website's. */
export interface TenantVerification {
  readonly tables: TableVerification[];
  readonly foreignWrites: Array<{ table: string; rows: number }>;
}

/**
 * Compares every table of the website on both databases, and proves the move wrote nothing else on the
 * target. Each table was copied by one target transaction that did nothing but its COPY, so the rows
 * that COPY reported writing must all be the website's rows carrying that transaction id as xmin,
 * counted with the digest. (A job recorded before per-table copy records existed falls back to
 * scanning the target table for rows with one of the copy's xids outside the website.)
 */
export async function verifyTenant(input: {
  source: DatabaseHandle;
  target: DatabaseHandle;
  sourceCatalog: DatabaseCatalog;
  targetCatalog: DatabaseCatalog;
  tables: readonly ScopedTable[];
  targetTables: readonly ScopedTable[];
  websiteId: number;
  copyXids: readonly string[];
  copied: Readonly<Record<string, CopiedTable>>;
}): Promise<TenantVerification> {
  const results: TableVerification[] = [];
  const foreignWrites: Array<{ table: string; rows: number }> = [];
  const xids32 = input.copyXids.map(xid32);
  const method = await rowHashMethod(input.source, input.target);
  // Largest first, so the last table to finish is a small one and no core idles at the end.
  const bySize = [...input.tables].sort((x, y) => (input.copied[y.name]?.rows ?? 0) - (input.copied[x.name]?.rows ?? 0));
  await runLimited(bySize, 3, async (t) => {
    const targetT = input.targetTables.find((x) => x.name === t.name)!;
    const copied = input.copied[t.name];
    const [onSource, onTarget] = await Promise.all([
      tableDigest(input.source, input.sourceCatalog, t, input.websiteId, method),
      tableDigest(input.target, input.targetCatalog, targetT, input.websiteId, method, copied?.xid ?? null),
    ]);
    const ok = onSource.rows === onTarget.rows && onSource.hash === onTarget.hash;
    const differences = ok
      ? []
      : await firstDifferences(input.source, input.sourceCatalog, input.target, input.targetCatalog, t, targetT, input.websiteId, method);
    results.push({
      table: t.name,
      sourceRows: onSource.rows,
      targetRows: onTarget.rows,
      sourceHash: onSource.hash,
      targetHash: onTarget.hash,
      ok,
      firstDifferences: differences,
    });
    if (copied) {
      const foreign = copied.rows - (onTarget.writtenByCopy ?? 0);
      if (foreign > 0) foreignWrites.push({ table: t.name, rows: foreign });
    } else if (xids32.length) {
      const r = await input.target.query<{ n: string }>(
        `SELECT count(*)::int8::text AS n FROM ${tableRef(targetT.table.schema, targetT.table.table)} t
          WHERE t.xmin::text = ANY($1::text[]) AND (${websitePredicate(targetT, input.targetCatalog, input.websiteId)}) IS NOT TRUE`,
        [xids32],
      );
      const n = Number(r.rows[0]!.n);
      if (n > 0) foreignWrites.push({ table: t.name, rows: n });
    }
  });
  results.sort((x, y) => x.table.localeCompare(y.table));
  return { tables: results, foreignWrites };
}
