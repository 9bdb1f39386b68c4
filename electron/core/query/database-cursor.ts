import { InFlightBytes } from './oversized-rows.ts';
import type pg from 'pg';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import type { GuardedStatement } from './sql-statement-guard.ts';
import type { QueryColumn } from './query-types.ts';
import { ReadOnlySession, type ReadOnlySettings } from './read-only-session.ts';
import { TYPE_NAMES_SQL, type TypeNameCache } from './type-names.ts';

/** Rows to ask for next, given how many this read has delivered: a small first page paints the grid sooner. */
export type PageSize = (delivered: number) => number;

export const GRID_PAGES: PageSize = (delivered) => (delivered < 100 ? 100 - delivered : 1000);

/** Bytes a page may hold (about): its rows per FETCH follow the rows' size, so wide rows come fewer at a time. */
export const PAGE_BYTES = 16 * 1024 * 1024;
/** Bytes one read of the grid may hand over per database: more is no grid to look at, and it is all held in memory. */
export const GRID_MAX_BYTES = 64 * 1024 * 1024;
/**
 * Bytes one read of the grid may hand over from all its databases together: a run on many databases
 * would otherwise hold GRID_MAX_BYTES of each (and the result, its events and its answer copy them).
 */
export const GRID_RUN_MAX_BYTES = 2 * GRID_MAX_BYTES;

/**
 * Bytes the databases of one read may still take together: each page's bytes are reserved before it is
 * asked for and settled when it comes. A database that finds the budget spent while other databases'
 * pages are on their way waits for them (what they did not need comes back) before it gives up.
 */
export class SharedBytes {
  left: number;
  readonly #inFlight = new Set<Promise<unknown>>();
  /**
   * The hard bound under this budget: what the run's sessions may receive in all (twice the budget, which
   * is kept from estimates): a page far past its estimate (a first page of one huge row on each
   * database) ends the read that crosses it.
   */
  readonly inFlight: InFlightBytes;

  constructor(total: number) {
    this.left = total;
    this.inFlight = new InFlightBytes(2 * total);
  }

  /** `bytes` (at most what is left) reserved while `fetch` runs, then only what it brought (`measure`, returned beside it) kept. */
  async take<T>(bytes: number, fetch: () => Promise<T>, measure: (result: T) => number): Promise<{ result: T; measured: number }> {
    const reserved = Math.min(Math.max(0, this.left), bytes);
    this.left -= reserved;
    const running = fetch();
    this.#inFlight.add(running);
    try {
      const result = await running;
      const measured = measure(result);
      this.left -= measured;
      return { result, measured };
    } finally {
      this.left += reserved;
      this.#inFlight.delete(running);
    }
  }

