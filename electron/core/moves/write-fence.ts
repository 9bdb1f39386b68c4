import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { tenantRowPredicate } from '../catalog/tenant-row-filter.ts';
import { CONSOLE_SCHEMA } from '../console-schema/console-database.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { lockHolders } from '../pools/lock-holders.ts';
import { QUERY_APPLICATION_NAME } from '../query/query-pools.ts';
import { runQuery, runQueryFirst, type Queryable } from '../catalog/run-query.ts';
import { moveTables } from './move-database.ts';
import type { ScopedTable } from './tenant-scope.ts';

/*
 * The write fence on the source database: a trigger on every tenant table rejects any write touching a
 * fenced website, so no write can commit on the source after the copy's snapshot and be lost. Writes to
 * other websites pass (one indexed lookup in a tiny table). The console's own sessions set
 * `shard_console.bypass_fence` to clean up and to load (a restore's COPY into the fenced tables).
 * The row trigger fires AFTER the write: it rejects it all the same (the statement is rolled back
 * before it can commit), and a BEFORE row trigger, even one whose WHEN skips it, would make every COPY
 * into the table insert row by row instead of in batches (PostgreSQL's multi-insert), ~10% more of the
 * server's work on a restore's load. Fences of several moves share the triggers; the last lift
 * drops them. No step takes a lock that would queue the database's readers for long (see
 * addFenceTriggers and dropTriggersWhenUnfenced).
 */

export const COPY_APPLICATION_NAME = 'shard-console:move';
/**
 * Sessions the fence need not wait for: each runs only READ ONLY transactions, set so by the console
 * itself (the move's copy; the query console, whose "fetch more" cursor may stay open two minutes).
 */
