import type pg from 'pg';
import { createHash } from 'node:crypto';
import { ConsoleError } from '../../../shared/errors.ts';
import { currentSignal, stopIfRequested } from '../call-context.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { CONSOLE_SCHEMA } from '../catalog/introspect-database.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { columnSelect, websitePredicate, websiteRowsSelect, type ScopedTable } from '../moves/tenant-scope.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { outsideRowsOf, referencesIntoWebsite } from '../moves/missing-references.ts';
import { assertReferencesResolve } from './references-resolve.ts';
import { RESTORE_MARK } from '../console-schema/console-database.ts';

/*
 * A replace keeps the website's rows from before it in holding tables on the same database, one per
 * tenant table, `shard_console.hold_<job>_<table>`: in the console's own schema, which no catalog,
 * move, doctor or drift check reads as tenant data (a schema of their own would be, and would make
 * every move from that database refuse over a schema difference until it was dropped). Rollback puts
 * them back; discard drops them.
 */

/**
 * The holding table of one tenant table for one job (63 bytes at most). A name that had to be cleaned
 * (`crm.notes`, `my-table`) or shortened ends in a hash of the real one, so it never meets another
 * table's (`crm_notes`).
 */
export function holdTable(jobId: string, table: string): string {
  const clean = table.replace(/[^A-Za-z0-9_]/g, '_');
  const base = `hold_${jobId.slice(0, 8)}_${clean}`;
  if (clean === table && base.length <= 63) return base;
  return `${base.slice(0, 54)}_${createHash('md5').update(table).digest('hex').slice(0, 8)}`;
}

function holdMark(jobId: string, websiteId: number, table: string): string {
  return `${RESTORE_MARK}${jobId}: website ${websiteId}'s rows of ${table} before the restore`;
}

function holdRef(jobId: string, t: ScopedTable): string {
  return tableRef(CONSOLE_SCHEMA, holdTable(jobId, t.name));
}

/**
 * Copies the website's rows of every table into its holding table, each table in one transaction that
 * creates and fills it, so a holding table that exists is whole: a rerun skips it.
 */
export async function holdWebsiteRows(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  tables: readonly ScopedTable[],
  websiteId: number,
  jobId: string,
): Promise<void> {
  const client = await handle.longSession();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${CONSOLE_SCHEMA}`);
    for (const t of tables) {
      stopIfRequested();
      const ref = holdRef(jobId, t);
      await client.query('BEGIN');
      try {
        const mark = holdMark(jobId, websiteId, t.name);
        const found = await client.query<{ held: boolean; mark: string | null }>(
          `SELECT to_regclass($1) IS NOT NULL AS held, obj_description(to_regclass($1), 'pg_class') AS mark`,
          [ref],
        );
        if (found.rows[0]!.held) {
          // Held by this job's earlier run: whole, since it was made in one transaction.
          if (found.rows[0]!.mark === mark) {
            await client.query('ROLLBACK');
            continue;
          }
          throw new ConsoleError(
            'RESTORE_FAILED',
            `The holding table ${ref} for ${t.name} exists but is not this job's (${found.rows[0]!.mark ?? 'no mark'}), so the website's rows were not held. Roll the job back, and look at what made that table before you drop it.`,
            { target: jobId },
          );
        }
        // Generated columns stay generated: LIKE alone keeps their NOT NULL but not how they are computed,
        // and the rows go in without them (the put-back leaves them to the live table too).
        const generated = t.table.columns.some((c) => c.generated) ? ' INCLUDING GENERATED' : '';
        await client.query(`CREATE TABLE ${ref} (LIKE ${tableRef(t.table.schema, t.table.table)}${generated})`);
        await client.query(`COMMENT ON TABLE ${ref} IS ${literal(mark)}`);
        await client.query(`INSERT INTO ${ref} (${t.columns.map(quoteIdent).join(', ')}) ${websiteRowsSelect(t, catalog, websiteId)}`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    }
  } finally {
    client.release();
  }
}

/** The columns of each of the job's holding tables that exists, by tenant table name. */
async function heldColumns(handle: DatabaseHandle, tables: readonly ScopedTable[], jobId: string): Promise<Map<string, Set<string>>> {
  const refs = tables.map((t) => holdRef(jobId, t));
  const found = await handle.query<{ ref: string; columns: string[] }>(
    `SELECT r.ref, ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = to_regclass(r.ref) AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM unnest($1::text[]) AS r(ref) WHERE to_regclass(r.ref) IS NOT NULL`,
    [refs],
  );
  const byRef = new Map(found.rows.map((r) => [r.ref, new Set(r.columns)]));
  const held = new Map<string, Set<string>>();
  tables.forEach((t, i) => {
    const columns = byRef.get(refs[i]!);
    if (columns) held.set(t.name, columns);
  });
  return held;
}

/**
 * Why the held rows cannot go back into the live tables as they are now (the tenant schema changed
 * since they were held), one sentence per table; empty when they can. A live column the held rows lack
 * is fine when it takes NULL or a default (what a migration adding it gave every other row); a held
 * column the live table lost is left out, as the migration left it out of every other row.
 */
export async function heldRowsMisfits(handle: DatabaseHandle, tables: readonly ScopedTable[], jobId: string): Promise<string[]> {
  const held = await heldColumns(handle, tables, jobId);
  const misfits: string[] = [];
  for (const t of tables) {
    const columns = held.get(t.name);
    if (!columns) {
      misfits.push(`${t.name} has no holding table ${holdRef(jobId, t)} (the table is newer than the restore, or its holding table was dropped)`);
      continue;
    }
    const lacking = t.table.columns.filter((c) => !c.generated && !c.identity && c.notNull && c.default === null && !columns.has(c.name)).map((c) => c.name);
    if (lacking.length) misfits.push(`${t.name} has ${lacking.join(', ')}, NOT NULL without a default, which the held rows lack`);
  }
  return misfits;
}

/**
 * Puts the held rows back, parents first, each table in one transaction, the way the load writes (with
 * session_replication_role = replica where the role may, and the foreign keys checked set-based), by the
 * columns the holding table and the live table share (heldRowsMisfits says when that is not enough). The
 * website's rows must be gone first: the caller deletes them in the same step, so a rerun starts clean.
 */
export async function putHeldRowsBack(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  tables: readonly ScopedTable[],
  websiteId: number,
  jobId: string,
  replica: boolean,
): Promise<void> {
  const held = await heldColumns(handle, tables, jobId);
  const client = await handle.longSession();
  try {
    for (const t of tables) {
      stopIfRequested();
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL shard_console.bypass_fence = 'on'`);
        if (replica) await client.query('SET LOCAL session_replication_role = replica');
        await insertHeldRows(client, t, held.get(t.name), jobId);
        if (replica) await assertReferencesResolve(client, catalog, t, websiteId, 'held');
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    }
  } finally {
    client.release();
  }
}

