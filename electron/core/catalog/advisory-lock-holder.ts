import { sql } from 'kysely';
import type pg from 'pg';
import { runQueryFirst } from './run-query.ts';
import { systemCatalog } from './system-catalog.ts';

/** The session holding an int8 advisory lock on this database, as pg_locks and pg_stat_activity describe it. */
function lockHolderQuery(key: bigint) {
  // pg_locks shows an int8 advisory key as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
  const classid = (BigInt.asUintN(64, key) >> 32n).toString();
  const objid = (BigInt.asUintN(64, key) & 0xffff_ffffn).toString();
  return systemCatalog
    .selectFrom('pg_catalog.pg_locks as l')
    .innerJoin('pg_catalog.pg_stat_activity as a', 'a.pid', 'l.pid')
    .select((eb) => ['a.pid', 'a.application_name as app', 'a.usename', eb.cast<string | null>('a.client_addr', 'text').as('addr'), 'a.backend_start as since'])
    .where('l.locktype', '=', 'advisory')
    .where('l.granted', '=', true)
    .where('l.classid', '=', sql<number>`${classid}::oid`)
    .where('l.objid', '=', sql<number>`${objid}::oid`)
    .where('l.objsubid', '=', 1)
    .where('l.database', '=', (eb) => eb.selectFrom('pg_catalog.pg_database').select('oid').where('datname', '=', eb.fn<string>('current_database')));
}

/** "held by APP as USER from ADDR, backend pid N, connected since T", or null when nobody (visible) holds it. */
export async function describeAdvisoryLockHolder(client: pg.ClientBase, key: bigint): Promise<string | null> {
  const row = await runQueryFirst(client, lockHolderQuery(key)).catch(() => undefined);
  if (!row) return null;
  const from = row.addr ? ` from ${row.addr}` : '';
  const since = row.since ? `, connected since ${row.since.toISOString()}` : '';
  return `held by ${row.app || 'a client'} as ${row.usename}${from}, backend pid ${row.pid}${since}`;
}