const READ_ONLY_APPLICATION_NAMES = [COPY_APPLICATION_NAME, QUERY_APPLICATION_NAME];
const FENCE_LOCK_KEY = 0x5c_fe_9ce;
/** Which websites are fenced on this database (read by every fence trigger): created by the first fence. */
const FENCED = 'shard_console.fenced_websites';
const FENCED_TABLE = moveTables.schema
  .createTable(FENCED)
  .ifNotExists()
  .addColumn('website_id', 'bigint', (c) => c.primaryKey())
  .addColumn('job_id', 'uuid', (c) => c.notNull())
  .addColumn('fenced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`));
/** The console's own sessions (cleanup, copy) skip the fence in the trigger's WHEN: no function call per row. */
const BYPASS_OFF = `coalesce(current_setting('shard_console.bypass_fence', true), '') <> 'on'`;

const FENCE_TRIGGER_NAME = 'shard_console_fence';
const TRUNCATE_TRIGGER_NAME = 'shard_console_fence_truncate';
const FENCE_TRIGGER = quoteIdent(FENCE_TRIGGER_NAME);
const TRUNCATE_TRIGGER = quoteIdent(TRUNCATE_TRIGGER_NAME);
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

/**
 * The fence trigger's function of one table, in the console schema: a name PostgreSQL keeps whole (under
 * 63 bytes). A name that had to be cleaned (`a.b`) or shortened ends in a hash of the real one, so two
 * tables never share a function (`a.b` and `a_b` did: the second's replaced the first's, and the first
 * table's trigger then ran the other table's check). Lifting drops the function a trigger points at,
 * whatever its name.
 */
function fenceFunction(scoped: ScopedTable): string {
  const clean = scoped.name.replace(/[^A-Za-z0-9_]/g, '_');
  const base = `fence__${clean}`;
  const name = clean === scoped.name && base.length <= 55 ? base : `${base.slice(0, 46)}_${createHash('md5').update(scoped.name).digest('hex').slice(0, 8)}`;
  return `${CONSOLE_SCHEMA}.${quoteIdent(name)}`;
}

/**
 * The fence function of one table. It returns the row although an AFTER trigger ignores it: an older
 * console's BEFORE trigger (kept before PostgreSQL 14, see addFenceTriggers) calls this same function,
 * and a BEFORE trigger returning NULL would skip the write silently.
 */
function fenceFunctionSql(scoped: ScopedTable, catalog: DatabaseCatalog): string {
  const fenced = `ANY (ARRAY(SELECT website_id FROM ${FENCED}))`;
  const oldRow = tenantRowPredicate(scoped.tenant, catalog.tables, 'OLD', fenced);
  const newRow = tenantRowPredicate(scoped.tenant, catalog.tables, 'NEW', fenced);
  return `CREATE OR REPLACE FUNCTION ${fenceFunction(scoped)}() RETURNS trigger LANGUAGE plpgsql AS $fence$
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

/**
 * Ends the query console's idle sessions on this database: a "fetch more" cursor keeps its READ ONLY
 * transaction, and its tables' read locks, open up to two minutes: the fence waits for no read-only
 * session, but dropping the triggers at the last lift needs a lock those block. Only idle ones (a page already fetched); their next "fetch more"
 * says the cursor is gone. A session this role may not end is left, and the lock wait names it.
 */
async function endIdleQueryCursors(handle: DatabaseHandle): Promise<void> {
  await handle
    .query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = $1 AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
      [QUERY_APPLICATION_NAME],
    )
    .catch(() => undefined);
}

/** Whether this database has the fence table (created by its first fence). */
async function fenceTableExists(on: Queryable): Promise<boolean> {
  const found = await runQueryFirst(on, moveTables.selectNoFrom(sql<boolean>`to_regclass(${FENCED}) IS NOT NULL`.as('fence_table_exists')));
  return found!.fence_table_exists;
}

/**
 * Opens a fence transaction on the client: its lock waits capped at `lockTimeout`, an autovacuum in the
 * way cancelled sooner where the role may, and the fences of this database serialized (advisory lock).
 */
async function beginFenceTransaction(client: pg.PoolClient, lockTimeout: string): Promise<void> {
  await client.query('BEGIN');
  await client.query(`SET LOCAL lock_timeout = '${lockTimeout}'`);
  await cancelAutovacuumSooner(client);
  await client.query('SELECT pg_advisory_xact_lock($1)', [FENCE_LOCK_KEY]);
}

async function withFenceLock<T>(handle: DatabaseHandle, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  await endIdleQueryCursors(handle);
  const client = await handle.pool.connect();
  try {
    await beginFenceTransaction(client, '15s');
    const result = await run(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    if ((error as { code?: string }).code === '55P03') {
      const holders = await lockHolders(handle).catch(() => '');
      const message = `Could not take the locks to fence writes on ${handle.target.name}: long transactions hold the tenant tables${holders}. `;
      throw new ConsoleError('MOVE_FAILED', `${message}Let them finish, then run the job again (resume the move or restore, or its rollback).`, {
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
export async function installFence(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  tables: readonly ScopedTable[],
  websiteId: number,
  jobId: string,
  options: { liftIfWaitFails?: boolean; waitMs?: number } = {},
): Promise<void> {
  await withFenceLock(handle, async (client) => {
    await runQuery(client, moveTables.schema.createSchema(CONSOLE_SCHEMA).ifNotExists());
    await runQuery(client, FENCED_TABLE);
    // A fence belongs to the job that set it: another job's fence of the website (a move and a restore of
    // it at once) is refused, never taken over, and only its own job lifts it.
    await runQuery(
      client,
      moveTables
        .insertInto(FENCED)
        .values({ website_id: websiteId, job_id: jobId })
        .onConflict((oc) => oc.column('website_id').doNothing()),
    );
    const [holder] = await runQuery(client, moveTables.selectFrom(FENCED).select('job_id').where('website_id', '=', String(websiteId)));
    if (holder && holder.job_id !== jobId) {
      throw new ConsoleError(
        'JOB_BUSY',
        `Writes to website ${websiteId} on ${handle.target.name} are already fenced by job ${holder.job_id} (a move or restore of it). Finish or roll back that job first (shard-console jobs lists it).`,
        { target: String(websiteId) },
      );
    }
    await client.query(TRUNCATE_FUNCTION_SQL);
    const version = (await client.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`)).rows[0]!.v;
    for (const scoped of tables) await addFenceTriggers(client, catalog, scoped, version >= 140000);
  });
  // Taken after the commit: a transaction that began while the fence committed may hold a snapshot
  // without it (its writes pass a fence it cannot see), and it is still open then, so it is waited for.
  try {
    await waitForOlderTransactions(handle, options.waitMs);
  } catch (error) {
    // A fence put up first in a job (nothing copied or loaded behind it yet) comes off again: the
    // website's writes must not stay refused until someone resumes or rolls the job back.
    if (!options.liftIfWaitFails || !(error instanceof ConsoleError)) throw error;
    await liftFence(handle, websiteId, jobId);
    throw new ConsoleError(
      error.code,
      `${error.message} Nothing was copied yet, and the fence was lifted again: writes to website ${websiteId} go on meanwhile.`,
      {
        target: error.target ?? handle.target.name,
      },
    );
  }
}

