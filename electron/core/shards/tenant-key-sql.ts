import type { CatalogTable, FkStep, TenantTable } from '../catalog/database-catalog.ts';
import { columnList, columnRef, columnsAs, columnsEqual, numbered, ownRowsRef, positions, tableRef } from '../catalog/sql-identifiers.ts';

/*
 * SQL that attributes a tenant table's rows to tenant keys, for tables that carry the key and for
 * those that reach it only through FK chains (photos -> realty assets -> website_id).
 */

function tableOf(tables: ReadonlyMap<string, CatalogTable>, name: string): CatalogTable {
  const table = tables.get(name);
  if (!table) throw new Error(`catalog has no table ${name}`);
  return table;
}

/** Read a block sample of this percentage of the table instead of every row (TABLESAMPLE SYSTEM). */
export interface CountSampling {
  readonly percent: number;
  /** Rows in the whole table: sampled counts are scaled to it (a ratio estimate, steadier than 100/percent on few pages). */
  readonly tableRows: number;
}

/**
 * `SELECT k, n`: rows per tenant key over a table, in one pass. A chained table is first grouped by its
 * FK column(s) and only then joined to its parent, level by level, so each join sees one row per
 * parent instead of one per child row. Rows whose FK is NULL belong to no tenant and drop out there.
 *
 * With `sampling`, only that share of the table's pages is read (REPEATABLE, so the same table gives
 * the same answer twice) and counts are scaled by table rows / sampled rows: the cost stays bounded however large the table
 * grows, large tenants come out within a few percent, a tenant with a handful of rows can come out as 0
 * or as 1/fraction. Sampled groups look their parents up by index (LATERAL ... LIMIT 1) rather than
 * hashing the whole parent table; FK targets are unique, so LIMIT 1 changes no result.
 */
export function groupedTenantCountsSql(tenant: TenantTable, tables: ReadonlyMap<string, CatalogTable>, sampling: CountSampling | null = null): string {
  const table = tableOf(tables, tenant.table);
  const from = `${ownRowsRef(table)} t${sampleClause(sampling)}`;
  const count = rowCount(sampling);
  const [first] = tenant.chain;
  if (!first) return `SELECT ${columnRef('t', tenant.tenantKey)}::int8 AS k, ${count} AS n FROM ${from} GROUP BY 1`;
  const keys = columnsAs('t', first.columns, numbered('c', first.columns.length));
  let sql = `SELECT ${keys}, ${count} AS n FROM ${from} GROUP BY ${positions(first.columns.length)}`;
  tenant.chain.forEach((step, level) => {
    sql = parentLevelSql(sql, step, tenant.chain[level + 1], tenant.tenantKey, tableOf(tables, step.refTable), sampling !== null);
  });
  return sql;
}

/** ` TABLESAMPLE ...` reading the sampled share of the pages (REPEATABLE: the same table answers the same twice). */
function sampleClause(sampling: CountSampling | null): string {
  return sampling ? ` TABLESAMPLE SYSTEM (${samplePercent(sampling.percent)}) REPEATABLE (7)` : '';
}

/** Rows per group, scaled to the whole table when sampled (table rows / sampled rows). */
function rowCount(sampling: CountSampling | null): string {
  if (!sampling) return 'count(*)::float8';
  return `count(*)::float8 * ${Math.max(0, Math.round(sampling.tableRows))}::float8 / sum(count(*)) OVER ()`;
}

/**
 * One level up the chain: the groups of `childSql` (keyed c0, c1, ... by `step`'s FK columns) joined to
 * their parent and regrouped by the next step's FK columns, or by the tenant key at the top.
 */
function parentLevelSql(childSql: string, step: FkStep, next: FkStep | undefined, tenantKey: string, parent: CatalogTable, sampled: boolean): string {
  const on = columnsEqual('p', step.refColumns, 'l', numbered('c', step.refColumns.length));
  const nextKeys = next ? numbered('c', next.columns.length) : [];
  const parentColumns = next ? columnsAs('p', next.columns, nextKeys) : `${columnRef('p', tenantKey)}::int8 AS k`;
  const outColumns = next ? columnList(nextKeys, 'p') : 'p.k';
  const group = next ? positions(next.columns.length) : '1';
  const parentRef = tableRef(parent.schema, parent.table);
  if (sampled) {
    const parentRow = `SELECT ${parentColumns} FROM ${parentRef} p WHERE ${on} LIMIT 1`;
    return `SELECT ${outColumns}, sum(l.n) AS n FROM (${childSql}) l CROSS JOIN LATERAL (${parentRow}) p GROUP BY ${group}`;
  }
  return `SELECT ${parentColumns}, sum(l.n) AS n FROM (${childSql}) l JOIN ${parentRef} p ON ${on} GROUP BY ${group}`;
}

/** A percentage PostgreSQL accepts (0 < p <= 100), written without exponent notation. */
function samplePercent(percent: number): number {
  const clamped = Math.min(100, Math.max(0.0001, percent));
  return Math.round(clamped * 10_000) / 10_000;
}

/**
 * `FROM table t JOIN parent p0 ... ` with the expression naming each row's tenant key, for queries
 * that filter on a few keys (the planner starts from the key's index and walks the FKs down).
 */
export function tenantKeyJoin(tenant: TenantTable, tables: ReadonlyMap<string, CatalogTable>): { from: string; key: string } {
  const table = tableOf(tables, tenant.table);
  let from = `${ownRowsRef(table)} t`;
  let alias = 't';
  tenant.chain.forEach((step, i) => {
    const parent = tableOf(tables, step.refTable);
    const next = `p${i}`;
    from += ` JOIN ${tableRef(parent.schema, parent.table)} ${next} ON ${columnsEqual(next, step.refColumns, alias, step.columns)}`;
    alias = next;
  });
  return { from, key: columnRef(alias, tenant.tenantKey) };
}

/** `SELECT k, n` for the given keys only (`$1` is an int8[]). */
export function tenantCountsForKeysSql(tenant: TenantTable, tables: ReadonlyMap<string, CatalogTable>): string {
  const { from, key } = tenantKeyJoin(tenant, tables);
  return `SELECT ${key}::int8 AS k, count(*)::int8 AS n FROM ${from} WHERE ${key} = ANY($1::int8[]) GROUP BY 1`;
}
