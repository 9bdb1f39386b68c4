import type { CatalogTable, TenantTable } from './database-catalog.ts';
import { quoteIdent, tableRef } from './sql-identifiers.ts';

function columnList(alias: string, columns: readonly string[]): string {
  const list = columns.map((c) => `${alias}.${quoteIdent(c)}`).join(', ');
  return columns.length === 1 ? list : `(${list})`;
}

/**
 * SQL predicate selecting the rows of one website in a tenant table, `alias` naming the table in the
 * outer query and `param` the placeholder holding the website id (e.g. `$1`). FK chains become nested
 * semi-joins (`(fk) IN (SELECT pk FROM parent WHERE ...)`), which the planner runs on the FK indexes.
 */
export function tenantRowPredicate(tenant: TenantTable, tables: ReadonlyMap<string, CatalogTable>, alias: string, param: string, depth = 0): string {
  if (tenant.chain.length === 0) return `${alias}.${quoteIdent(tenant.tenantKey)} = ${param}`;
  const [step, ...rest] = tenant.chain;
  const parent = tables.get(step!.refTable);
  if (!parent) throw new Error(`catalog has no table ${step!.refTable}`);
  const inner = `p${depth}`;
  const parentTenant: TenantTable = { table: parent.name, root: tenant.root, tenantKey: tenant.tenantKey, chain: rest };
  const where = tenantRowPredicate(parentTenant, tables, inner, param, depth + 1);
  return `${columnList(alias, step!.columns)} IN (SELECT ${step!.refColumns.map((c) => `${inner}.${quoteIdent(c)}`).join(', ')} FROM ${tableRef(parent.schema, parent.table)} ${inner} WHERE ${where})`;
}

/** `SELECT <what> FROM <table> t WHERE <rows of the website in $1>`. */
export function tenantRowsQuery(tenant: TenantTable, tables: ReadonlyMap<string, CatalogTable>, what: string): string {
  const table = tables.get(tenant.table);
  if (!table) throw new Error(`catalog has no table ${tenant.table}`);
  return `SELECT ${what} FROM ${tableRef(table.schema, table.table)} t WHERE ${tenantRowPredicate(tenant, tables, 't', '$1')}`;
}
