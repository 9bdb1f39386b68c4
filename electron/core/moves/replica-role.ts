import type pg from 'pg';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';

/**
 * Whether this session may set `session_replication_role = replica` (superuser, or GRANT SET on
 * PostgreSQL 15+): the way logical replication applies rows, without per-row FK or application
 * triggers. Tried once, outside any transaction; the session is left as it was.
 */
export async function maySkipTriggers(client: pg.ClientBase): Promise<boolean> {
  try {
    await client.query(`SET session_replication_role = replica`);
    await client.query(`RESET session_replication_role`);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '42501') return false;
    throw error;
  }
}

/** Runs one question on a session of its own, released after. */
export async function withSession<T>(handle: DatabaseHandle, ask: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await handle.longSession();
  try {
    return await ask(client);
  } finally {
    client.release();
  }
}