/** The held rows of one table into the live table, on `client` (in its transaction). */
async function insertHeldRows(client: pg.ClientBase, t: ScopedTable, held: ReadonlySet<string> | undefined, jobId: string): Promise<void> {
  const shared = t.columns.filter((c) => held?.has(c));
  // The rows' own keys, an identity GENERATED ALWAYS included (PostgreSQL takes its value only when told to).
  await client.query(
    `INSERT INTO ${tableRef(t.table.schema, t.table.table)} (${shared.map(quoteIdent).join(', ')}) OVERRIDING SYSTEM VALUE SELECT ${columnSelect({ ...t, columns: shared })} FROM ${holdRef(jobId, t)} t`,
  );
}

/** An integrity error (23xxx: unique, foreign key, not null, check, exclusion): the data's, not the connection's. */
const isIntegrityError = (error: unknown) => /^23/.test((error as { code?: unknown }).code?.toString() ?? '');

/**
 * The put-back tried first, in a transaction that is rolled back, under the rollback's fence: the
 * website's rows taken off and the held ones inserted as the rollback will do it, deferred constraints
 * checked at the end. What came since the restore and keeps the held rows from going back (a unique
 * value another website took, a row they reference gone, a row outside the website pointing at the
 * website's, which a cascading key would otherwise take along) is found here, before anything is
 * removed: the rollback would otherwise stop half way, the website's rows taken off and the held ones
 * not back. Its lock waits are bounded; a lock held too long is a conflict too. Null when it would go through.
 */
export async function putBackConflict(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  tables: readonly ScopedTable[],
  websiteId: number,
  jobId: string,
  replica: boolean,
): Promise<string | null> {
  const held = await heldColumns(handle, tables, jobId);
  const client = await handle.longSession();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL shard_console.bypass_fence = 'on'; SET LOCAL lock_timeout = '15s'`);
    if (replica) await client.query('SET LOCAL session_replication_role = replica');
    // Children first, each after a look for rows outside the website pointing at the website's rows of it.
    for (const t of [...tables].reverse()) {
      stopIfRequested();
      const outside = await referencesFromOutside(client, catalog, tables, t, websiteId);
      if (outside) return outside;
      await client.query(`DELETE FROM ${tableRef(t.table.schema, t.table.table)} t WHERE ${websitePredicate(t, catalog, websiteId)}`);
    }
    for (const t of tables) {
      stopIfRequested();
      await insertHeldRows(client, t, held.get(t.name), jobId);
      if (replica) await assertReferencesResolve(client, catalog, t, websiteId, 'held');
    }
    await client.query('SET CONSTRAINTS ALL IMMEDIATE');
    return null;
  } catch (error) {
    // A stop, or the job's lock lost: not the data's doing.
    if (currentSignal()?.aborted) throw error;
    if (isIntegrityError(error) || isLockTimeout(error) || error instanceof ConsoleError) {
      const e = error as { message: string; detail?: string };
      return `${e.message}${e.detail ? ` (${e.detail})` : ''}`;
    }
    throw error;
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

const isLockTimeout = (error: unknown) => (error as { code?: unknown }).code === '55P03';

/**
 * A row outside the website (of another website, of none, or of a table that is no tenant's) pointing
 * at one of the website's rows of `t`, said in a sentence; null when none. Every foreign key into `t` is
 * looked at, as the move's and the restore's preflights and the removal's own check do.
 */
async function referencesFromOutside(
  client: pg.ClientBase,
  catalog: DatabaseCatalog,
  tables: readonly ScopedTable[],
  t: ScopedTable,
  websiteId: number,
): Promise<string | null> {
  for (const ref of referencesIntoWebsite(catalog, tables, t, websiteId)) {
    const r = await client.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 ${ref.rowsSql}) AS found`);
    if (r.rows[0]!.found) return `${outsideRowsOf(ref, websiteId)} point at its rows of ${t.name} through ${ref.fk.name}`;
  }
  return null;
}

/** Drops every holding table of the job, found by the mark in its comment (idempotent). */
export async function dropHeldRows(handle: DatabaseHandle, jobId: string): Promise<number> {
  const held = await handle.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' AND obj_description(c.oid, 'pg_class') LIKE $2`,
    [CONSOLE_SCHEMA, `${RESTORE_MARK}${jobId}:%`],
  );
  for (const { name } of held.rows) await handle.query(`DROP TABLE IF EXISTS ${tableRef(CONSOLE_SCHEMA, name)}`);
  return held.rows.length;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
