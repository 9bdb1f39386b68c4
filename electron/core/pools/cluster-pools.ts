import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseTarget, ResolvedProfile } from '../config/profile-schema.ts';
import { databaseError, isStatementTimeout } from './database-error.ts';
import { lockHolders } from './lock-holders.ts';
import { cancelOnAbort } from './cancel-request.ts';
import { currentSignal } from '../call-context.ts';
import { clientClassFor } from './prefer-tls.ts';
import { sslOption } from './ssl-option.ts';

/** One database's connection: the raw pool (for COPY and catalog SQL) and Kysely over it (for built queries). */
export interface DatabaseHandle {
  readonly target: DatabaseTarget;
  readonly pool: pg.Pool;
  // biome-ignore lint/suspicious/noExplicitAny: the pools hold no schema; each caller casts to its own Database interface
  readonly db: Kysely<any>;
  /** Runs one SQL statement, mapping driver errors to ConsoleErrors that name this database. */
  // biome-ignore lint/suspicious/noExplicitAny: the row type defaults to any as in pg's own query(); callers name theirs
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /**
   * A session without the statement timeout, for work whose length grows with a tenant (COPY, hashing,
   * batched deletes, view refreshes). Release it with `release()`; the timeout comes back with it. When
   * the signal (by default the current call's or job's) aborts while the session is out, whatever
   * statement it is running is cancelled on the server.
   */
  longSession(options?: { signal?: AbortSignal | undefined }): Promise<pg.PoolClient>;
}

export interface DatabaseHealth {
  readonly reachable: boolean;
  readonly latencyMs: number | null;
  readonly serverVersion: string | null;
  readonly sizeBytes: number | null;
  readonly error: ConsoleError | null;
}

export interface ClusterPoolsOptions {
  readonly applicationName?: string;
  /** Emitted for idle-client errors (a server restarting, an admin terminating us) that have no caller to reject. */
  readonly onBackgroundError?: (database: string, error: Error) => void;
}

/**
 * One statement on a pooled session. Inside a call or job that can be stopped, stopping it cancels the
 * statement on the server (a cancel request for its backend), so no statement of a cancelled call keeps
 * running; outside one, the pool's own query.
 */
async function queryCancellable<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  target: DatabaseTarget,
  text: string,
  values?: unknown[],
): Promise<pg.QueryResult<R>> {
  const signal = currentSignal();
  if (!signal) return pool.query<R>(text, values as unknown[]);
  signal.throwIfAborted();
  const client = await pool.connect();
  // Stopped while waiting for a session: the statement is not started at all (a cancel sent before
  // it reaches the server would be dropped there, and it would run to its end).
  if (signal.aborted) {
    client.release();
    signal.throwIfAborted();
  }
  const stopWatching = cancelOnAbort(client, target, signal);
  let failed: Error | undefined;
  try {
    return await client.query<R>(text, values as unknown[]);
  } catch (error) {
    // A statement the server refused (cancelled included) leaves the session usable; a broken connection does not.
    failed =
      /^[0-9A-Z]{5}$/.test(String((error as { code?: unknown }).code)) && !String((error as { code?: string }).code).startsWith('57P')
        ? undefined
        : (error as Error);
    throw error;
  } finally {
    stopWatching();
    // A cancel still on its way would land on the next borrower's statement: the session is not reused.
    client.release(failed ?? (signal.aborted ? new Error('cancelled: the connection is not reused') : undefined));
  }
}

/** One pg.Pool per configured database, created lazily, closed together. */
export class ClusterPools {
  readonly #profile: ResolvedProfile;
  readonly #options: ClusterPoolsOptions;
  readonly #handles = new Map<string, DatabaseHandle>();

  constructor(profile: ResolvedProfile, options: ClusterPoolsOptions = {}) {
    this.#profile = profile;
    this.#options = options;
  }

  get profile(): ResolvedProfile {
    return this.#profile;
  }

  get targets(): readonly DatabaseTarget[] {
    return this.#profile.databases;
  }

