import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { quoteIdent } from '../catalog/sql-identifiers.ts';
import { cancelOnAbort } from '../pools/cancel-request.ts';
import { PINNED_SETTINGS } from './json-safe-types.ts';
import { type InFlightBytes, limitReadBytes } from './oversized-rows.ts';

/*
 * One connection of a query pool inside `BEGIN TRANSACTION READ ONLY`: the executor under the guard.
 * Whatever text reaches it, PostgreSQL refuses writes made through SQL here (SQLSTATE 25006), the
 * extended protocol refuses a second statement, and the transaction always ends in ROLLBACK followed by
 * DISCARD ALL, so nothing a read may still change (set_config, a session advisory lock, a temp table)
 * outlives the run on a pooled connection.
 *
 * Cancel: each statement watches the caller's AbortSignal and, when it fires, sends PostgreSQL's
 * protocol CancelRequest (the backend's pid and secret key, over a fresh socket: no login, no free pool
 * connection needed, no privilege; pg_cancel_backend would need all three, and a connection slot on a
 * server that may be at max_connections). The statement then fails with 57014 and the caller rethrows
 * the signal's reason.
 */

export interface ReadOnlySettings {
  readonly statementTimeoutMs: number;
  /** The server's own backstop for a transaction left idle (a console that hangs with a cursor open). */
  readonly idleInTransactionMs: number;
  /** 1 for an export (plan for every row); PostgreSQL's 0.1 otherwise (the first rows fast). */
  readonly cursorTupleFraction?: number;
}

/** The cursor every run declares; one per session, so a constant name. */
const CURSOR = quoteIdent('shard_console_query');

