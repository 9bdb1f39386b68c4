import { columnList, columnRef, quoteIdent } from '../catalog/sql-identifiers.ts';

/*
 * The fragments of tenant-table SQL (COPY, hashing, fenced batches, probes) only moves write; the
 * common ones (columnRef, columnList, columnsAs, columnsEqual, numbered) are catalog/sql-identifiers.ts'.
 * Every name goes through quoteIdent, and every list is built here rather than by a template nested in
 * another.
 */

/** `ROW(alias."a", alias."b")` */
export function rowOf(alias: string, columns: readonly string[]): string {
  return `ROW(${columnList(columns, alias)})`;
}

/** `alias."a" IS NOT NULL AND ...` */
export function allSet(alias: string, columns: readonly string[]): string {
  return columns.map((c) => `${columnRef(alias, c)} IS NOT NULL`).join(' AND ');
}

/** `"a" integer, "b" text`: the columns of a CREATE TABLE. */
export function columnDefinitions(columns: ReadonlyArray<{ readonly name: string; readonly type: string }>): string {
  return columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
}

/** `$1, $2, ...` */
export function parameters(count: number): string {
  return Array.from({ length: count }, (_, i) => `$${i + 1}`).join(', ');
}

/** The first `n` keys of the rows counted, as text: `(array_agg(ROW(...)::text [ORDER BY ...]))[1:n]`. */
export function firstKeysAsText(alias: string, columns: readonly string[], n: number, ordered = false): string {
  const order = ordered ? ` ORDER BY ${columnList(columns, alias)}` : '';
  return `(array_agg(${rowOf(alias, columns)}::text${order}))[1:${n}]`;
}