  /** Waits for one page on its way to settle; false at once when none is. */
  async settled(): Promise<boolean> {
    if (this.#inFlight.size === 0) return false;
    await Promise.race([...this.#inFlight].map((p) => p.then(noop, noop)));
    return true;
  }
}

const noop = () => undefined;
/**
 * Bytes the server may send for one page, whatever its rows turn out to be: the pages are sized from the
 * rows before them, and a result whose rows grow partway through would otherwise arrive whole in one
 * page. Past it the read fails, saying so (oversized-rows.ts). A page of one row is not bounded.
 */
export const FETCH_MAX_BYTES = 16 * PAGE_BYTES;
/**
 * An export's page bound: an export has no cap on its rows and writes each page out before the next, so
 * only a page past what any sane stretch of rows brings (1 GiB, PostgreSQL's own limit for a row) fails it.
 */
export const EXPORT_FETCH_MAX_BYTES = 4 * FETCH_MAX_BYTES;

/** About how much memory a decoded row holds: its strings' and buffers' lengths, 8 bytes a scalar, JSON's text. */
function rowBytes(row: readonly unknown[]): number {
  let bytes = 0;
  for (const value of row) {
    if (typeof value === 'string') bytes += value.length;
    else if (value instanceof Uint8Array) bytes += value.byteLength;
    else if (value !== null && typeof value === 'object') bytes += JSON.stringify(value)?.length ?? 8;
    else bytes += 8;
  }
  return bytes;
}

/** A page's bytes: every row measured (values arrive as text, so a length is a read of a field, not a pass over it). */
function pageBytes(page: readonly unknown[][]): number {
  return page.reduce((n, row) => n + rowBytes(row), 0);
}

/** How a read takes its rows (DatabaseCursor.read). */
export interface ReadOptions {
  readonly pages: PageSize;
  readonly maxBytes?: number;
  /** The budget this read shares with the other databases of the run (taken from as rows are delivered). */
  readonly shared?: SharedBytes;
  /**
   * Without `shared`: the run's bound on what its databases receive at once, given back as each page
   * is handed over (an export writes its pages out; a grid keeps its rows, and `shared` keeps the bound).
   */
  readonly inFlight?: InFlightBytes;
  /** What the server may send for one page of more than one row (FETCH_MAX_BYTES unless said). */
  readonly fetchMaxBytes?: number;
  readonly signal?: AbortSignal;
  readonly onRows: (rows: unknown[][]) => void | Promise<void>;
}

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
  /** Rows read but not handed over yet: the next read starts with them. */
  #ahead: unknown[][] = [];
  #exhausted = false;
  /** Bytes per row, from the pages read so far; null before the first (which is read a row at a time). */
  #rowBytes: number | null = null;

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
    return this.#exhausted && this.#ahead.length === 0;
  }

  /**
   * Delivers up to `limit` rows (and about `maxBytes`) through `onRows`, page by page as they arrive;
   * `truncated` when a row beyond them exists (it waits for the next read), or when the bytes ran out
   * with the result not read to its end. Pages follow the rows' size (about PAGE_BYTES each; the first
   * page of a result is one row, to measure it), so a result of wide rows never arrives a thousand at a
   * time. `onRows` may return a promise (an export waiting for the file to drain): the next page is
   * fetched only once it settles.
   */
  async read(limit: number, options: ReadOptions): Promise<{ rows: number; truncated: boolean }> {
    const rows = this.#ahead.splice(0);
    const ownMax = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const shared = options.shared;
    let delivered = 0;
    let bytes = 0;
    const left = () => Math.min(ownMax - bytes, shared?.left ?? Number.POSITIVE_INFINITY);
    // What the server sent for the pages not yet handed over: an export gives it back to the run once written.
    const inFlight = shared?.inFlight ?? options.inFlight ?? null;
    let unreleased = 0;
    for (;;) {
      // Fetch while the rows in hand cannot fill the limit and still show whether one more exists.
      if (!this.#exhausted && rows.length <= limit - delivered && left() > 0) {
        const { page, received } = await this.#nextPage(options, inFlight, { delivered, wanted: limit - delivered - rows.length + 1, left: left() });
        unreleased += received;
        rows.push(...page);
      }
      const deliver = rows.splice(0, limit - delivered);
      if (deliver.length) {
        delivered += deliver.length;
        // The estimate the fetches keep: each page is measured once, where it arrives.
        bytes += deliver.length * (this.#rowBytes ?? 0);
        await options.onRows(deliver);
        if (!shared && inFlight && rows.length === 0) {
          inFlight.read -= unreleased;
          unreleased = 0;
        }
      }
      if (rows.length > 0 || this.#exhausted) break;
      // The run's budget spent, perhaps by pages still on their way: they may bring less than they
      // reserved, so wait for them before giving up.
      if (left() <= 0 && !(shared && ownMax - bytes > 0 && (await shared.settled()))) break;
    }
    this.#ahead = rows;
    return { rows: delivered, truncated: this.#ahead.length > 0 || !this.#exhausted };
  }

  /**
   * One page: as many rows as the page size, the rows' measured size and the bytes `left` allow (and one
   * to tell whether more exist), at most `wanted`. The run's other databases fetch meanwhile: the bytes
   * this page may bring are taken from their shared budget before it is asked for, and what it did not
   * bring is given back when it comes.
   */
  async #nextPage(
    options: ReadOptions,
    inFlight: InFlightBytes | null,
    at: { delivered: number; wanted: number; left: number },
  ): Promise<{ page: unknown[][]; received: number }> {
    const perRow = Math.max(1, this.#rowBytes ?? 0);
    const bySize = this.#rowBytes === null ? 1 : Math.max(1, Math.floor(PAGE_BYTES / perRow));
    const byBudget = Number.isFinite(at.left) ? Math.floor(at.left / perRow) + 1 : Number.POSITIVE_INFINITY;
    const ask = Math.max(1, Math.min(options.pages(at.delivered), bySize, byBudget, at.wanted));
    let received = 0;
    const fetch = () =>
      this.#fetch(ask, options.signal, options.fetchMaxBytes ?? FETCH_MAX_BYTES, inFlight).then((got) => {
        received = got.received;
        return got.rows;
      });
    // Measured as the server sent it (what the run's hard bound counts too); rows held from before, by their values.
    const measure = (result: unknown[][]) => received || pageBytes(result);
    const { result: page, measured } = options.shared
      ? await options.shared.take(ask * perRow, fetch, measure)
      : await fetch().then((result) => ({ result, measured: measure(result) }));
    if (page.length < ask) this.#exhausted = true;
    if (page.length > 0) this.#rowBytes = measured / page.length;
    return { page, received };
  }

  close(): Promise<void> {
    return this.#session.close();
  }

  #fetch(rows: number, signal: AbortSignal | undefined, maxBytes: number, inFlight: InFlightBytes | null): Promise<{ rows: unknown[][]; received: number }> {
    if (this.#held) return Promise.resolve({ rows: this.#held.splice(0, rows), received: 0 });
    // One row is whatever size it is, within the run's bound on what its databases receive at once.
    return this.#session.fetch(rows, signal, rows > 1 ? maxBytes : null, inFlight);
  }
}
