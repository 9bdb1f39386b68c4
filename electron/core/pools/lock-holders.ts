import type { DatabaseHandle } from './cluster-pools.ts';

/**
 * The sessions holding locks on tables of this database, oldest transaction first, as
 * `: pid 123 (app, idle in transaction since ...: query)`, or '' when none. `exclusive` keeps only
 * ACCESS EXCLUSIVE holders (a rebuild, an ALTER TABLE, a LOCK): the only ones a plain read waits for.
 */
export async function lockHolders(handle: Pick<DatabaseHandle, 'query'>, options: { exclusive?: boolean } = {}): Promise<string> {
  // Only relations other sessions can see and use: not a temporary table (its session's own), not one
  // created in a transaction still open (no other session sees its catalog row yet).
  const r = await handle.query<{ pid: number; app: string; state: string; since: Date | null; query: string }>(
    `SELECT DISTINCT a.pid, coalesce(a.application_name, '') AS app, coalesce(a.state, '') AS state, a.xact_start AS since, left(a.query, 80) AS query
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid JOIN pg_class c ON c.oid = l.relation
      WHERE l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.granted AND a.pid <> pg_backend_pid()
        AND c.relpersistence <> 't'
        ${options.exclusive ? `AND l.mode = 'AccessExclusiveLock'` : ''}
      ORDER BY a.xact_start NULLS LAST LIMIT 3`,
  );
  if (!r.rows.length) return '';
  return `: ${r.rows.map((h) => `pid ${h.pid} (${h.app || 'no application name'}, ${h.state}${h.since ? ` since ${h.since.toISOString()}` : ''}: ${h.query})`).join('; ')}`;
}
