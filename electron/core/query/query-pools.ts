import { hearCheckedOutErrors } from '../pools/cluster-pools.ts';
import pg from 'pg';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { assertSecretServer, assertSecretTls, tlsStrength, type BoundSecretOrigin } from '../config/secret-binding.ts';
import { jsonSafeTypes } from './json-safe-types.ts';
import { containOversizedRows } from './oversized-rows.ts';
import { clientClassFor } from '../pools/prefer-tls.ts';
import { sslOption } from '../pools/ssl-option.ts';

/** What the query console's sessions show in pg_stat_activity, so an operator can tell them from the console's own. */
export const QUERY_APPLICATION_NAME = 'shard-console-query';

/** Two per database: one for the run holding its cursor open for "fetch more", one for an explain or an export beside it. */
export const QUERY_POOL_MAX = 2;

export interface QueryPoolsOptions {
  readonly connectTimeoutMs: number;
  readonly max?: number;
  readonly applicationName?: string;
  /** The profile's query role (user and password), read at each pool's creation; absent: each database's own user. */
  readonly role?: () => { readonly user: string; readonly password: string | undefined; readonly passwordFrom?: BoundSecretOrigin } | undefined;
}

/**
 * The query console's own small pool per database, apart from the console's main pools (ClusterPools):
 * a slow or held query never takes a connection a move, a migration or the UI needs. Created lazily
 * from the same DatabaseTarget; a target whose connection changed (a reopened profile) gets a new pool.
 */
export class QueryPools {
  readonly #options: QueryPoolsOptions;
  readonly #pools = new Map<string, { key: string; pool: pg.Pool }>();

  constructor(options: QueryPoolsOptions) {
    this.#options = options;
  }

  pool(target: DatabaseTarget): pg.Pool {
    const role = this.#options.role?.();
    const user = role?.user ?? target.user;
    const password = role ? role.password : target.password;
    // The role's stored password goes only to the servers it was typed for.
    if (role) {
      assertSecretServer(role.passwordFrom, { user, host: target.host, port: target.port }, { file: target.origin, entry: 'queryRole' });
      assertSecretTls(role.passwordFrom, tlsStrength(target), { file: target.origin, entry: 'queryRole' });
    }
    const key = JSON.stringify([target.host, target.port, target.database, user, target.ssl, target.sslRootCert ?? null]);
    const existing = this.#pools.get(target.name);
    if (existing?.key === key) return existing.pool;
    if (existing) void existing.pool.end().catch(() => {});
    const pool = new pg.Pool({
      host: target.host,
      port: target.port,
      database: target.database,
      user,
      password,
      ssl: sslOption(target),
      Client: clientClassFor({ ...target, user }, this.#options.connectTimeoutMs),
      max: this.#options.max ?? QUERY_POOL_MAX,
      connectionTimeoutMillis: this.#options.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: this.#options.applicationName ?? QUERY_APPLICATION_NAME,
      types: jsonSafeTypes,
    });
    // An idle client's error (a server restarting, an administrator ending the session) has no caller.
    pool.on('error', () => {});
    pool.on('connect', containOversizedRows);
    hearCheckedOutErrors(pool);
    this.#pools.set(target.name, { key, pool });
    return pool;
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((p) => p.pool.end()));
  }
}
