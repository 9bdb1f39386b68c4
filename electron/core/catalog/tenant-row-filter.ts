import type { CatalogTable, TenantTable } from './database-catalog.ts';
import { columnList, columnRef, ownRowsRef, tableRef } from './sql-identifiers.ts';

/** One column as itself, several as a row: `t."a"` or `(t."a", t."b")`, the left side of an IN. */
function keyOf(alias: string, columns: readonly string[]): string {
  const list = columnList(columns, alias);
  return columns.length === 1 ? list : `(${list})`;
}

/**
 * SQL predicate selecting the rows of one website in a tenant table, `alias` naming the table in the
 * outer query and `param` the placeholder holding the website id (e.g. `$1`). FK chains become nested
 * semi-joins (`(fk) IN (SELECT pk FROM parent WHERE ...)`), which the planner runs on the FK indexes.
 */
export function tenantRowPredicate(tenant: TenantTable, tables: ReadonlyMap<string, CatalogTable>, alias: string, param: string, depth = 0): string {
  const [step, ...rest] = tenant.chain;
  if (!step) return `${columnRef(alias, tenant.tenantKey)} = ${param}`;
  const parent = tables.get(step.refTable);
  if (!parent) throw new Error(`catalog has no table ${step.refTable}`);
  const inner = `p${depth}`;
  const parentTenant: TenantTable = { table: parent.name, root: tenant.root, tenantKey: tenant.tenantKey, chain: rest };
  const where = tenantRowPredicate(parentTenant, tables, inner, param, depth + 1);
  const parentRows = `SELECT ${columnList(step.refColumns, inner)} FROM ${tableRef(parent.schema, parent.table)} ${inner} WHERE ${where}`;
  return `${keyOf(alias, step.columns)} IN (${parentRows})`;
}

/** `SELECT <what> FROM <table> t WHERE <rows of the website in $1>`. */
export function tenantRowsQuery(tenant: TenantTable, tables: ReadonlyMap<string, CatalogTable>, what: string): string {
  const table = tables.get(tenant.table);
  if (!table) throw new Error(`catalog has no table ${tenant.table}`);
  return `SELECT ${what} FROM ${ownRowsRef(table)} t WHERE ${tenantRowPredicate(tenant, tables, 't', '$1')}`;
}
