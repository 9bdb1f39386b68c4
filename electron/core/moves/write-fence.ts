import { createHash } from 'node:crypto';
import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { tenantRowPredicate } from '../catalog/tenant-row-filter.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { lockHolders } from '../pools/lock-holders.ts';
import type { ScopedTable } from './tenant-scope.ts';

/*
 * The write fence on the source database: a trigger on every tenant table rejects any write touching a
 * fenced website, so no write can commit on the source after the copy's snapshot and be lost. Writes to
 * other websites pass (one indexed lookup in a tiny table). The console's own sessions set
 * `shard_console.bypass_fence` to clean up. Fences of several moves share the triggers; the last lift
 * drops them.
 */

export const COPY_APPLICATION_NAME = 'shard-console:move';
const FENCE_LOCK_KEY = 0x5c_fe_9ce;
const FENCED = 'shard_console.fenced_websites';
/** The console's own sessions (cleanup, copy) skip the fence in the trigger's WHEN: no function call per row. */
const BYPASS_OFF = `coalesce(current_setting('shard_console.bypass_fence', true), '') <> 'on'`;

const FENCE_TRIGGER = quoteIdent('shard_console_fence');
const TRUNCATE_TRIGGER = quoteIdent('shard_console_fence_truncate');
const TRUNCATE_FUNCTION = 'shard_console.fence_truncate';
const TRUNCATE_FUNCTION_SQL = `CREATE OR REPLACE FUNCTION ${TRUNCATE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $fence$
BEGIN
  IF ${BYPASS_OFF} AND EXISTS (SELECT 1 FROM ${FENCED}) THEN
    RAISE EXCEPTION 'shard-console: % cannot be truncated while a website on this database is being moved to another (its rows would be lost)', TG_TABLE_NAME
      USING ERRCODE = '55000', HINT = 'Retry after the move finishes (shard-console moves lists it).';
  END IF;
  RETURN NULL;
END
$fence$`;