/**
 * The table's two fence triggers, created or replaced. Never DROP TRIGGER here: that takes ACCESS
 * EXCLUSIVE, and while it waits behind any long reader of the table every other query on it queues
 * behind the request, for every website of the database. CREATE [OR REPLACE] TRIGGER and ENABLE
 * ALWAYS take SHARE ROW EXCLUSIVE, which readers pass. Before PostgreSQL 14 (no OR REPLACE) a trigger
 * already there (another fence's, same definition, or an older console's BEFORE trigger, which fences
 * as well) is kept.
 */
async function addFenceTriggers(client: pg.PoolClient, catalog: DatabaseCatalog, scoped: ScopedTable, orReplace: boolean): Promise<void> {
  const ref = tableRef(scoped.table.schema, scoped.table.table);
  await client.query(fenceFunctionSql(scoped, catalog));
  const present = orReplace
    ? new Set<string>()
    : new Set(
        (await client.query<{ name: string }>(`SELECT tgname AS name FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`, [ref])).rows.map(
          (r) => r.name,
        ),
      );
  const create = (trigger: string, name: string, definition: string) =>
    present.has(name) ? Promise.resolve() : client.query(`CREATE ${orReplace ? 'OR REPLACE ' : ''}TRIGGER ${trigger} ${definition}`);
  const eachRow = `AFTER INSERT OR UPDATE OR DELETE ON ${ref} FOR EACH ROW WHEN (${BYPASS_OFF})`;
  await create(FENCE_TRIGGER, FENCE_TRIGGER_NAME, `${eachRow} EXECUTE FUNCTION ${fenceFunction(scoped)}()`);
  // ALWAYS: the fence holds for sessions that set session_replication_role = replica too (only the
  // console's own bypass, checked in WHEN, passes); TRUNCATE would take the website's rows with it.
  await client.query(`ALTER TABLE ${ref} ENABLE ALWAYS TRIGGER ${FENCE_TRIGGER}`);
  // A partitioned table's partitions too: a statement trigger is not cloned to them (a row trigger is),
  // and TRUNCATE of one partition passes its parent's.
  const parts = await client.query<{ ref: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS ref FROM pg_partition_tree($1::regclass) t JOIN pg_class c ON c.oid = t.relid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.relid <> $1::regclass AND c.relkind IN ('r', 'p')`,
    [ref],
  );
  for (const table of [ref, ...parts.rows.map((p) => p.ref)]) {
    // Before PostgreSQL 14 (no OR REPLACE) one already there is kept, and enabled ALWAYS all the same.
    const sql = `CREATE ${orReplace ? 'OR REPLACE ' : ''}TRIGGER ${TRUNCATE_TRIGGER} BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${TRUNCATE_FUNCTION}()`;
    if (table === ref)
      await create(TRUNCATE_TRIGGER, TRUNCATE_TRIGGER_NAME, `BEFORE TRUNCATE ON ${ref} FOR EACH STATEMENT EXECUTE FUNCTION ${TRUNCATE_FUNCTION}()`);
    else if (
      orReplace ||
      (await client.query(`SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2`, [table, TRUNCATE_TRIGGER_NAME])).rows.length === 0
    )
      await client.query(sql);
    await client.query(`ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${TRUNCATE_TRIGGER}`);
  }
}

/** pg_stat_activity's backend types of the server's own processes that write no table rows. */
const NEVER_WRITE_ROWS = ['autovacuum launcher', 'autovacuum worker', 'walsender', 'logical replication launcher'];

/** A transaction open on the database when the fence went up, as pg_stat_activity shows it to this role. */
type OpenTransaction = { pid: number; vxid: string; xact_start: Date | null; user: string | null; query: string | null; hidden: boolean; kind: string | null };

/**
 * A transaction that began before the fence committed may hold a snapshot that does not see it and write
 * the website's rows after our copy's snapshot. So every transaction open once the fence is in is waited
 * for, as CREATE INDEX CONCURRENTLY waits: by the virtual transaction id each holds a lock on (pg_locks,
 * which every role may read), not by pg_stat_activity's start times, which a role without
 * pg_read_all_stats sees as NULL for other roles' sessions (their transactions would never count). The
 * console's own read-only sessions are left out, and so are the server's processes that never write a
 * table's rows (autovacuum, busy for minutes after a big move), where the role may see what a session
 * is. Every other process counts: a logical replication apply worker or an extension's background
 * worker (pg_cron's) writes rows as a client does. Gives up after `timeoutMs`, naming the sessions still
 * open.
 */
export async function waitForOlderTransactions(handle: Pick<DatabaseHandle, 'query' | 'target'>, timeoutMs = 30_000): Promise<void> {
  const open = `SELECT l.pid, l.virtualxid AS vxid, a.xact_start, a.usename AS user, left(a.query, 120) AS query, a.backend_type IS NULL AS hidden, a.backend_type AS kind
                  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE l.locktype = 'virtualxid' AND l.granted AND a.datname = current_database() AND a.pid <> pg_backend_pid()
                   AND coalesce(a.backend_type, 'client backend') <> ALL ($2::text[]) AND coalesce(a.application_name, '') <> ALL ($1::text[])`;
  const read = async () => (await handle.query<OpenTransaction>(open, [READ_ONLY_APPLICATION_NAMES, NEVER_WRITE_ROWS])).rows;
  const waited = new Set((await read()).map((r) => `${r.pid}:${r.vxid}`));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = (await read()).filter((r) => waited.has(`${r.pid}:${r.vxid}`));
    if (left.length === 0) return;
    if (Date.now() > deadline) throw stillOpen(handle.target.name, left);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stillOpen(database: string, left: readonly OpenTransaction[]): ConsoleError {
  const list = left
    .map((r) =>
      r.hidden
        ? `pid ${r.pid} (${r.user ?? 'another role'}'s session, whose transaction this role may not see: grant it pg_read_all_stats to tell)`
        : `pid ${r.pid}${r.kind && r.kind !== 'client backend' ? ` (a ${r.kind})` : ''} since ${r.xact_start?.toISOString() ?? '?'} (${r.query ?? ''})`,
    )
    .join('; ');
  return new ConsoleError(
    'MOVE_FAILED',
    `Transactions that began before the write fence are still open on ${database}: ${list}. End them (or let them finish), then run the job again (resume the move or restore, or its rollback).`,
    { target: database },
  );
}

/**
 * Of `tables`, those whose fence is not whole: no row trigger firing ALWAYS (a table made since the
 * fence went up, a trigger an administrator disabled), or a table or partition without the TRUNCATE
 * one firing ALWAYS (a partition attached since, a fence an older console put up). The table itself is
 * looked at apart: pg_partition_tree gives nothing for a table that is not partitioned.
 */
export async function tablesLackingFence(handle: DatabaseHandle, tables: readonly ScopedTable[]): Promise<ScopedTable[]> {
  if (tables.length === 0) return [];
  const refs = tables.map((t) => tableRef(t.table.schema, t.table.table));
  const firing = (relid: string, name: string) => `EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = ${relid} AND t.tgname = ${name} AND t.tgenabled = 'A')`;
  const r = await handle.query<{ ref: string }>(
    `SELECT r.ref FROM unnest($1::text[]) AS r(ref)
      WHERE NOT ${firing('r.ref::regclass', '$2')}
         OR EXISTS (SELECT 1 FROM (SELECT r.ref::regclass AS relid UNION SELECT relid FROM pg_partition_tree(r.ref::regclass)) p
                     JOIN pg_class c ON c.oid = p.relid
                     WHERE c.relkind IN ('r', 'p') AND NOT ${firing('p.relid', '$3')})`,
    [refs, FENCE_TRIGGER_NAME, TRUNCATE_TRIGGER_NAME],
  );
  const lacking = new Set(r.rows.map((row) => row.ref));
  return tables.filter((_, i) => lacking.has(refs[i]!));
}

/** The jobs holding a fence on the website on this database (none when no fence was ever set here). */
export async function fencingJobs(handle: DatabaseHandle, websiteId: number): Promise<string[]> {
  // A role that may not read the console's schema (a SELECT-only profile previewing a move) sees none:
  // it cannot move anything either, and the fence itself refuses another job's website when one runs.
  const readable = await handle.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = $1 AND c.relname = $2 AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')) AS ok`,
    FENCED.split('.'),
  );
  if (!readable.rows[0]!.ok) return [];
  const rows = await runQuery(handle, moveTables.selectFrom(FENCED).select('job_id').where('website_id', '=', String(websiteId)));
  return rows.map((r) => r.job_id);
}