  primaryTarget(): DatabaseTarget {
    const primary = this.#profile.databases.find((d) => d.role === 'primary');
    if (!primary) throw new ConsoleError('CONFIG_INVALID', `Profile ${this.#profile.source} has no primary database.`, { target: this.#profile.source });
    return primary;
  }

  primary(): DatabaseHandle {
    return this.get(this.primaryTarget().name);
  }

  has(name: string): boolean {
    return this.#profile.databases.some((d) => d.name === name);
  }

  get(name: string): DatabaseHandle {
    const existing = this.#handles.get(name);
    if (existing) return existing;
    const target = this.#profile.databases.find((d) => d.name === name);
    if (!target) {
      const known = this.#profile.databases.map((d) => d.name).join(', ');
      throw new ConsoleError('SHARD_UNKNOWN', `No database named "${name}" in profile ${this.#profile.name}. Configured: ${known}.`, { target: name });
    }
    const handle = this.#open(target);
    this.#handles.set(name, handle);
    return handle;
  }

  async health(name: string): Promise<DatabaseHealth> {
    const handle = this.get(name);
    let client: pg.PoolClient | null = null;
    try {
      client = await handle.pool.connect();
      // Timed on an open connection: latency is the round trip, not the TLS and auth handshake.
      const started = performance.now();
      await client.query('SELECT 1');
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      const info = await client.query<{ version: string; size: string }>(
        `SELECT current_setting('server_version') AS version, pg_database_size(current_database())::text AS size`,
      );
      const row = info.rows[0];
      return { reachable: true, latencyMs, serverVersion: row?.version ?? null, sizeBytes: row ? Number(row.size) : null, error: null };
    } catch (error) {
      return { reachable: false, latencyMs: null, serverVersion: null, sizeBytes: null, error: databaseError(handle.target, error) };
    } finally {
      client?.release();
    }
  }

  async close(): Promise<void> {
    const handles = [...this.#handles.values()];
    this.#handles.clear();
    // Kysely ends the pool only if a query went through it; most go to the pool directly.
    await Promise.allSettled(
      handles.map(async (h) => {
        await h.db.destroy();
        if (!(h.pool as pg.Pool & { ended?: boolean }).ended) await h.pool.end();
      }),
    );
  }

  #open(target: DatabaseTarget): DatabaseHandle {
    const settings = this.#profile.pool;
    const pool = new pg.Pool({
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.user,
      password: target.password,
      ssl: sslOption(target),
      Client: clientClassFor(target, settings.connectTimeoutMs),
      max: settings.max,
      connectionTimeoutMillis: settings.connectTimeoutMs,
      statement_timeout: settings.statementTimeoutMs,
      idle_in_transaction_session_timeout: Math.max(settings.statementTimeoutMs * 2, 60_000),
      application_name: this.#options.applicationName ?? 'shard-console',
      idleTimeoutMillis: 30_000,
      // A server gone without a word (a failover, a cut) is noticed by TCP on a session left waiting,
      // such as a job's lock session, instead of never.
      keepAlive: true,
    });
    // Without a listener an idle client's error (server restart, 57P01) would crash the process.
    pool.on('error', (error) => this.#options.onBackgroundError?.(target.name, error));
    hearCheckedOutErrors(pool);
    // biome-ignore lint/suspicious/noExplicitAny: the pools hold no schema; each caller casts to its own Database interface
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    return Object.freeze({
      target,
      pool,
      db,
      longSession: (options: { signal?: AbortSignal | undefined } = {}) => openLongSession(pool, target, options.signal ?? currentSignal()),
      // biome-ignore lint/suspicious/noExplicitAny: the row type defaults to any as in pg's own query(); callers name theirs
      query: <R extends pg.QueryResultRow = any>(text: string, values?: unknown[]) => queryNamingErrors<R>(pool, target, text, values),
    });
  }
}

/**
 * A client's broken connection (a server restart, an administrator's pg_terminate_backend) makes pg
 * reject the query in flight and also emit 'error' on the client, which pg-pool listens to only while
 * the client is idle in the pool. A client checked out for work of its own (a migration run, a job's
 * lock held for a whole move) would have that event unheard, and an unheard 'error' ends the process.
 * Every client of the pool gets a listener for its life; the rejected query is where it is reported.
 */
export function hearCheckedOutErrors(pool: pg.Pool): void {
  pool.on('connect', (client) => client.on('error', () => {}));
}

/** `DatabaseHandle.longSession`: a session of `pool` without the statement timeout, cancelled on the server when `signal` aborts. */
async function openLongSession(pool: pg.Pool, target: DatabaseTarget, signal: AbortSignal | undefined): Promise<pg.PoolClient> {
  signal?.throwIfAborted();
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw databaseError(target, error);
  }
  if (signal?.aborted) {
    client.release();
    signal.throwIfAborted();
  }
  // Cancel reaches the server: the statement this session runs when the call is aborted stops there too.
  const stopWatching = cancelOnAbort(client, target, signal);
  // A checked-out client's connection error (server restart, admin kill) must not crash the
  // process: the running query rejects with it, which is where it gets reported.
  const onError = () => {};
  client.on('error', onError);
  // The copy's snapshot holder sits idle in its transaction while tables stream: no idle timeout either.
  try {
    await client.query('SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0');
  } catch (error) {
    // Broken or stopped before it was handed out: the connection goes (a client kept checked out would
    // hold a pool slot for good, and the pool's end() would wait for it forever).
    client.off('error', onError);
    stopWatching();
    client.release(error as Error);
    throw databaseError(target, error);
  }
  const release = client.release.bind(client);
  client.release = (err?: Error | boolean) => {
    client.off('error', onError);
    stopWatching();
    if (err) return release(err);
    // Stopped: a cancel may still be on its way to this session (see cancelOnAbort); ending it rolls back too.
    if (signal?.aborted) return release(new Error('cancelled: the connection is not reused'));
    // Back to the pool clean whatever the borrower left: a transaction still open (a ROLLBACK
    // outside one is only a warning) would hold its locks and snapshot for whoever borrows it next.
    client.query('ROLLBACK; RESET statement_timeout; RESET idle_in_transaction_session_timeout; RESET application_name').then(
      () => release(),
      (e: Error) => release(e),
    );
  };
  return client;
}

/** `DatabaseHandle.query`: one cancellable statement, its driver error turned into a ConsoleError naming the database. */
async function queryNamingErrors<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  target: DatabaseTarget,
  text: string,
  values?: unknown[],
): Promise<pg.QueryResult<R>> {
  try {
    return await queryCancellable<R>(pool, target, text, values);
  } catch (error) {
    throw await statementError(pool, target, error);
  }
}

/**
 * A failed statement as a ConsoleError naming the database. Out of time, it was behind a lock more often
 * than on a big table: the sessions holding one exclusively are named. The lookup goes to the pool
 * directly: were it to time out too, it must not look itself up again.
 */
export async function statementError(pool: Pick<pg.Pool, 'query'> | undefined, target: DatabaseTarget, error: unknown): Promise<ConsoleError> {
  if (!isStatementTimeout(error) || pool === undefined) return databaseError(target, error);
  return databaseError(target, error, { lockHolders: await lockHolders(pool, { exclusive: true }).catch(() => '') });
}
