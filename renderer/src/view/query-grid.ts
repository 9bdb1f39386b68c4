import { formatCount } from '../../../shared/format.ts';
import type { QueryColumn, QueryResults, ResultRow } from './query-results.ts';

/*
 * The result grid's view logic: the text of a cell, the order a header click gives, the text filter over
 * the shown rows, and the cursor the arrow keys move. Column -1 is the `database` column.
 */

export const DATABASE_COLUMN = -1;

export interface ResultSort {
  /** A union column index, or DATABASE_COLUMN. */
  readonly column: number;
  readonly direction: 'asc' | 'desc';
}

/** What a cell shows: NULL for null (and a column its database lacks), JSON for objects, the value's text otherwise. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const NUMERIC_TYPE = /^(smallint|integer|bigint|numeric|real|double precision|oid|money)\b|^(int[248]?|float[48]|decimal)\b/;

/** bigint and numeric arrive as exact strings: compared as numbers when the column's type is numeric. */
export function isNumericType(type: string): boolean {
  return NUMERIC_TYPE.test(type.toLowerCase());
}

function compareNumbers(a: unknown, b: unknown): number | null {
  const x = typeof a === 'number' ? a : typeof a === 'string' ? Number(a) : NaN;
  const y = typeof b === 'number' ? b : typeof b === 'string' ? Number(b) : NaN;
  if (Number.isNaN(x) || Number.isNaN(y)) return null;
  if (x !== y) return x < y ? -1 : 1;
  // Past 2^53 two different integers can be the same double: their exact text decides.
  if (typeof a === 'string' && typeof b === 'string' && a !== b && /^-?\d+$/.test(a) && /^-?\d+$/.test(b)) return BigInt(a) < BigInt(b) ? -1 : 1;
  return 0;
}

