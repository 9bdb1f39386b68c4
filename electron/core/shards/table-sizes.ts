import { sql } from 'kysely';
import type { TableSize } from '../../../shared/contract.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { runQuery, runQueryFirst } from '../catalog/run-query.ts';
import { displayName } from '../catalog/sql-identifiers.ts';
import { isUserSchema, systemCatalog } from '../catalog/system-catalog.ts';
import { CONSOLE_SCHEMA } from '../console-schema/console-database.ts';
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
function readSizes(handle: DatabaseHandle) {
  const query = systemCatalog
    .selectFrom('pg_catalog.pg_class as c')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .leftJoin('pg_catalog.pg_stat_all_tables as s', 's.relid', 'c.oid')
    .select((eb) => {
      const toast = eb.fn.coalesce(eb.fn<number>('pg_total_relation_size', [eb.fn('nullif', ['c.reltoastrelid', eb.lit(0)])]), eb.lit(0));
      const rows = eb
        .case()
        .when('c.reltuples', '>=', 0)
        .then(eb.ref('c.reltuples'))
        .else(sql<number>`coalesce(${eb.ref('s.n_live_tup')}, 0)`)
        .end();
      return [
        'c.oid',
        'c.relispartition as partition',
        eb.selectFrom('pg_catalog.pg_inherits as i').select('i.inhparent').whereRef('i.inhrelid', '=', 'c.oid').limit(1).as('parent'),
        'n.nspname as schema',
        'c.relname as name',
        'c.relkind as kind',
        eb.cast<string>(eb(eb.fn<number>('pg_table_size', ['c.oid']), '-', toast), 'text').as('heap'),
        eb.cast<string>(eb.fn('pg_indexes_size', ['c.oid']), 'text').as('index'),
        eb.cast<string>(toast, 'text').as('toast'),
        sql<string>`${rows}::int8::text`.as('rows'),
      ];
    })
    .where('c.relkind', 'in', ['r', 'p', 'm'])
    .where((eb) => isUserSchema(eb.ref('n.nspname')));
  return runQuery(handle, query);
}

type SizeRow = Awaited<ReturnType<typeof readSizes>>[number];

/**
 * A partitioned table as one row holding what its partitions hold: its own row has no storage (0 bytes;
 * its row estimate, when analyzed, counts its partitions' rows), and its partitions, listed alone, would
 * not be tenant tables by name. Partitions of
 * partitions count towards the table at the top.
 */
function rollUpPartitions(rows: readonly SizeRow[]): SizeRow[] {
  // A partitioned table's own estimate (ANALYZE of it sets one, PostgreSQL 14 on) is its partitions' rows
  // again: only theirs are added up.
  const byOid = new Map(rows.map((r) => [r.oid, r.kind === 'p' ? { ...r, rows: '0' } : { ...r }]));
  const top = (row: SizeRow): SizeRow | undefined => {
    let at: SizeRow | undefined = row;
    for (let depth = 0; at?.partition && depth < 32; depth++) at = at.parent === null ? undefined : byOid.get(at.parent);
    return at?.partition ? undefined : at;
  };
  const add = (a: string, b: string) => (BigInt(a) + BigInt(b)).toString();
  for (const row of byOid.values()) {
    if (!row.partition) continue;
    const root = top(row);
    if (!root) continue;
    const into = byOid.get(root.oid)!;
    Object.assign(into, {
      heap: add(into.heap, row.heap),
      index: add(into.index, row.index),
      toast: add(into.toast, row.toast),
      rows: add(into.rows, row.rows),
    });
  }
  return [...byOid.values()].filter((r) => !r.partition);
}

async function readDatabaseSize(handle: DatabaseHandle): Promise<number> {
  const query = systemCatalog.selectNoFrom((eb) => eb.cast<string>(eb.fn('pg_database_size', [eb.fn('current_database')]), 'text').as('size'));
  return Number((await runQueryFirst(handle, query))?.size ?? 0);
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
  const [rows, sizeBytes] = await Promise.all([
    readSizes(handle),
    // Separate so an empty database (no tables yet) still reports its size.
    readDatabaseSize(handle),
  ]);
  const tables = rollUpPartitions(rows).map((r) => {
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
  return { sizeBytes, tables };
}

/** Heap + TOAST of the tenant tables: what the tenants' rows occupy, the base of every share. */
export function tenantDataBytes(tables: readonly Pick<TableSize, 'kind' | 'heapBytes' | 'toastBytes'>[]): number {
  return tables.filter((t) => t.kind === 'tenant').reduce((sum, t) => sum + t.heapBytes + t.toastBytes, 0);
}
