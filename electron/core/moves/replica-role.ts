import type pg from 'pg';

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