/** How many websites are fenced on this database now (in the caller's transaction). */
async function fencedCount(client: pg.PoolClient): Promise<number> {
  const [others] = await runQuery(
    client,
    moveTables.selectFrom(FENCED).select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('fenced')),
  );
  return others!.fenced;
}

/**
 * Lifts the website's fence that this job set (another job's stays): its row in fenced_websites goes,
 * committed, and its writes pass from then on. The last fence on a database then takes the triggers
 * away (dropTriggersWhenUnfenced: every table that has them, found by name). Idempotent.
 */
export async function liftFence(handle: DatabaseHandle, websiteId: number, jobId: string): Promise<void> {
  const last = await withFenceLock(handle, async (client) => {
    if (!(await fenceTableExists(client))) return false;
    await runQuery(client, moveTables.deleteFrom(FENCED).where('website_id', '=', String(websiteId)).where('job_id', '=', jobId));
    return (await fencedCount(client)) === 0;
  });
  if (last) await dropTriggersWhenUnfenced(handle);
}

/** What the fences of a database look like now: the websites fenced (by which job, since when) and the tables carrying fence triggers. */
export async function fenceState(
  handle: DatabaseHandle,
): Promise<{ fenced: Array<{ websiteId: number; jobId: string; fencedAt: Date }>; tablesWithTriggers: string[] }> {
  const tables = await tablesWithFenceTriggers(handle);
  const rows = (await fenceTableExists(handle))
    ? await runQuery(handle, moveTables.selectFrom(FENCED).select(['website_id', 'job_id', 'fenced_at']).orderBy('website_id'))
    : [];
  return {
    fenced: rows.map((r) => ({ websiteId: Number(r.website_id), jobId: r.job_id, fencedAt: new Date(r.fenced_at) })),
    tablesWithTriggers: tables.map((t) => t.ref),
  };
}

