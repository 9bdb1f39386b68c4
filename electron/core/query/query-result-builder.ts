import { ColumnUnion } from './column-union.ts';
import type { QueryColumn, QueryDatabaseOutcome, QueryEvent, QueryResult } from './query-types.ts';

/**
 * Collects a call's events into the merged result (the CLI's --json shape). Rows are kept in their
 * database's column order until the end, because the union can still grow while they arrive.
 */
export class QueryResultBuilder {
  readonly #union: ColumnUnion;
  readonly #rows: { database: string; values: readonly unknown[] }[] = [];
  readonly #outcomes = new Map<string, QueryDatabaseOutcome>();

  /** `union`: a run's, so a fetch-more's result has the same columns. */
  constructor(union = new ColumnUnion()) {
    this.#union = union;
  }

  get union(): ColumnUnion {
    return this.#union;
  }

  /** Records an event; pass it on to the caller's emit yourself. */
  add(event: QueryEvent): void {
    if (event.type === 'columns') this.#union.add(event.database, event.columns);
    else if (event.type === 'rows') for (const values of event.rows) this.#rows.push({ database: event.database, values });
    else this.#outcomes.set(event.outcome.name, event.outcome);
  }

  /**
   * `order`: the databases in the order the result lists them (the target's, not the finishing order);
   * rows are grouped the same way, each database's in the order it sent them, so output is deterministic.
   */
  result(order: readonly string[]): QueryResult {
    const columns: QueryColumn[] = [...this.#union.columns];
    const rank = new Map(order.map((name, i) => [name, i]));
    const rows = this.#rows.map((r, i) => ({ r, i })).sort((a, b) => (rank.get(a.r.database) ?? 0) - (rank.get(b.r.database) ?? 0) || a.i - b.i);
    return {
      columns,
      rows: rows.map(({ r }) => ({ database: r.database, values: this.#union.place(r.database, r.values) })),
      databases: order.flatMap((name) => {
        const outcome = this.#outcomes.get(name);
        return outcome ? [outcome] : [];
      }),
    };
  }
}
