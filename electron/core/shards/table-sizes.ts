import type { TableSize } from '../../../shared/contract.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { CONSOLE_SCHEMA } from '../catalog/introspect-database.ts';
import { displayName } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';

export interface DatabaseSizeReading {
  readonly sizeBytes: number;
  readonly tables: Omit<TableSize, 'growthBytes'>[];
}

/*
 * Catalog functions only: no table is scanned, so this answers in milliseconds at any size.
 * heap = pg_table_size minus TOAST (free-space and visibility maps stay with the heap), so
 * heap + index + toast = pg_total_relation_size.
 */
const sizesSql = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
       (pg_table_size(c.oid) - coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0))::text AS heap,
       pg_indexes_size(c.oid)::text AS index,
       coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)::text AS toast,
       (CASE WHEN c.reltuples >= 0 THEN c.reltuples ELSE coalesce(s.n_live_tup, 0) END)::int8::text AS rows
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;

interface SizeRow {
  schema: string;
  name: string;
  kind: string;
  heap: string;
  index: string;
  toast: string;
  rows: string;
}

function kindOf(catalog: DatabaseCatalog, schema: string, name: string, relkind: string): TableSize['kind'] {
  if (schema === CONSOLE_SCHEMA) return 'console';
  if (relkind === 'm') return 'view';
  if (catalog.tenantTables.has(name)) return 'tenant';
  if (catalog.globalTables.includes(name)) return 'global';
  return 'unscoped';
}

/** Size of the database and of every table in it, largest first. */
export async function readTableSizes(handle: DatabaseHandle, catalog: DatabaseCatalog): Promise<DatabaseSizeReading> {
  const [result, size] = await Promise.all([
    handle.query<SizeRow>(sizesSql),
    // Separate so an empty database (no tables yet) still reports its size.
    handle.query<{ size: string }>(`SELECT pg_database_size(current_database())::text AS size`),
  ]);
  const tables = result.rows.map((r) => {
    const name = displayName(r.schema, r.name);
    const heapBytes = Number(r.heap);
    const indexBytes = Number(r.index);
    const toastBytes = Number(r.toast);
    return {
      table: name,
      kind: kindOf(catalog, r.schema, name, r.kind),
      heapBytes,
      indexBytes,
      toastBytes,
      totalBytes: heapBytes + indexBytes + toastBytes,
      rowsEstimate: Number(r.rows),
    };
  });
  tables.sort((a, b) => b.totalBytes - a.totalBytes || a.table.localeCompare(b.table));
  return { sizeBytes: Number(size.rows[0]?.size ?? 0), tables };
}

/** Heap + TOAST of the tenant tables: what the tenants' rows occupy, the base of every share. */
export function tenantDataBytes(tables: readonly Pick<TableSize, 'kind' | 'heapBytes' | 'toastBytes'>[]): number {
  return tables.filter((t) => t.kind === 'tenant').reduce((sum, t) => sum + t.heapBytes + t.toastBytes, 0);
}
