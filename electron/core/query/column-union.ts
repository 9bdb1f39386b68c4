import type { QueryColumn } from './query-types.ts';

/**
 * The merged result's columns when databases disagree (a shard missing a column, drift, `SELECT *` over
 * tables that differ): the union, in the order the first database to answer gave its columns, each
 * later database's new columns appended in its own order. Columns match by name, and a repeated name
 * (`SELECT 1 AS a, 2 AS a`) by its occurrence: the second `a` of one database is the second `a` of the
 * union. A row gets null where its database has no such column. When two databases give one name
 * different types, the union keeps the first database's type (each database's own `columns` event
 * carries its exact types).
 */
export class ColumnUnion {
  readonly #columns: QueryColumn[] = [];
  /** Union positions per column name, in occurrence order. */
  readonly #positions = new Map<string, number[]>();
  /** Per database: the union position of each of its columns. */
  readonly #maps = new Map<string, number[]>();

  get columns(): readonly QueryColumn[] {
    return this.#columns;
  }

  /** Adds a database's columns (once per database; later calls for it change nothing). */
  add(database: string, columns: readonly QueryColumn[]): void {
    if (this.#maps.has(database)) return;
    const seen = new Map<string, number>();
    const map = columns.map((column) => {
      const occurrence = seen.get(column.name) ?? 0;
      seen.set(column.name, occurrence + 1);
      const positions = this.#positions.get(column.name) ?? [];
      this.#positions.set(column.name, positions);
      if (positions[occurrence] === undefined) {
        positions[occurrence] = this.#columns.length;
        this.#columns.push({ name: column.name, type: column.type });
      }
      return positions[occurrence]!;
    });
    this.#maps.set(database, map);
  }

  /** A database's row in union order, padded with null; the database's columns must have been added. */
  place(database: string, values: readonly unknown[]): unknown[] {
    const map = this.#maps.get(database);
    if (!map) throw new Error(`no columns added for database ${database}`);
    const placed = new Array<unknown>(this.#columns.length).fill(null);
    map.forEach((position, i) => {
      placed[position] = values[i] ?? null;
    });
    return placed;
  }
}
