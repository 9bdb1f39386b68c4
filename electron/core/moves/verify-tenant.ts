import type pg from 'pg';
import type { MoveJob } from '../../../shared/methods/move-methods.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { runLimited } from '../run-limited.ts';
import { websitePredicate, websiteRowsSelect, type ScopedTable } from './tenant-scope.ts';

type TableVerification = MoveJob['verification'][number];

/*
 * Verification computed inside each database: per table, the row count and two 64-bit hash sums of
 * every row's text form (order-independent, so no sort and no rows through the console). Text output
 * is pinned (UTC, ISO dates, postgres intervals, shortest exact floats, hex bytea) so both servers
 * print the same value the same way; `json` compares as its stored text, which COPY keeps byte for byte.
 */

const OUTPUT_SETTINGS = [
  `SET TimeZone = 'UTC'`,
  `SET DateStyle = 'ISO, YMD'`,
  `SET IntervalStyle = 'postgres'`,
  `SET extra_float_digits = 1`,
  `SET bytea_output = 'hex'`,
];

async function pinnedSession(handle: DatabaseHandle): Promise<pg.PoolClient> {
  const client = await handle.longSession();
  for (const s of OUTPUT_SETTINGS) await client.query(s);
  return client;
}

function rowText(t: ScopedTable): string {
  return `ROW(${t.columns.map((c) => `t.${quoteIdent(c)}`).join(', ')})::text`;
}

async function tableDigest(handle: DatabaseHandle, catalog: DatabaseCatalog, t: ScopedTable, websiteId: number): Promise<{ rows: number; hash: string }> {
  const client = await pinnedSession(handle);
  try {
    // The row's text form is built once and hashed twice (two seeds: 128 bits between them).
    const r = await client.query<{ n: string; h0: string; h1: string }>(
      `SELECT count(*)::int8::text AS n, coalesce(sum(hashtextextended(x, 0)::numeric), 0)::text AS h0, coalesce(sum(hashtextextended(x, 1)::numeric), 0)::text AS h1
         FROM (${websiteRowsSelect(t, catalog, websiteId, `${rowText(t)} AS x`)}) rows`,
    );
    const row = r.rows[0]!;
    return { rows: Number(row.n), hash: `${row.h0}/${row.h1}` };
  } finally {
    client.release();
  }
}

/** Streams (pk, row hash) ordered by pk text from one side, a page at a time through a cursor. */
async function* rowHashes(handle: DatabaseHandle, catalog: DatabaseCatalog, t: ScopedTable, websiteId: number): AsyncGenerator<[string, string]> {
  const client = await pinnedSession(handle);
  const pk = `ROW(${t.table.primaryKey.map((c) => `t.${quoteIdent(c)}`).join(', ')})::text`;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`DECLARE sc_rows NO SCROLL CURSOR FOR ${websiteRowsSelect(t, catalog, websiteId, `${pk} AS k, hashtextextended(${rowText(t)}, 0)::text AS h`)} ORDER BY 1 COLLATE "C"`);
    for (;;) {
      const page = await client.query<{ k: string; h: string }>('FETCH 2000 FROM sc_rows');
      for (const r of page.rows) yield [r.k, r.h];
      if (page.rows.length < 2000) break;
    }
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

/** The first primary keys whose rows differ (missing, extra or changed), by a merge of both ordered streams. */
export async function firstDifferences(source: DatabaseHandle, sourceCatalog: DatabaseCatalog, target: DatabaseHandle, targetCatalog: DatabaseCatalog, t: ScopedTable, targetT: ScopedTable, websiteId: number, limit = 10): Promise<string[]> {
  const a = rowHashes(source, sourceCatalog, t, websiteId);
  const b = rowHashes(target, targetCatalog, targetT, websiteId);
  const out: string[] = [];
  let x = await a.next();
  let y = await b.next();
  while ((!x.done || !y.done) && out.length < limit) {
    if (y.done || (!x.done && x.value[0] < y.value[0])) {
      out.push(`${x.value![0]} missing on target`);
      x = await a.next();
    } else if (x.done || y.value[0] < x.value[0]) {
      out.push(`${y.value[0]} only on target`);
      y = await b.next();
    } else {
      if (x.value[1] !== y.value[1]) out.push(`${x.value[0]} differs`);
      x = await a.next();
      y = await b.next();
    }
  }
  await a.return(undefined);
  await b.return(undefined);
  return out;
}

/**
 * Compares every table of the website on both databases, and proves the move wrote nothing else on the
 * target: no row outside the website carries one of the copy's transaction ids as its xmin.
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
}): Promise<{ tables: TableVerification[]; foreignWrites: Array<{ table: string; rows: number }> }> {
  const results: TableVerification[] = [];
  const foreignWrites: Array<{ table: string; rows: number }> = [];
  const xids32 = input.copyXids.map((x) => (BigInt(x) % 4294967296n).toString());
  await runLimited(input.tables, 3, async (t) => {
    const targetT = input.targetTables.find((x) => x.name === t.name)!;
    const [a, b] = await Promise.all([
      tableDigest(input.source, input.sourceCatalog, t, input.websiteId),
      tableDigest(input.target, input.targetCatalog, targetT, input.websiteId),
    ]);
    const ok = a.rows === b.rows && a.hash === b.hash;
    const differences = ok ? [] : await firstDifferences(input.source, input.sourceCatalog, input.target, input.targetCatalog, t, targetT, input.websiteId);
    results.push({ table: t.name, sourceRows: a.rows, targetRows: b.rows, sourceHash: a.hash, targetHash: b.hash, ok, firstDifferences: differences });
    if (xids32.length) {
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
