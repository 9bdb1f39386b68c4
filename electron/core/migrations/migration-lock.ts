import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import { describeAdvisoryLockHolder } from '../catalog/advisory-lock-holder.ts';
import { runQuery, runQueryFirst } from '../catalog/run-query.ts';
import { systemCatalog } from '../catalog/system-catalog.ts';

/*
 * One advisory lock key per database for "migrations are running here". Session-level, on the very
 * connection that runs the migrations: a console that dies drops its connection and with it the lock.
 */
const LOCK_KEY = 7_318_820_411_050_001n;

export type LockMode = 'fail' | 'wait';

/** `SELECT fn(key)` for the advisory lock functions, always with this one key. */
function withLockKey<T = unknown>(fn: 'pg_advisory_lock' | 'pg_try_advisory_lock' | 'pg_advisory_unlock') {
  return systemCatalog.selectNoFrom((eb) => eb.fn<T>(fn, [eb.val(LOCK_KEY.toString())]).as('result'));
}

/**
 * `fail` (the console): a second console gets LOCKED at once, naming who holds the lock, rather than
 * queueing an unseen run behind one that may take an hour. `wait` (demo and test setup): take turns.
 */
export async function acquireMigrationLock(client: pg.ClientBase, database: string, mode: LockMode): Promise<void> {
  if (mode === 'wait') {
    await runQuery(client, withLockKey('pg_advisory_lock'));
    return;
  }
  const got = await runQueryFirst(client, withLockKey<boolean>('pg_try_advisory_lock'));
  if (got?.result) return;
  const holder = await describeAdvisoryLockHolder(client, LOCK_KEY);
  const heldBy = holder ? ` (${holder})` : '';
  const message = `Migrations are already running on ${database}${heldBy}. Nothing was applied there by this run; wait for the other run to finish, then run again.`;
  throw new ConsoleError('LOCKED', message, { target: database, details: holder ? { holder } : {} });
}

export async function releaseMigrationLock(client: pg.ClientBase): Promise<void> {
  await runQuery(client, withLockKey('pg_advisory_unlock'));
}
