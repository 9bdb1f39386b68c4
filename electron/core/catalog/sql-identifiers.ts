/** Quotes an identifier for PostgreSQL: every name we put into SQL goes through here, never concatenated raw. */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new Error('identifier contains a NUL byte');
  return `"${name.replace(/"/g, '""')}"`;
}

/** A table's display name: bare for `public`, schema-qualified otherwise. */
export function displayName(schema: string, table: string): string {
  return schema === 'public' ? table : `${schema}.${table}`;
}

/** The quoted, schema-qualified SQL reference for a table. */
export function tableRef(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * A table's own rows in a FROM: `ONLY` it, so a table with INHERITS children (each a tenant table of
 * its own) does not count theirs too; a partitioned table is its partitions' rows, so never ONLY.
 */
export function ownRowsRef(table: { readonly schema: string; readonly table: string; readonly partitioned: boolean }): string {
  return `${table.partitioned ? '' : 'ONLY '}${tableRef(table.schema, table.table)}`;
}

/*
 * Fragments for SQL over tables known only at run time (tenant tables): every list is built here
 * rather than by a template nested in another, every name through quoteIdent.
 */

/** A string literal: `'it''s'`. */
export function quoteLiteral(text: string): string {
  if (text.includes('\u0000')) throw new Error('literal contains a NUL byte');
  return `'${text.replace(/'/g, "''")}'`;
}

/** `alias."column"` */
export function columnRef(alias: string, column: string): string {
  return `${alias}.${quoteIdent(column)}`;
}

/** `alias."a", alias."b"`; without an alias, `"a", "b"`. */
export function columnList(columns: readonly string[], alias?: string): string {
  return columns.map((c) => (alias === undefined ? quoteIdent(c) : columnRef(alias, c))).join(', ');
}

/** `alias."a" AS c0, alias."b" AS c1`: columns under the names given, by position. */
export function columnsAs(alias: string, columns: readonly string[], names: readonly string[]): string {
  return columns.map((c, i) => `${columnRef(alias, c)} AS ${quoteIdent(names[i]!)}`).join(', ');
}

/** `left."a" = right."x" AND ...`: columns paired by position. */
export function columnsEqual(left: string, leftColumns: readonly string[], right: string, rightColumns: readonly string[]): string {
  return leftColumns.map((c, i) => `${columnRef(left, c)} = ${columnRef(right, rightColumns[i]!)}`).join(' AND ');
}

/** `prefix0, prefix1, ...`: positional names for the columns of a key. */
export function numbered(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/** `1, 2, ...`: the first `count` output columns, for GROUP BY. */
export function positions(count: number): string {
  return Array.from({ length: count }, (_, i) => String(i + 1)).join(', ');
}