/** Ascending order of two cells; NULL is the largest value, as in PostgreSQL (last ascending, first descending). */
export function compareCells(a: unknown, b: unknown, type: string): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull === bNull ? 0 : aNull ? 1 : -1;
  if (typeof a === 'number' || typeof b === 'number' || isNumericType(type)) {
    const numeric = compareNumbers(a, b);
    if (numeric !== null) return numeric;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  const x = cellText(a);
  const y = cellText(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A header click: ascending, then descending, then back to the order rows arrived in. */
export function toggleResultSort(current: ResultSort | null, column: number): ResultSort | null {
  if (current === null || current.column !== column) return { column, direction: 'asc' };
  return current.direction === 'asc' ? { column, direction: 'desc' } : null;
}

export function ariaSortOf(sort: ResultSort | null, column: number): 'ascending' | 'descending' | 'none' {
  if (sort === null || sort.column !== column) return 'none';
  return sort.direction === 'asc' ? 'ascending' : 'descending';
}

/** A row matches when the database name or any cell's text contains the filter, case-insensitively. */
export function rowMatches(row: ResultRow, needle: string): boolean {
  if (needle === '') return true;
  if (row.database.toLowerCase().includes(needle)) return true;
  return row.values.some((value) => cellText(value).toLowerCase().includes(needle));
}

/**
 * The rows the grid shows, in its order: filtered by `filter`, then sorted by `sort` (rows that tie keep
 * their order); unsorted, rows are grouped by database in the target's order, each in arrival order.
 */
export function shownRows(results: QueryResults, filter: string, sort: ResultSort | null): ResultRow[] {
  const needle = filter.trim().toLowerCase();
  const rows = needle === '' ? [...results.rows] : results.rows.filter((row) => rowMatches(row, needle));
  const rank = new Map(results.databases.map((d, i) => [d.name, i]));
  const byArrival = (a: ResultRow, b: ResultRow) => (rank.get(a.database) ?? 0) - (rank.get(b.database) ?? 0) || a.seq - b.seq;
  if (sort === null) return rows.sort(byArrival);
  const sign = sort.direction === 'asc' ? 1 : -1;
  if (sort.column === DATABASE_COLUMN) return rows.sort((a, b) => sign * ((rank.get(a.database) ?? 0) - (rank.get(b.database) ?? 0)) || a.seq - b.seq);
  const type = results.columns[sort.column]?.type ?? '';
  return rows.sort((a, b) => sign * compareCells(a.values[sort.column], b.values[sort.column], type) || byArrival(a, b));
}

/** Every row in the union's full width (a row that came before a column was added gets null there). */
export function paddedValues(row: ResultRow, columns: readonly QueryColumn[]): unknown[] {
  return columns.map((_, i) => row.values[i] ?? null);
}

export interface GridCursor {
  readonly row: number;
  /** DATABASE_COLUMN for the database column, else the union column index. */
  readonly column: number;
}

/**
 * The cursor as held: on a row (the row itself: rows are kept as they are while a run appends to them,
 * and a new run brings new ones, whose arrival numbers start again), in the order it was placed in
 * (`order`: the sort).
 */
export interface HeldCursor extends GridCursor {
  readonly item: object | null;
  readonly order: string;
}

/**
 * Where a held cursor's row is now: that row found (rows of a database that answered later are
 * grouped in before it, a "Fetch more" adds some), else the place it had. A sort asked for since keeps
 * the place (S sorts by the cursor's column, and the cursor stays where the eye is).
 */
export function heldRow(rows: readonly object[], held: HeldCursor, order: string): number {
  if (held.item === null || held.order !== order) return held.row;
  if (rows[held.row] === held.item) return held.row;
  const found = rows.indexOf(held.item);
  return found >= 0 ? found : held.row;
}

export const GRID_KEYS = new Set(['ArrowDown', 'ArrowUp', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageDown', 'PageUp']);

/** The cursor after a key in a grid of `rows` x (1 + `columns`) cells; Home/End go to the first/last row. */
export function moveGridCursor(cursor: GridCursor, key: string, rows: number, columns: number, pageRows = 10): GridCursor {
  if (rows <= 0) return { row: -1, column: DATABASE_COLUMN };
  const row = Math.min(Math.max(cursor.row, 0), rows - 1);
  const column = Math.min(Math.max(cursor.column, DATABASE_COLUMN), columns - 1);
  switch (key) {
    case 'ArrowDown':
      return { row: cursor.row < 0 ? 0 : Math.min(row + 1, rows - 1), column };
    case 'ArrowUp':
      return { row: Math.max(row - 1, 0), column };
    case 'ArrowRight':
      return { row, column: Math.min(column + 1, columns - 1) };
    case 'ArrowLeft':
      return { row, column: Math.max(column - 1, DATABASE_COLUMN) };
    case 'Home':
      return { row: 0, column };
    case 'End':
      return { row: rows - 1, column };
    case 'PageDown':
      return { row: Math.min(row + pageRows, rows - 1), column };
    case 'PageUp':
      return { row: Math.max(row - pageRows, 0), column };
    default:
      return { row, column };
  }
}

export const DATABASE_COLUMN_PX = 120;
export const VALUE_COLUMN_PX = 150;

/**
 * The CSS grid template of a result: the database column, then one track per column. Every row is its own
 * grid (rows are virtual), so tracks have fixed minimums and rows one width, and columns line up.
 */
export function gridTemplate(columnCount: number): { template: string; minWidth: number } {
  const values = columnCount === 0 ? '' : ` repeat(${columnCount}, minmax(${VALUE_COLUMN_PX}px, 1fr))`;
  return { template: `${DATABASE_COLUMN_PX}px${values}`, minWidth: DATABASE_COLUMN_PX + columnCount * VALUE_COLUMN_PX };
}

/** "12 of 3,000 rows match “foo”", "3,000 rows". */
export function shownLabel(shown: number, total: number, filter: string): string {
  const rows = total === 1 ? 'row' : 'rows';
  if (filter.trim() === '') return `${formatCount(total)} ${rows}`;
  return `${formatCount(shown)} of ${formatCount(total)} ${rows} match “${filter.trim()}”`;
}