function functionName(table: string): string {
  const base = `fence__${table.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return base.length <= 55 ? base : `${base.slice(0, 46)}_${createHash('md5').update(table).digest('hex').slice(0, 8)}`;
}

function fenceFunctionSql(scoped: ScopedTable, catalog: DatabaseCatalog): string {
  const fenced = `ANY (ARRAY(SELECT website_id FROM ${FENCED}))`;
  const oldRow = tenantRowPredicate(scoped.tenant, catalog.tables, 'OLD', fenced);
  const newRow = tenantRowPredicate(scoped.tenant, catalog.tables, 'NEW', fenced);
  const name = `shard_console.${quoteIdent(functionName(scoped.name))}`;
  return `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fence$
BEGIN
  IF coalesce(current_setting('shard_console.bypass_fence', true), '') = 'on' THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF (TG_OP IN ('UPDATE', 'DELETE') AND (${oldRow})) OR (TG_OP IN ('INSERT', 'UPDATE') AND (${newRow})) THEN
    RAISE EXCEPTION 'shard-console: this website is being moved to another database; writes to it are paused'
      USING ERRCODE = '55000', HINT = 'Retry after the move finishes; the website''s shard_name then names its new database.';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$fence$`;
}

async function withFenceLock<T>(handle: DatabaseHandle, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await handle.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = '15s'`);
    await cancelAutovacuumSooner(client);
    await client.query('SELECT pg_advisory_xact_lock($1)', [FENCE_LOCK_KEY]);
    const result = await run(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    if ((error as { code?: string }).code === '55P03') {
      const holders = await lockHolders(handle).catch(() => '');
      throw new ConsoleError('MOVE_FAILED', `Could not take the locks to fence writes on ${handle.target.name}: long transactions hold the tenant tables${holders}. Let them finish and resume the move.`, {
        target: handle.target.name,
        cause: error,
      });
    }
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Adding or dropping a trigger waits for an autovacuum of the table (busy on every tenant table after a
 * big move's cleanup), which PostgreSQL cancels only after the waiter's deadlock_timeout (1 s by
 * default), once per table. A role allowed to set it (superuser, or GRANT SET on PostgreSQL 15+) lowers
 * it for this transaction; otherwise the wait stays and nothing else changes.
 */
export async function cancelAutovacuumSooner(client: pg.PoolClient): Promise<void> {
  await client.query('SAVEPOINT sc_deadlock_timeout');
  try {
    await client.query(`SET LOCAL deadlock_timeout = '50ms'`);
    await client.query('RELEASE SAVEPOINT sc_deadlock_timeout');
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT sc_deadlock_timeout');
  }
}

/** Fences the website on the source (idempotent), then waits out transactions that began before the fence. */
export async function installFence(handle: DatabaseHandle, catalog: DatabaseCatalog, tables: readonly ScopedTable[], websiteId: number, jobId: string): Promise<void> {
  const fencedAt = await withFenceLock(handle, async (client) => {
    await client.query('CREATE SCHEMA IF NOT EXISTS shard_console');
    await client.query(`CREATE TABLE IF NOT EXISTS ${FENCED} (website_id bigint PRIMARY KEY, job_id uuid NOT NULL, fenced_at timestamptz NOT NULL DEFAULT now())`);
    await client.query(`INSERT INTO ${FENCED} (website_id, job_id) VALUES ($1, $2) ON CONFLICT (website_id) DO UPDATE SET job_id = EXCLUDED.job_id`, [websiteId, jobId]);
    await client.query(TRUNCATE_FUNCTION_SQL);
    for (const scoped of tables) {
      const fn = `shard_console.${quoteIdent(functionName(scoped.name))}`;
      const ref = tableRef(scoped.table.schema, scoped.table.table);
      await client.query(fenceFunctionSql(scoped, catalog));
      await client.query(`DROP TRIGGER IF EXISTS ${FENCE_TRIGGER} ON ${ref}`);
      await client.query(`CREATE TRIGGER ${FENCE_TRIGGER} BEFORE INSERT OR UPDATE OR DELETE ON ${ref} FOR EACH ROW WHEN (${BYPASS_OFF}) EXECUTE FUNCTION ${fn}()`);
      // ALWAYS: the fence holds for sessions that set session_replication_role = replica too (only the
      // console's own bypass, checked in WHEN, passes); TRUNCATE would take the website's rows with it.
      await client.query(`ALTER TABLE ${ref} ENABLE ALWAYS TRIGGER ${FENCE_TRIGGER}`);
      await client.query(`DROP TRIGGER IF EXISTS ${TRUNCATE_TRIGGER} ON ${ref}`);
      await client.query(`CREATE TRIGGER ${TRUNCATE_TRIGGER} BEFORE TRUNCATE ON ${ref} FOR EACH STATEMENT EXECUTE FUNCTION ${TRUNCATE_FUNCTION}()`);
      await client.query(`ALTER TABLE ${ref} ENABLE ALWAYS TRIGGER ${TRUNCATE_TRIGGER}`);
    }
    return (await client.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now;
  });
  await waitForOlderTransactions(handle, fencedAt);
}

/**
 * A transaction that began before the fence may hold a snapshot that does not see it and write the
 * website's rows after our copy's snapshot. Wait until none is left (the move's own read-only copy
 * sessions excepted), or give up with the pids to look at. Only client sessions count: autovacuum
 * (busy for minutes after a big move) and other background workers never write a website's rows.
 */
async function waitForOlderTransactions(handle: DatabaseHandle, fencedAt: Date, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const older = await handle.query<{ pid: number; xact_start: Date; query: string }>(
      `SELECT pid, xact_start, left(query, 120) AS query FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start < $1 AND backend_type = 'client backend'
          AND state <> 'idle' AND coalesce(application_name, '') <> $2`,
      [fencedAt, COPY_APPLICATION_NAME],
    );
    if (older.rows.length === 0) return;
    if (Date.now() > deadline) {
      const list = older.rows.map((r) => `pid ${r.pid} since ${r.xact_start.toISOString()} (${r.query})`).join('; ');
      throw new ConsoleError('MOVE_FAILED', `Transactions that began before the write fence are still open on ${handle.target.name}: ${list}. End them (or let them finish) and resume the move.`, {
        target: handle.target.name,
      });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Lifts the website's fence; the last fence on a database takes the triggers with it. Idempotent. */
export async function liftFence(handle: DatabaseHandle, tables: readonly ScopedTable[], websiteId: number): Promise<void> {
  await withFenceLock(handle, async (client) => {
    const exists = await client.query(`SELECT to_regclass('${FENCED}') IS NOT NULL AS present`);
    if (!exists.rows[0].present) return;
    await client.query(`DELETE FROM ${FENCED} WHERE website_id = $1`, [websiteId]);
    const left = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${FENCED}`);
    if (left.rows[0]!.n > 0) return;
    for (const scoped of tables) {
      const ref = tableRef(scoped.table.schema, scoped.table.table);
      await client.query(`DROP TRIGGER IF EXISTS ${FENCE_TRIGGER} ON ${ref}`);
      await client.query(`DROP TRIGGER IF EXISTS ${TRUNCATE_TRIGGER} ON ${ref}`);
      await client.query(`DROP FUNCTION IF EXISTS shard_console.${quoteIdent(functionName(scoped.name))}()`);
    }
    await client.query(`DROP FUNCTION IF EXISTS ${TRUNCATE_FUNCTION}()`);
  });
}
