import { ConsoleError } from '../../../shared/errors.ts';
import type { CallContext } from '../call-context.ts';
import type { ColumnUnion } from './column-union.ts';
import { type DatabaseCursor, GRID_MAX_BYTES, GRID_RUN_MAX_BYTES, SharedBytes } from './database-cursor.ts';
import { describeQueryError } from './describe-query-error.ts';
import { QueryResultBuilder } from './query-result-builder.ts';
import { rowLimit } from './query-settings.ts';
import type { QueryEvent, QueryRequest, QueryResult } from './query-types.ts';
import type { ReadOnlySettings } from './read-only-session.ts';
import type { QueryPlan } from './resolve-query-targets.ts';
import type { GuardedStatement } from './sql-statement-guard.ts';

export interface QueryRunParts {
  readonly id: string;
  readonly request: QueryRequest;
  readonly statement: GuardedStatement;
  readonly plan: QueryPlan;
  readonly settings: ReadOnlySettings;
  readonly limit: number;
  readonly result: QueryResult;
  readonly union: ColumnUnion;
  readonly cursors: readonly DatabaseCursor[];
  readonly keepOpenMs: number;
}

/**
 * A finished run whose truncated databases keep their cursors open for "fetch more": until `close()`,
 * until `keepOpenMs` pass without a read, or until a database's rows run out (its cursor closes then).
 */
export class QueryRun {
  readonly id: string;
  readonly request: QueryRequest;
  readonly statement: GuardedStatement;
  readonly plan: QueryPlan;
  /** The first page of every database, merged. */
  readonly result: QueryResult;
  readonly #parts: QueryRunParts;
  readonly #cursors: Map<string, DatabaseCursor>;
  #timer: NodeJS.Timeout | null = null;
  #fetching = false;

  constructor(parts: QueryRunParts) {
    this.#parts = parts;
    this.id = parts.id;
    this.request = parts.request;
    this.statement = parts.statement;
    this.plan = parts.plan;
    this.result = parts.result;
    this.#cursors = new Map(parts.cursors.map((c) => [c.target.name, c]));
    this.#touch();
  }

  /** A fetch-more is reading: not to be closed to make room. */
  get busy(): boolean {
    return this.#fetching;
  }

  /** The databases whose cursors are open, rows waiting. */
  get openDatabases(): string[] {
    return [...this.#cursors.keys()];
  }

  /**
   * Reads the next `limit` rows (the run's limit by default) of each database named (every open one by
   * default) from its still-open cursor, streaming `rows` and `done` like the run. A database that fails
   * here keeps the rows it gave before; aborting cancels the reads and closes the run (a cancelled FETCH
   * ends its transaction, so its cursor is gone).
   */
  async fetchMore(call: CallContext<QueryEvent>, options: { databases?: readonly string[]; limit?: number } = {}): Promise<QueryResult> {
    const limit = options.limit === undefined ? this.#parts.limit : rowLimit(options.limit);
    const names = this.#fetchable(options.databases);
    this.#fetching = true;
    this.#stopTimer();
    const started = performance.now();
    const builder = new QueryResultBuilder(this.#parts.union);
    const emit = (event: QueryEvent) => {
      builder.add(event);
      if (!call.signal.aborted) call.emit(event);
    };
    try {
      const shared = new SharedBytes(GRID_RUN_MAX_BYTES);
      await Promise.all(names.map((name) => this.#readMore(name, limit, call.signal, emit, started, shared)));
    } finally {
      this.#fetching = false;
      this.#touch();
    }
    if (call.signal.aborted) {
      await this.close();
      throw call.signal.reason;
    }
    return builder.result(this.plan.databases.map((d) => d.name).filter((n) => names.includes(n)));
  }

  async close(): Promise<void> {
    this.#stopTimer();
    const cursors = [...this.#cursors.values()];
    this.#cursors.clear();
    await Promise.allSettled(cursors.map((c) => c.close()));
  }

  #fetchable(databases: readonly string[] | undefined): string[] {
    if (this.#fetching) throw new ConsoleError('ACTION_NOT_ALLOWED', 'This run is already fetching more rows. Wait for that page, then ask for the next.');
    const names = databases ? [...new Set(databases)] : this.openDatabases;
    const closed = names.filter((n) => !this.#cursors.has(n));
    if (names.length === 0 || closed.length) {
      const which = closed.length ? closed.join(', ') : 'No database';
      throw new ConsoleError(
        'ACTION_NOT_ALLOWED',
        `${which} has no more rows to fetch in this run: its rows were all shown, it failed, or its cursor was closed (a new run, or ${Math.round(this.#parts.keepOpenMs / 1000)} s without a fetch). Run the query again.`,
        { target: this.id, details: { open: this.openDatabases } },
      );
    }
    return names;
  }

  async #readMore(name: string, limit: number, signal: AbortSignal, emit: (event: QueryEvent) => void, started: number, shared: SharedBytes): Promise<void> {
    const cursor = this.#cursors.get(name)!;
    let rows = 0;
    const ms = () => Math.round(performance.now() - started);
    try {
      const read = await cursor.read(limit, {
        pages: () => 1000,
        maxBytes: GRID_MAX_BYTES,
        shared,
        signal,
        onRows: (page) => {
          rows += page.length;
          emit({ type: 'rows', database: name, rows: page });
        },
      });
      emit({ type: 'done', outcome: { name, rows, truncated: read.truncated, ms: ms(), error: null } });
      if (!read.truncated) await this.#closeCursor(name);
    } catch (error) {
      await this.#closeCursor(name);
      if (!signal.aborted)
        emit({
          type: 'done',
          outcome: { name, rows, truncated: false, ms: ms(), error: describeQueryError(cursor.target, error, this.#parts.settings.statementTimeoutMs) },
        });
    }
  }

  async #closeCursor(name: string): Promise<void> {
    const cursor = this.#cursors.get(name);
    this.#cursors.delete(name);
    await cursor?.close();
    if (this.#cursors.size === 0) this.#stopTimer();
  }

  /** Restarts the idle clock; a run with nothing open needs none. */
  #touch(): void {
    this.#stopTimer();
    if (this.#cursors.size === 0 || this.#fetching) return;
    this.#timer = setTimeout(() => void this.close(), this.#parts.keepOpenMs);
    this.#timer.unref();
  }

  #stopTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