/** A drop's wait for its table's lock: this long at most per attempt, so readers queued behind it wait no longer. */
const DROP_LOCK_TIMEOUT = '200ms';

/** A table carrying fence triggers (any fence's, whichever tables its job listed). */
interface FencedTable {
  readonly oid: number;
  readonly ref: string;
  /** Rounds this table was not tried because a session held a lock on it. */
  busyRounds: number;
}

async function tablesWithFenceTriggers(handle: DatabaseHandle): Promise<FencedTable[]> {
  const r = await handle.query<{ oid: string; schema: string; table: string }>(
    `SELECT DISTINCT c.oid::int8::text AS oid, n.nspname AS schema, c.relname AS table
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE t.tgname IN ($1, $2) AND NOT t.tgisinternal AND NOT EXISTS (SELECT 1 FROM pg_depend pd WHERE pd.classid = 'pg_trigger'::regclass AND pd.objid = t.oid AND pd.deptype = 'P') ORDER BY 1`,
    [FENCE_TRIGGER_NAME, TRUNCATE_TRIGGER_NAME],
  );
  return r.rows.map((row) => ({ oid: Number(row.oid), ref: tableRef(row.schema, row.table), busyRounds: 0 }));
}

/**
 * Drops the fence triggers of every table that has them (found by name, so a table another job's list
 * had is not missed), each table in a short transaction of its own. DROP TRIGGER takes ACCESS
 * EXCLUSIVE, and while it waits every query on the table queues behind it: so a table some session
 * holds a lock on is not tried (for three rounds; a table never free is tried anyway), and a try waits
 * at most DROP_LOCK_TIMEOUT, retried with growing pauses for up to `budgetMs`. A fence set meanwhile
 * keeps them all. A table in use throughout keeps its triggers, idle (no website is fenced, so every
 * write passes) until the next last lift. Returns those tables; the TRUNCATE function goes once no
 * table is left.
 */
