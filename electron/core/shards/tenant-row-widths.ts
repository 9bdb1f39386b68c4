import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';

/*
 * What one row of each tenant table takes: pg_stats' average column widths plus the tuple header and
 * line pointer, plus the table's TOAST bytes per row (pg_stats counts an out-of-line value as its
 * 18-byte pointer). Unlike (heap + TOAST) / rows this ignores free space left by deletes and updates,
 * so a bloated table does not make its tenants look twice their size: the estimate tracks what a move
 * would copy. Before the first ANALYZE (no pg_stats) it falls back to table size / rows.
 */
const widthsSql = `
SELECT n.nspname AS schema, c.relname AS name,
       pg_table_size(c.oid)::float8 AS bytes,
       coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)::float8 AS toast,
       greatest(c.reltuples, coalesce(s.n_live_tup, 0), 0)::float8 AS rows,
       (SELECT sum(st.avg_width) FROM pg_stats st WHERE st.schemaname = n.nspname AND st.tablename = c.relname)::float8 AS stats_width
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`;

/** Tuple header (23 bytes, aligned to 24) plus its 4-byte line pointer. */
const TUPLE_OVERHEAD = 28;

export interface TableRowStats {
  /** Average bytes per row. */
  readonly width: number;
  /** Rows in the table (reltuples, or the live-tuple counter before the first ANALYZE). */
  readonly rows: number;
}

/** Average row width and row count of every tenant table, by table name. */
export async function tenantRowWidths(handle: DatabaseHandle, catalog: DatabaseCatalog): Promise<Map<string, TableRowStats>> {
  const tenant = [...catalog.tenantTables.keys()].map((name) => catalog.tables.get(name)!).filter(Boolean);
  const result = await handle.query<{ schema: string; name: string; bytes: number; toast: number; rows: number; stats_width: number | null }>(widthsSql, [
    tenant.map((t) => t.schema),
    tenant.map((t) => t.table),
  ]);
  const widths = new Map<string, TableRowStats>();
  for (const t of tenant) {
    const r = result.rows.find((row) => row.schema === t.schema && row.name === t.table);
    if (!r) continue;
    const toastPerRow = r.rows >= 1 ? r.toast / r.rows : 0;
    const width = r.stats_width !== null ? r.stats_width + TUPLE_OVERHEAD + toastPerRow : r.rows >= 1 ? r.bytes / r.rows : 0;
    widths.set(t.name, { width, rows: r.rows });
  }
  return widths;
}
