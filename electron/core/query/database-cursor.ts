import type pg from 'pg';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import type { GuardedStatement } from './sql-statement-guard.ts';
import type { QueryColumn } from './query-types.ts';
import { ReadOnlySession, type ReadOnlySettings } from './read-only-session.ts';
import { TYPE_NAMES_SQL, type TypeNameCache } from './type-names.ts';

/** Rows to ask for next, given how many this read has delivered: a small first page paints the grid sooner. */
export type PageSize = (delivered: number) => number;

export const GRID_PAGES: PageSize = (delivered) => (delivered === 0 ? 100 : 1000);

/**
 * One database's open result: a guarded statement behind a server-side cursor (SHOW and EXPLAIN, which
 * cannot be cursors, are run once and held). It reads at most what it is asked for plus one row, kept
 * back so "truncated" is exact and the next read starts with it: a database is never asked for more.
 */
export class DatabaseCursor {
  readonly target: DatabaseTarget;
  readonly columns: readonly QueryColumn[];
  readonly #session: ReadOnlySession;
  /** Rows of a statement run without a cursor (SHOW, EXPLAIN), read out in pages like a cursor's. */
  readonly #held: unknown[][] | null;
  #lookahead: unknown[] | null = null;
  #exhausted = false;

  private constructor(target: DatabaseTarget, session: ReadOnlySession, columns: readonly QueryColumn[], held: unknown[][] | null) {
    this.target = target;
    this.#session = session;
    this.columns = columns;
    this.#held = held;
  }

  static async open(
    pool: pg.Pool,
    target: DatabaseTarget,
    statement: GuardedStatement,
    values: readonly unknown[],
    options: { settings: ReadOnlySettings; typeNames: TypeNameCache; signal?: AbortSignal },
  ): Promise<DatabaseCursor> {
    const session = await ReadOnlySession.open(pool, target, options.settings, options.signal);
    try {
      let fields: pg.FieldDef[];
      let held: unknown[][] | null = null;
      if (statement.kind === 'query') fields = await session.declare(statement.text, values, options.signal);
      else ({ fields, rows: held } = await session.execute(statement.text, values, options.signal));
      const lookup = async (pairs: readonly (readonly [number, number])[]) =>
        (await session.execute(TYPE_NAMES_SQL, [pairs.map((p) => p[0]), pairs.map((p) => p[1])], options.signal)).rows.map((r) => String(r[0]));
      const columns = await options.typeNames.columns(target.name, fields, lookup);
      return new DatabaseCursor(target, session, columns, held);
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  /** No row is left to read. */
  get exhausted(): boolean {
    return this.#exhausted && this.#lookahead === null;
  }

  /**
   * Delivers up to `limit` rows through `onRows`, page by page as they arrive; `truncated` when a row
   * beyond them exists (it waits for the next read). `onRows` may return a promise (an export waiting
   * for the file to drain): the next page is fetched only once it settles.
   */
  async read(
    limit: number,
    options: { pages: PageSize; signal?: AbortSignal; onRows: (rows: unknown[][]) => void | Promise<void> },
  ): Promise<{ rows: number; truncated: boolean }> {
    const rows: unknown[][] = this.#lookahead ? [this.#lookahead] : [];
    this.#lookahead = null;
    let delivered = 0;
    for (;;) {
      // Fetch while the rows in hand cannot fill the limit and still show whether one more exists.
      if (!this.#exhausted && rows.length <= limit - delivered) {
        const ask = Math.max(1, Math.min(options.pages(delivered), limit - delivered - rows.length + 1));
        const page = await this.#fetch(ask, options.signal);
        if (page.length < ask) this.#exhausted = true;
        rows.push(...page);
      }
      const deliver = rows.splice(0, limit - delivered);
      if (deliver.length) {
        delivered += deliver.length;
        await options.onRows(deliver);
      }
      if (rows.length > 0 || this.#exhausted) break;
    }
    this.#lookahead = rows[0] ?? null;
    return { rows: delivered, truncated: this.#lookahead !== null };
  }

  close(): Promise<void> {
    return this.#session.close();
  }

  #fetch(rows: number, signal?: AbortSignal): Promise<unknown[][]> {
    if (this.#held) return Promise.resolve(this.#held.splice(0, rows));
    return this.#session.fetch(rows, signal);
  }
}
