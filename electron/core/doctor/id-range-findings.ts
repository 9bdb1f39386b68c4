import type { Finding } from '../../../shared/contract.ts';
import { formatCount } from '../../../shared/format.ts';
import type { CatalogTable, DatabaseCatalog } from '../catalog/database-catalog.ts';
import { quoteIdent, quoteLiteral, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { finding } from './doctor-finding.ts';

const INTEGER_TYPES = new Set(['integer', 'bigint', 'smallint']);

export interface IdRange {
  readonly min: number;
  readonly max: number;
  readonly rows: number;
}

/** Tenant tables whose primary key is one integer column: the ones two databases' sequences can both hand out. */
function serialKeyTables(catalog: DatabaseCatalog) {
  return [...catalog.tenantTables.keys()].flatMap((name) => {
    const table = catalog.tables.get(name);
    if (table?.primaryKey.length !== 1) return [];
    const column = table.columns.find((c) => c.name === table.primaryKey[0]);
    return column && INTEGER_TYPES.has(column.type) ? [{ table, key: column.name }] : [];
  });
}

/** Table `i`'s lowest and highest id and its estimated rows: the index's two ends and pg_class, no scan. */
function idRangeSql(i: number, table: CatalogTable, key: string): string {
  const ref = tableRef(table.schema, table.table);
  const estimate = `SELECT greatest(reltuples, 0)::int8 FROM pg_class WHERE oid = ${quoteLiteral(ref)}::regclass`;
  return `SELECT ${i} AS i, min(${quoteIdent(key)})::text AS lo, max(${quoteIdent(key)})::text AS hi, (${estimate})::text AS rows FROM ${ref}`;
}

/** min and max id per table, read from the primary-key index ends: two index probes per table. */
export async function readIdRanges(handle: DatabaseHandle, catalog: DatabaseCatalog): Promise<Map<string, IdRange>> {
  const tables = serialKeyTables(catalog);
  const out = new Map<string, IdRange>();
  if (tables.length === 0) return out;
  const sql = tables.map(({ table, key }, i) => idRangeSql(i, table, key)).join('\nUNION ALL ');
  const result = await handle.query<{ i: number; lo: string | null; hi: string | null; rows: string }>(sql);
  for (const r of result.rows) {
    if (r.lo === null || r.hi === null) continue;
    out.set(tables[r.i]!.table.name, { min: Number(r.lo), max: Number(r.hi), rows: Number(r.rows) });
  }
  return out;
}

/**
 * Tables whose id ranges overlap between databases: serial ids come from each database's own
 * sequence, so a website moved between them can bring ids the target already uses. One finding per
 * table and database; rows are estimated as the share of the range that overlaps (ids are dense).
 */
export function idRangeFindings(ranges: ReadonlyMap<string, ReadonlyMap<string, IdRange>>): Finding[] {
  const findings: Finding[] = [];
  const tables = new Set([...ranges.values()].flatMap((m) => [...m.keys()]));
  for (const table of [...tables].sort()) {
    for (const [database, byTable] of ranges) {
      const mine = byTable.get(table);
      if (!mine) continue;
      const others = [...ranges]
        .filter(([other]) => other !== database)
        .flatMap(([other, m]) => {
          const theirs = m.get(table);
          return theirs && theirs.min <= mine.max && mine.min <= theirs.max ? [{ other, theirs }] : [];
        });
      if (others.length === 0) continue;
      const lo = Math.min(...others.map((o) => Math.max(mine.min, o.theirs.min)));
      const hi = Math.max(...others.map((o) => Math.min(mine.max, o.theirs.max)));
      const span = mine.max - mine.min + 1;
      const rows = Math.max(1, Math.round((mine.rows * (hi - lo + 1)) / span));
      const list = others.map((o) => `${o.other} (${formatCount(o.theirs.min)}–${formatCount(o.theirs.max)})`).join(', ');
      findings.push(
        finding(
          'id-range-overlap',
          'warning',
          { database, table, rows },
          `${table} ids ${formatCount(mine.min)}–${formatCount(mine.max)} on ${database} overlap ${list}: ` +
            `about ${formatCount(rows)} rows here have ids another database also hands out, ` +
            'so moving a website between them can collide on the primary key.',
          `Give each database its own id range before moving websites between them: on ${database} set the sequence of ${table} ` +
            `past every database's maximum and spaced apart (e.g. SELECT setval(pg_get_serial_sequence('${table}', 'id'), <offset>)); ` +
            "websites holding ids in the overlap can only move once the move's preflight finds no collision.",
        ),
      );
    }
  }
  return findings;
}
