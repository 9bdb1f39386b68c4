import { sql } from 'kysely';
import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import { runQuery, runQueryFirst } from '../catalog/run-query.ts';
import { systemCatalog } from '../catalog/system-catalog.ts';

/*
 * One advisory lock key per database for "migrations are running here". Session-level, on the very
 * connection that runs the migrations: a console that dies drops its connection and with it the lock.
 */
const LOCK_KEY = 7_318_820_411_050_001n;
// pg_locks shows an int8 advisory key as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
const LOCK_CLASSID = (LOCK_KEY >> 32n).toString();
const LOCK_OBJID = (LOCK_KEY & 0xffff_ffffn).toString();

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
  const holder = await describeLockHolder(client);
  const heldBy = holder ? ` (${holder})` : '';
  const message = `Migrations are already running on ${database}${heldBy}. Nothing was applied there by this run; wait for the other run to finish, then run again.`;
  throw new ConsoleError('LOCKED', message, { target: database, details: holder ? { holder } : {} });
}

export async function releaseMigrationLock(client: pg.ClientBase): Promise<void> {
  await runQuery(client, withLockKey('pg_advisory_unlock'));
}

/** The session holding the lock on this database, as pg_locks and pg_stat_activity describe it. */
function lockHolderQuery() {
  return systemCatalog
    .selectFrom('pg_catalog.pg_locks as l')
    .innerJoin('pg_catalog.pg_stat_activity as a', 'a.pid', 'l.pid')
    .select((eb) => ['a.pid', 'a.application_name as app', 'a.usename', eb.cast<string | null>('a.client_addr', 'text').as('addr'), 'a.backend_start as since'])
    .where('l.locktype', '=', 'advisory')
    .where('l.granted', '=', true)
    .where('l.classid', '=', sql<number>`${LOCK_CLASSID}::oid`)
    .where('l.objid', '=', sql<number>`${LOCK_OBJID}::oid`)
    .where('l.objsubid', '=', 1)
    .where('l.database', '=', (eb) => eb.selectFrom('pg_catalog.pg_database').select('oid').where('datname', '=', eb.fn<string>('current_database')));
}

async function describeLockHolder(client: pg.ClientBase): Promise<string | null> {
  const row = await runQueryFirst(client, lockHolderQuery()).catch(() => undefined);
  if (!row) return null;
  const from = row.addr ? ` from ${row.addr}` : '';
  const since = row.since ? `, connected since ${row.since.toISOString()}` : '';
  return `held by ${row.app || 'a client'} as ${row.usename}${from}, backend pid ${row.pid}${since}`;
}
