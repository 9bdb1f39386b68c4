import { sql } from 'kysely';
import type { CatalogTable, DatabaseCatalog } from '../catalog/database-catalog.ts';
import { runQuery } from '../catalog/run-query.ts';
import { tableRef } from '../catalog/sql-identifiers.ts';
import { systemCatalog } from '../catalog/system-catalog.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';

/*
 * What one row of each tenant table takes: pg_stats' average column widths (each weighted by how often
 * the column is not NULL) plus the tuple header and line pointer, plus the table's TOAST bytes per row
 * (pg_stats counts an out-of-line value as its 18-byte pointer). Unlike (heap + TOAST) / rows this ignores free space left by deletes and updates,
 * so a bloated table does not make its tenants look twice their size: the estimate tracks what a move
 * would copy. Before the first ANALYZE (no pg_stats) it falls back to table size / rows; when the row
 * count is unknown too (never analyzed nor vacuumed, and its counters reset by pg_stat_reset or a crash's
 * recovery), to the planner's width from the column types and the rows that fit in the table's heap.
 *
 * A partitioned table has no storage, no row estimate and (autovacuum never analyzes it) usually no
 * statistics of its own: its figures are its partitions', which are read too and rolled up below.
 */
function readRowStats(handle: DatabaseHandle, tables: readonly CatalogTable[]) {
  const wanted = sql<{ schema: string; name: string }>`unnest(${tables.map((t) => t.schema)}::text[], ${tables.map((t) => t.table)}::text[])`;
  const query = systemCatalog
    .selectFrom('pg_catalog.pg_class as c')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .leftJoin('pg_catalog.pg_stat_all_tables as s', 's.relid', 'c.oid')
    .select((eb) => [
      'c.oid',
      'c.relkind as kind',
      'c.relispartition as partition',
      eb.selectFrom('pg_catalog.pg_inherits as i').select('i.inhparent').whereRef('i.inhrelid', '=', 'c.oid').limit(1).as('parent'),
      'n.nspname as schema',
      'c.relname as name',
      eb.cast<number>(eb.fn('pg_table_size', ['c.oid']), 'float8').as('bytes'),
      // The heap alone (no free-space or visibility map, no TOAST): what holds rows.
      eb.cast<number>(eb.fn('pg_relation_size', ['c.oid']), 'float8').as('heap'),
      eb.cast<number>(eb.fn.coalesce(eb.fn('pg_total_relation_size', [eb.fn('nullif', ['c.reltoastrelid', eb.lit(0)])]), eb.lit(0)), 'float8').as('toast'),
      sql<number>`greatest(${eb.ref('c.reltuples')}, coalesce(${eb.ref('s.n_live_tup')}, 0), 0)::float8`.as('rows'),
      eb
        .cast<number | null>(
          eb
            .selectFrom('pg_catalog.pg_stats as st')
            // avg_width is over the non-NULL values only: a column NULL in most rows takes little of each.
            .select(sql<number>`sum(st.avg_width * (1 - st.null_frac))`.as('width'))
            .whereRef('st.schemaname', '=', 'n.nspname')
            .whereRef('st.tablename', '=', 'c.relname')
            // A parent of inheritance children also has statistics over them all (inherited = true).
            .where('st.inherited', '=', false),
          'float8',
        )
        .as('stats_width'),
    ])
    .where('c.relkind', 'in', ['r', 'p'])
    .where((eb) => {
      const wantedTables = eb.selectFrom(wanted.as<'w'>(sql`w(schema, name)`)).select(['w.schema', 'w.name']).$asTuple('schema', 'name');
      // The partitions of those tables (partitions of partitions too), none of any other table.
      const partitions = sql<boolean>`${eb.ref('c.oid')} IN (
        WITH RECURSIVE tree(oid) AS (
          SELECT i.inhrelid FROM pg_catalog.pg_inherits i
            JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
            JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
           WHERE p.relkind = 'p' AND (pn.nspname, p.relname) IN (SELECT * FROM ${wanted})
          UNION
          SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tree t ON i.inhparent = t.oid)
        SELECT oid FROM tree)`;
      return eb.or([eb(eb.refTuple('n.nspname', 'c.relname'), 'in', wantedTables), partitions]);
    });
  return runQuery(handle, query);
}

