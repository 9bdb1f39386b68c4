import type pg from 'pg';

/**
 * A client taken from a pool for work of its own (a migration run, a job's lock): its connection
 * breaking (a server restart, an administrator's pg_terminate_backend) makes pg emit 'error' on it, and
 * pg-pool listens only while the client is idle in the pool. Unheard, that event ends the whole
 * process; heard here, the query in flight rejects with it, which is where it gets reported. `release`
 * takes the listener away again and, with `destroy`, closes the connection instead of pooling it (a
 * session whose state the work may have changed: session locks, `SET`s a migration file ran).
 */
export async function checkOutClient(pool: pg.Pool): Promise<{ client: pg.PoolClient; release: (options?: { destroy?: boolean; error?: Error }) => void }> {
  const client = await pool.connect();
  const onError = () => {};
  client.on('error', onError);
  return {
    client,
    release(options = {}) {
      client.off('error', onError);
      client.release(options.error ?? options.destroy === true);
    },
  };
}
