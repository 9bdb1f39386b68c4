import type { CatalogTable } from './database-catalog.ts';
import type { Queryable } from './run-query.ts';
import { numbered, quoteIdent, tableRef } from './sql-identifiers.ts';

/*
 * Exclusion constraints (`EXCLUDE USING gist (room WITH =, during WITH &&)`), as the conflict probes of
 * moves and restores check them: two rows conflict when every part's operator holds between them, both
 * rows inside the constraint's predicate. The operators of an exclusion constraint are commutative
 * (PostgreSQL requires it), so which row stands on which side does not matter. Each side's parts are
 * selected in a subquery over its own table (the expressions name columns unqualified); PostgreSQL
 * flattens the live side's, so the join reaches the constraint's own index.
 */

export interface ExclusionPart {
  /** A column or an expression over the table's row, as PostgreSQL prints it. */
  readonly sql: string;
  /** `OPERATOR(pg_catalog.&&)`. */
  readonly operator: string;
  /** `during WITH &&`, as the operator reads it. */
  readonly label: string;
}

export interface ExclusionConstraint {
  readonly name: string;
  readonly parts: readonly ExclusionPart[];
  readonly predicate: string | null;
  /** The table's columns its parts and predicate read: what a probe of it streams. */
  readonly columns: readonly string[];
}

/** The table's exclusion constraints, read from the database that has them. */
export async function exclusionConstraints(on: Queryable, table: CatalogTable): Promise<ExclusionConstraint[]> {
  const r = await on.query<{ name: string; sql: string; operator: string; op: string; predicate: string | null; columns: string[] }>(
    `SELECT c.conname AS name, pg_get_indexdef(c.conindid, k, true) AS sql, format('OPERATOR(%I.%s)', n.nspname, o.oprname) AS operator,
            o.oprname AS op, pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
            ARRAY(SELECT a.attname::text FROM pg_attribute a
                   WHERE a.attrelid = c.conrelid AND a.attnum > 0 AND (a.attnum = ANY (i.indkey::int2[]) OR EXISTS (
                         SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.conindid
                            AND d.refobjid = c.conrelid AND d.refobjsubid = a.attnum))
                   ORDER BY a.attnum) AS columns
       FROM pg_constraint c JOIN pg_index i ON i.indexrelid = c.conindid
       CROSS JOIN generate_subscripts(c.conexclop, 1) k
       JOIN pg_operator o ON o.oid = c.conexclop[k] JOIN pg_namespace n ON n.oid = o.oprnamespace
      WHERE c.contype = 'x' AND c.conrelid = to_regclass($1)
      ORDER BY c.conname, k`,
    [tableRef(table.schema, table.table)],
  );
  const found = new Map<string, { parts: ExclusionPart[]; predicate: string | null; columns: string[] }>();
  for (const row of r.rows) {
    const entry = found.get(row.name) ?? { parts: [], predicate: row.predicate, columns: row.columns };
    entry.parts.push({ sql: row.sql, operator: row.operator, label: `${row.sql} WITH ${row.op}` });
    found.set(row.name, entry);
  }
  return [...found].map(([name, c]) => ({ name, ...c }));
}

/** Whether a part compares a column with `=`: rows differing in that column never conflict. */
export function comparesEqual(part: ExclusionPart, column: string): boolean {
  return (part.sql === column || part.sql === quoteIdent(column)) && /\.=\)$/.test(part.operator);
}

/**
 * The rows of `probe` (a table whose columns bear the live table's names) that conflict under the
 * constraint with rows of `live` matching `liveFilter` (over alias `t`), as `SELECT p.*` with the parts
 * under positional names (k0, k1, ...). `names` gives those names.
 */
export function conflictingRows(probe: string, live: string, liveFilter: string, c: ExclusionConstraint): { sql: string; names: string[] } {
  const names = numbered('k', c.parts.length);
  const parts = c.parts.map((part, i) => `(${part.sql}) AS ${quoteIdent(names[i]!)}`).join(', ');
  const inConstraint = c.predicate === null ? '' : ` AND (${c.predicate})`;
  const on = c.parts.map((part, i) => `t.${quoteIdent(names[i]!)} ${part.operator} p.${quoteIdent(names[i]!)}`).join(' AND ');
  return {
    names,
    sql:
      `SELECT p.* FROM (SELECT ${parts} FROM ${probe} WHERE true${inConstraint}) p ` +
      `JOIN (SELECT ${parts} FROM ${live} t WHERE (${liveFilter})${inConstraint}) t ON ${on}`,
  };
}
