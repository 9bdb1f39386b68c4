import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';

/*
 * One advisory lock key per database for "migrations are running here". Session-level, on the very
 * connection that runs the migrations: a console that dies drops its connection and with it the lock.
 */
const LOCK_KEY = 7_318_820_411_050_001n;
// pg_locks shows an int8 advisory key as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
const LOCK_CLASSID = (LOCK_KEY >> 32n).toString();
const LOCK_OBJID = (LOCK_KEY & 0xffff_ffffn).toString();

export type LockMode = 'fail' | 'wait';

/**
 * `fail` (the console): a second console gets LOCKED at once, naming who holds the lock, rather than
 * queueing an unseen run behind one that may take an hour. `wait` (demo and test setup): take turns.
 */
export async function acquireMigrationLock(client: pg.ClientBase, database: string, mode: LockMode): Promise<void> {
  if (mode === 'wait') {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY.toString()]);
    return;
  }
  const got = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LOCK_KEY.toString()]);
  if (got.rows[0]?.locked) return;
  const holder = await describeLockHolder(client);
  throw new ConsoleError(
    'LOCKED',
    `Migrations are already running on ${database}${holder ? ` (${holder})` : ''}. Nothing was applied there by this run; wait for the other run to finish, then run again.`,
    { target: database, details: holder ? { holder } : {} },
  );
}

export async function releaseMigrationLock(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY.toString()]);
}

async function describeLockHolder(client: pg.ClientBase): Promise<string | null> {
  const found = await client
    .query<{ pid: number; app: string; usename: string; addr: string | null; since: Date | null }>(
      `SELECT a.pid, a.application_name AS app, a.usename, a.client_addr::text AS addr, a.backend_start AS since
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [LOCK_CLASSID, LOCK_OBJID],
    )
    .catch(() => null);
  const row = found?.rows[0];
  if (!row) return null;
  return `held by ${row.app || 'a client'} as ${row.usename}${row.addr ? ` from ${row.addr}` : ''}, backend pid ${row.pid}${row.since ? `, connected since ${row.since.toISOString()}` : ''}`;
}
