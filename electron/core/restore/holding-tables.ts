import { createHash } from 'node:crypto';
import { stopIfRequested } from '../call-context.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { CONSOLE_SCHEMA } from '../catalog/introspect-database.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { columnSelect, websiteRowsSelect, type ScopedTable } from '../moves/tenant-scope.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { assertReferencesResolve } from './references-resolve.ts';
import { RESTORE_MARK } from '../console-schema/console-database.ts';

/*
 * A replace keeps the website's rows from before it in holding tables on the same database, one per
 * tenant table, `shard_console.hold_<job>_<table>`: in the console's own schema, which no catalog,
 * move, doctor or drift check reads as tenant data (a schema of their own would be, and would make
 * every move from that database refuse over a schema difference until it was dropped). Rollback puts
 * them back; discard drops them.
 */

/** The holding table of one tenant table for one job (63 bytes at most, a hash keeps long names apart). */
export function holdTable(jobId: string, table: string): string {
  const base = `hold_${jobId.slice(0, 8)}_${table.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return base.length <= 63 ? base : `${base.slice(0, 54)}_${createHash('md5').update(table).digest('hex').slice(0, 8)}`;
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
        if ((await client.query<{ held: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS held`, [ref])).rows[0]!.held) {
          await client.query('ROLLBACK');
          continue;
        }
        await client.query(`CREATE TABLE ${ref} (LIKE ${tableRef(t.table.schema, t.table.table)})`);
        await client.query(`COMMENT ON TABLE ${ref} IS ${literal(`${RESTORE_MARK}${jobId}: website ${websiteId}'s rows of ${t.name} before the restore`)}`);
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

/**
 * Puts the held rows back, parents first, each table in one transaction, the way the load writes (with
 * session_replication_role = replica where the role may, and the foreign keys checked set-based). The
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
  const client = await handle.longSession();
  try {
    for (const t of tables) {
      stopIfRequested();
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL shard_console.bypass_fence = 'on'`);
        if (replica) await client.query('SET LOCAL session_replication_role = replica');
        const columns = t.columns.map(quoteIdent).join(', ');
        // The rows' own keys, an identity GENERATED ALWAYS included (PostgreSQL takes its value only when told to).
        await client.query(
          `INSERT INTO ${tableRef(t.table.schema, t.table.table)} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columnSelect(t)} FROM ${holdRef(jobId, t)} t`,
        );
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
