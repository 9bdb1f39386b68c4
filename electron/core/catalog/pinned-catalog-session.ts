import type pg from 'pg';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { databaseError } from '../pools/database-error.ts';
import { statementError } from '../pools/cluster-pools.ts';

/**
 * The search_path catalog reads are made under. PostgreSQL's deparsers (format_type, pg_get_expr,
 * pg_get_constraintdef, pg_get_indexdef, pg_get_viewdef, pg_get_triggerdef) qualify a name only when
 * the session's search_path does not find it, so the same column read on a database whose own
 * search_path differs (`ALTER DATABASE ... SET search_path = "$user"`, or another schema first) prints
 * differently, and every such table would read as drifted from the primary.
 * - `names`: public's names unqualified and every other schema's qualified, as a default database
 *   prints them and as the archive reader unqualifies pg_dump's `public.` (definitions compared with
 *   backups, types and defaults written into DDL run under a default search_path).
 * - `qualified`: every name qualified (triggers' and partition bounds' text, compared as printed).
 */
/** The statement timeout the handle's pool gives its sessions (30 s unless the profile says otherwise). */
function poolTimeout(handle: DatabaseHandle): number {
  const configured = (handle.pool as { options?: { statement_timeout?: unknown } } | undefined)?.options?.statement_timeout;
  return typeof configured === 'number' && configured > 0 ? configured : 30_000;
}

export const CATALOG_SEARCH_PATH = { names: 'pg_catalog, public', qualified: 'pg_catalog' } as const;

/**
 * Runs `read` in one read-only transaction of its own session with search_path pinned, so what it
 * reads prints alike on every database. The session is the call's: stopping the call cancels the
 * statements; errors come back named as the database's.
 */
export async function readPinnedCatalog<T>(
  handle: DatabaseHandle,
  searchPath: (typeof CATALOG_SEARCH_PATH)[keyof typeof CATALOG_SEARCH_PATH],
  read: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await handle.longSession().catch((error: unknown) => {
    throw databaseError(handle.target, error);
  });
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL search_path = ${searchPath}`);
    // A long session has no statement timeout; a catalog read stuck behind a lock (pg_get_viewdef waits
    // out a view's non-concurrent refresh) must not hold a move's switch, its website fenced, for ever.
    // The pools' own timeout, as the profile sets it (pool.statementTimeoutMs).
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1000, Math.round(poolTimeout(handle)))}`);
    const result = await read(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    // As the pools' own queries say it: out of time behind a lock, who holds the tables.
    throw await statementError(handle.pool, handle.target, error);
  } finally {
    client.release();
  }
}
