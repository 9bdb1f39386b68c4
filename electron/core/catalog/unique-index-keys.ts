import { indexKey, type CatalogIndex, type CatalogTable } from './database-catalog.ts';
import type { Queryable } from './run-query.ts';
import { columnRef, columnsEqual, quoteIdent, tableRef } from './sql-identifiers.ts';

/*
 * A unique index's key as the collision probes of moves and restores compare it: each part a column or
 * an expression as PostgreSQL prints it, selected under positional names (k0, k1, ...) from either side,
 * and matched as the index matches them (NULLs equal under NULLS NOT DISTINCT).
 */

/** One part of a unique index's key: SQL over its table's row (a column, or the index's expression), and its type. */
export interface IndexKeyPart {
  readonly sql: string;
  readonly type: string;
  /** As the operator reads it: the column's name, or the expression. */
  readonly label: string;
}

/** The parts of a unique index's key, without INCLUDE columns; expressions read from the database that has the index. */
export async function indexKeyParts(on: Queryable, table: CatalogTable, index: CatalogIndex): Promise<IndexKeyPart[]> {
  const key = indexKey(index);
  if (!key.includes('(expression)')) return key.map((name) => ({ sql: quoteIdent(name), type: table.columns.find((c) => c.name === name)!.type, label: name }));
  const r = await on.query<{ sql: string; type: string }>(
    `SELECT pg_get_indexdef(i.indexrelid, k, true) AS sql, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_index i CROSS JOIN generate_series(1, i.indnkeyatts) k JOIN pg_attribute a ON a.attrelid = i.indexrelid AND a.attnum = k
      WHERE i.indexrelid = to_regclass($1) ORDER BY k`,
    [tableRef(table.schema, index.name)],
  );
  return r.rows.map((part) => ({ ...part, label: part.sql }));
}

/** `("a")::integer AS "k0", (lower(email))::text AS "k1"`: the key's parts under `names`. */
export function keyPartsAs(parts: readonly IndexKeyPart[], names: readonly string[]): string {
  return parts.map((part, i) => `(${part.sql})::${part.type} AS ${quoteIdent(names[i]!)}`).join(', ');
}

/**
 * The rows of `probe` (a table or a parenthesized query, keys under `names`) whose key equals a key of
 * `local` (a query with the same names), as `SELECT p.*`. Under NULLS NOT DISTINCT a NULL equals a
 * NULL: keys holding one are matched apart (IS NOT DISTINCT FROM, which no hash join takes), so the
 * keys without one keep their hash join; a pair is in exactly one half.
 */
export function collidingKeys(probe: string, local: string, names: readonly string[], nullsEqual: boolean): string {
  const equal = `SELECT p.* FROM ${probe} p JOIN (${local}) b ON ${columnsEqual('b', names, 'p', names)}`;
  if (!nullsEqual) return equal;
  const holdsNull = (alias: string) => names.map((n) => `${columnRef(alias, n)} IS NULL`).join(' OR ');
  const notDistinct = names.map((n) => `${columnRef('b', n)} IS NOT DISTINCT FROM ${columnRef('p', n)}`).join(' AND ');
  return `${equal} UNION ALL SELECT p.* FROM ${probe} p JOIN (${local}) b ON ${notDistinct} WHERE (${holdsNull('p')}) AND (${holdsNull('b')})`;
}
