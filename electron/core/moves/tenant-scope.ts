import type { CatalogTable, DatabaseCatalog, TenantTable } from '../catalog/database-catalog.ts';
import { referencesTenantTable } from '../catalog/foreign-key-kinds.ts';
import { columnList, tableRef } from '../catalog/sql-identifiers.ts';
import { tenantRowPredicate } from '../catalog/tenant-row-filter.ts';

/** One tenant table as a move sees it: how to select the website's rows and in which order to copy. */
export interface ScopedTable {
  readonly name: string;
  readonly table: CatalogTable;
  readonly tenant: TenantTable;
  /** Copy order: a table's level is above every tenant table it references, so parents land first. */
  readonly level: number;
  /** Copied and compared by name, never by position; generated columns are left to the target. */
  readonly columns: readonly string[];
  readonly selfReferencing: boolean;
}

/** Website id as a SQL literal: COPY (SELECT ...) takes no parameters, so the id is inlined, validated as an integer. */
export function websiteLiteral(websiteId: number): string {
  if (!Number.isSafeInteger(websiteId) || websiteId <= 0) throw new Error(`invalid website id ${websiteId}`);
  return String(websiteId);
}

export function scopedTables(catalog: DatabaseCatalog): ScopedTable[] {
  const levels = new Map<string, number>();
  const visiting = new Set<string>();
  const levelOf = (name: string): number => {
    const known = levels.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0; // an FK cycle between tables: copy order cannot satisfy it, verification still catches loss
    visiting.add(name);
    const table = catalog.tables.get(name)!;
    const parents = table.foreignKeys.filter((fk) => fk.refTable !== name && referencesTenantTable(catalog, name, fk));
    const level = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((fk) => levelOf(fk.refTable)));
    visiting.delete(name);
    levels.set(name, level);
    return level;
  };
  return [...catalog.tenantTables.values()]
    .map((tenant) => {
      const table = catalog.tables.get(tenant.table)!;
      return {
        name: tenant.table,
        table,
        tenant,
        level: levelOf(tenant.table),
        columns: table.columns
          .filter((c) => !c.generated)
          .map((c) => c.name)
          .sort(),
        selfReferencing: table.foreignKeys.some((fk) => fk.refTable === tenant.table),
      };
    })
    .sort((a, b) => a.level - b.level || a.name.localeCompare(b.name));
}

/**
 * Each table's parents among `tables`: the tenant tables it references through a foreign key, all at a
 * lower level (a self-reference or an FK cycle, which share a level, is no ordering constraint).
 */
export function tenantParents(tables: readonly ScopedTable[]): (t: ScopedTable) => ScopedTable[] {
  const byName = new Map(tables.map((t) => [t.table.name, t]));
  return (t) => [...new Set(t.table.foreignKeys.map((fk) => byName.get(fk.refTable)).filter((p): p is ScopedTable => p !== undefined && p.level < t.level))];
}

/** `t."a", t."b"` in the scoped table's column order. */
export function columnSelect(scoped: ScopedTable, alias = 't'): string {
  return columnList(scoped.columns, alias);
}

/**
 * For a transaction that reads a website's rows of a table whole (a move's copy, a restore's
 * read-back): a chain table's rows are the hash join of the table with the website's rows of its
 * parent, and with the default work_mem (4 MB, a hash may take twice that) a parent of more than some
 * 100,000 uuid keys splits the join into batches that both sides write to temp files and read back
 * (photos of a 200,000-property website: 1.37 s, 1.07 s in memory). It holds one hash of keys, never
 * a sort of rows. Not for the move's verification, which sorts its hashes: given this much, the planner
 * there prefers one process to a parallel plan (400,000 photos: 0.96 s became 1.61 s).
 */
export const WEBSITE_READ_MEMORY = `SET LOCAL work_mem = '64MB'`;

/** SELECT of the website's rows of one table, columns by name, for COPY and hashing. */
export function websiteRowsSelect(scoped: ScopedTable, catalog: DatabaseCatalog, websiteId: number, what = columnSelect(scoped)): string {
  return `SELECT ${what} FROM ${tableRef(scoped.table.schema, scoped.table.table)} t WHERE ${websitePredicate(scoped, catalog, websiteId)}`;
}

export function websitePredicate(scoped: ScopedTable, catalog: DatabaseCatalog, websiteId: number, alias = 't'): string {
  return tenantRowPredicate(scoped.tenant, catalog.tables, alias, websiteLiteral(websiteId));
}