export async function dropTriggersWhenUnfenced(handle: DatabaseHandle, budgetMs = 20_000): Promise<string[]> {
  await endIdleQueryCursors(handle);
  const deadline = Date.now() + budgetMs;
  let pending = await tablesWithFenceTriggers(handle);
  for (let pause = 100; ; pause = Math.min(pause * 2, 1_000)) {
    const left: FencedTable[] = [];
    for (const table of pending) {
      const dropped = await dropTableTriggers(handle, table);
      if (dropped === 'fenced') return [];
      if (dropped === 'busy') table.busyRounds++;
      if (dropped !== true) left.push(table);
    }
    pending = left;
    if (pending.length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, pause));
  }
  if (pending.length === 0) await dropTableTriggers(handle, null);
  return pending.map((t) => t.ref);
}

/** One table's fence triggers and their functions dropped (null: the TRUNCATE function, once no trigger uses it); false if its lock was not had in time. */
async function dropTableTriggers(handle: DatabaseHandle, table: FencedTable | null): Promise<boolean | 'busy' | 'fenced'> {
  const client = await handle.pool.connect();
  try {
    await beginFenceTransaction(client, DROP_LOCK_TIMEOUT);
    if ((await fencedCount(client)) > 0) {
      await client.query('ROLLBACK');
      return 'fenced';
    }
    if (table === null) await client.query(`DROP FUNCTION IF EXISTS ${TRUNCATE_FUNCTION}()`);
    else if (table.busyRounds < 3 && (await lockedElsewhere(client, table))) {
      await client.query('ROLLBACK');
      return 'busy';
    } else await dropTriggersOf(client, table);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    if ((error as { code?: string }).code === '55P03') return false;
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Whether another session holds a lock on the table now (any lock makes a DROP TRIGGER wait). An
 * autovacuum's does not count: the drop cancels it (see cancelAutovacuumSooner), and after a big load
 * or cleanup one is busy on every large table.
 */
async function lockedElsewhere(client: pg.PoolClient, table: FencedTable): Promise<boolean> {
  const held = await client.query(
    `SELECT 1 FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'relation' AND l.relation = $1 AND l.granted AND l.pid <> pg_backend_pid()
        AND coalesce(a.backend_type, '') <> 'autovacuum worker' LIMIT 1`,
    [table.oid],
  );
  return held.rows.length > 0;
}

/** In the caller's transaction: the table's fence triggers dropped, and its row trigger's own function. */
async function dropTriggersOf(client: pg.PoolClient, table: FencedTable): Promise<void> {
  const triggers = await client.query<{ name: string; fn: string }>(
    // Its own triggers: a partition's clone of its parent's row trigger goes with the parent's (dropping it refuses).
    `SELECT tgname AS name, tgfoid::regprocedure::text AS fn FROM pg_trigger WHERE tgrelid = $1 AND tgname IN ($2, $3) AND NOT tgisinternal
        AND NOT EXISTS (SELECT 1 FROM pg_depend pd WHERE pd.classid = 'pg_trigger'::regclass AND pd.objid = pg_trigger.oid AND pd.deptype = 'P')`,
    [table.oid, FENCE_TRIGGER_NAME, TRUNCATE_TRIGGER_NAME],
  );
  for (const t of triggers.rows) await client.query(`DROP TRIGGER IF EXISTS ${quoteIdent(t.name)} ON ${table.ref}`);
  // The row trigger's own function (the TRUNCATE one is shared): dropped once nothing else uses it.
  for (const t of triggers.rows.filter((x) => x.name === FENCE_TRIGGER_NAME)) {
    await client.query('SAVEPOINT sc_fence_function');
    await client.query(`DROP FUNCTION IF EXISTS ${t.fn}`).catch(() => client.query('ROLLBACK TO SAVEPOINT sc_fence_function'));
  }
}