export class ReadOnlySession {
  readonly target: DatabaseTarget;
  readonly #client: pg.PoolClient;
  #closed = false;
  /** A cancel was (or may have been) sent: the connection is dropped, never pooled, so a late cancel finds no one else's statement. */
  #cancelSent = false;
  /** Settles once the statement running now (if any) has ended and said whether it was cancelled. */
  #running: Promise<void> = Promise.resolve();
  /** The connection's end while no statement ran (a server restart, a fence ending idle query cursors): the next statement says so. */
  #ended: Error | null = null;
  /** The pinned settings and timeouts, set again before each FETCH: the operator's statement may change them (set_config) as it runs. */
  #pin: { text: string; values: string[] } | null = null;
  readonly #onEnded = (error: Error): void => {
    this.#ended ??= error;
  };

  private constructor(target: DatabaseTarget, client: pg.PoolClient) {
    this.target = target;
    this.#client = client;
    client.on('error', this.#onEnded);
  }

  /** Takes a connection (unless the signal fires first) and opens the READ ONLY transaction with the pinned settings. */
  static async open(pool: pg.Pool, target: DatabaseTarget, settings: ReadOnlySettings, signal?: AbortSignal): Promise<ReadOnlySession> {
    const client = await connectUnlessAborted(pool, signal);
    const session = new ReadOnlySession(target, client);
    try {
      await session.#run({ text: 'BEGIN TRANSACTION READ ONLY' }, signal);
      const values = Object.entries({
        ...PINNED_SETTINGS,
        statement_timeout: String(Math.round(settings.statementTimeoutMs)),
        idle_in_transaction_session_timeout: String(Math.round(settings.idleInTransactionMs)),
        ...(settings.cursorTupleFraction === undefined ? {} : { cursor_tuple_fraction: String(settings.cursorTupleFraction) }),
      });
      const calls = values.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ');
      session.#pin = { text: `SELECT ${calls}`, values: values.flat() };
      await session.#run(session.#pin, signal);
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  /** The backend's pid, for tests and for naming it in pg_stat_activity. */
  get processId(): number | null {
    return (this.#client as unknown as { processID?: number | null }).processID ?? null;
  }

  /** Runs `text` as it is (SHOW, EXPLAIN, or any statement in a test), rows as arrays. */
  execute(text: string, values: readonly unknown[] = [], signal?: AbortSignal): Promise<pg.QueryResult<unknown[]>> {
    return this.#run({ text, values: [...values], rowMode: 'array', queryMode: 'extended' }, signal);
  }

  /** Declares the run's cursor over `text` and describes its columns (FETCH FORWARD 0 reads none). */
  async declare(text: string, values: readonly unknown[] = [], signal?: AbortSignal): Promise<pg.FieldDef[]> {
    await this.#run({ text: `DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${text}`, values: [...values], queryMode: 'extended' }, signal);
    return (await this.#run({ text: `FETCH FORWARD 0 FROM ${CURSOR}`, rowMode: 'array' }, signal)).fields;
  }

  /**
   * The next `rows` rows of the cursor (fewer at its end), the server sending at most `maxBytes` for them
   * and counted against the run's `inFlight` (see limitReadBytes); `received` is what it sent.
   */
  async fetch(
    rows: number,
    signal?: AbortSignal,
    maxBytes: number | null = null,
    inFlight: InFlightBytes | null = null,
  ): Promise<{ rows: unknown[][]; received: number }> {
    if (this.#pin) await this.#run(this.#pin, signal);
    limitReadBytes(this.#client, maxBytes, inFlight);
    let received = 0;
    try {
      const page = (await this.#run({ text: `FETCH FORWARD ${Math.max(0, Math.floor(rows))} FROM ${CURSOR}`, rowMode: 'array' }, signal)).rows;
      received = limitReadBytes(this.#client, null);
      return { rows: page, received };
    } finally {
      limitReadBytes(this.#client, null);
    }
  }

  /** Ends the transaction and resets the session; a connection that cannot be reset, or was cancelled, is dropped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // A statement still running (a FETCH its call stopped a moment ago) ends first: whether a cancel was
    // sent for it decides whether the connection may be pooled again.
    await this.#running;
    if (this.#cancelSent) return this.#release(new Error('cancelled: the connection is not reused'));
    try {
      await this.#client.query('ROLLBACK');
      await this.#client.query('DISCARD ALL');
      this.#release();
    } catch (error) {
      this.#release(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async #run(config: pg.QueryConfig & { rowMode?: 'array'; queryMode?: 'extended' }, signal?: AbortSignal): Promise<pg.QueryResult<unknown[]>> {
    signal?.throwIfAborted();
    // Closed (its connection back in the pool or dropped): nothing more runs on it, a cursor's next page neither.
    if (this.#closed)
      throw new ConsoleError('ACTION_NOT_ALLOWED', `The query run on ${this.target.name} was closed; run the statement again.`, { target: this.target.name });
    if (this.#ended) throw endedWhileIdle(this.target, this.#ended);
    const stopWatching = cancelOnAbort(this.#client, this.target, signal);
    let settle = () => {};
    this.#running = new Promise<void>((resolve) => (settle = resolve));
    try {
      return await this.#client.query<unknown[]>(config as pg.QueryArrayConfig);
    } catch (error) {
      signal?.throwIfAborted();
      throw error;
    } finally {
      stopWatching();
      if (signal?.aborted) this.#cancelSent = true;
      settle();
    }
  }

  #release(error?: Error): void {
    this.#client.off('error', ignore);
    this.#client.off('error', this.#onEnded);
    this.#client.release(error);
  }
}

function ignore(): void {}

function endedWhileIdle(target: DatabaseTarget, cause: Error): ConsoleError {
  return new ConsoleError(
    'DATABASE_ERROR',
    `${target.name} ended this query's session while it waited (${cause.message}), and its cursor with it: a move or restore fencing ${target.name} ends the query console's idle cursors, as does a server restart. Run the query again.`,
    { target: target.name, cause },
  );
}

/**
 * pool.connect cannot be aborted: when the signal fires first the call goes on without it, and the
 * connection, once it comes, goes straight back. A checked-out client's connection error (a server
 * stopping, pg_terminate_backend) must not crash the process: the statement running rejects with it.
 */
async function connectUnlessAborted(pool: pg.Pool, signal?: AbortSignal): Promise<pg.PoolClient> {
  signal?.throwIfAborted();
  const connecting = pool.connect().then((client) => {
    client.on('error', ignore);
    return client;
  });
  if (!signal) return connecting;
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([connecting, aborted]);
  } catch (error) {
    if (signal.aborted) {
      connecting.then(
        (client) => {
          client.off('error', ignore);
          client.release();
        },
        () => {},
      );
    }
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