type RowStatsRow = Awaited<ReturnType<typeof readRowStats>>[number];

/** Tuple header (23 bytes, aligned to 24) plus its 4-byte line pointer. */
const TUPLE_OVERHEAD = 28;

export interface TableRowStats {
  /** Average bytes per row. */
  readonly width: number;
  /** Rows in the table (reltuples, or the live-tuple counter before the first ANALYZE). */
  readonly rows: number;
}

/** Bytes per row of one table with storage. */
function widthOf(r: RowStatsRow): number {
  const toastPerRow = r.rows >= 1 ? r.toast / r.rows : 0;
  return r.stats_width !== null ? r.stats_width + TUPLE_OVERHEAD + toastPerRow : r.rows >= 1 ? r.bytes / r.rows : 0;
}

/**
 * A table's rows and their average width; for a partitioned table, its leaf partitions' (partitions of
 * partitions included), the width weighted by each partition's rows.
 */
function statsOf(root: RowStatsRow, children: ReadonlyMap<number, readonly RowStatsRow[]>): TableRowStats {
  if (root.kind !== 'p') return { width: widthOf(root), rows: root.rows };
  let count = 0;
  let bytes = 0;
  const visit = (at: RowStatsRow, depth: number) => {
    if (at.kind !== 'p') {
      count += at.rows;
      bytes += at.rows * widthOf(at);
      return;
    }
    if (depth < 32) for (const child of children.get(at.oid) ?? []) visit(child, depth + 1);
  };
  visit(root, 0);
  return { width: count >= 1 ? bytes / count : 0, rows: count };
}

const unknownRows = (r: RowStatsRow) => r.kind === 'r' && r.stats_width === null && r.rows < 1 && r.heap > 0;

/**
 * A table with bytes but no row count and no statistics: the planner's row width (from the column types,
 * as it plans a scan of a never-analyzed table) and the rows that fit in its heap at that width. Without
 * it the table would weigh 0 bytes per row, and its tenants would be counted by reading it whole, unsampled.
 */
async function withPlannerEstimate(handle: DatabaseHandle, r: RowStatsRow): Promise<RowStatsRow> {
  try {
    const plan = await handle.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Width': number } }] }>(
      `EXPLAIN (FORMAT JSON) SELECT * FROM ${tableRef(r.schema, r.name)}`,
    );
    const width = (plan.rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Width'] ?? 0) + TUPLE_OVERHEAD;
    return { ...r, rows: Math.max(1, Math.floor(r.heap / width)), stats_width: width - TUPLE_OVERHEAD };
  } catch {
    // Not plannable now (dropped meanwhile, a lock past the statement timeout): weighed as before, 0 a row.
    return r;
  }
}

/** Average row width and row count of every tenant table, by table name. */
export async function tenantRowWidths(handle: DatabaseHandle, catalog: DatabaseCatalog): Promise<Map<string, TableRowStats>> {
  const tenant = [...catalog.tenantTables.keys()].map((name) => catalog.tables.get(name)!).filter(Boolean);
  const rows = await Promise.all((await readRowStats(handle, tenant)).map((r) => (unknownRows(r) ? withPlannerEstimate(handle, r) : r)));
  const children = new Map<number, RowStatsRow[]>();
  for (const r of rows) {
    if (!r.partition || r.parent === null) continue;
    const siblings = children.get(r.parent);
    if (siblings) siblings.push(r);
    else children.set(r.parent, [r]);
  }
  const widths = new Map<string, TableRowStats>();
  for (const t of tenant) {
    const r = rows.find((row) => row.schema === t.schema && row.name === t.table);
    if (r) widths.set(t.name, statsOf(r, children));
  }
  return widths;
}
