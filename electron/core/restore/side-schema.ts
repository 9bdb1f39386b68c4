import { ConsoleError } from '../../../shared/errors.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import type { ScopedTable } from '../moves/tenant-scope.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { markedJob, schemaMark } from './restore-marks.ts';

/*
 * The schema of a side-by-side restore: one table per live tenant table, shaped like it (columns,
 * defaults, generated columns, check constraints and indexes; no foreign keys, no triggers), marked
 * with the job's id in the schema's comment. Live data and routing are never touched.
 */

/** A live table's name in the side schema: its own for `public`, `schema__table` otherwise. */
export function sideTable(t: ScopedTable): string {
  return t.table.schema === 'public' ? t.table.table : `${t.table.schema}__${t.table.table}`;
}

/** Creates the schema and its tables in one transaction; a rerun finds them (this job's mark) and goes on. */
export async function createSideSchema(
  handle: DatabaseHandle,
  schema: string,
  jobId: string,
  websiteId: number,
  file: string,
  tables: readonly ScopedTable[],
): Promise<void> {
  const client = await handle.longSession();
  try {
    await client.query('BEGIN');
    const existing = await client.query<{ comment: string | null }>(
      `SELECT obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname = $1`,
      [schema],
    );
    if (existing.rows.length && markedJob(existing.rows[0]!.comment) !== jobId) {
      throw new ConsoleError(
        'RESTORE_FAILED',
        `${handle.target.name} has a schema named ${schema} that this restore did not create. Roll the job back and restore into another schema.`,
        { target: schema },
      );
    }
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`COMMENT ON SCHEMA ${quoteIdent(schema)} IS '${schemaMark(jobId, websiteId, file).replace(/'/g, "''")}'`);
    for (const t of tables) {
      const like = `LIKE ${tableRef(t.table.schema, t.table.table)} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING INDEXES`;
      await client.query(`CREATE TABLE IF NOT EXISTS ${tableRef(schema, sideTable(t))} (${like})`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Drops a restore schema with its tables; refuses a schema without a restore's mark (or, with `jobId`,
 * another job's). Resolves to the tables dropped (0 when the schema is gone already).
 */
export async function dropRestoreSchema(handle: DatabaseHandle, schema: string, jobId?: string): Promise<number> {
  const client = await handle.longSession();
  try {
    await client.query('BEGIN');
    const found = await client.query<{ comment: string | null; tables: number }>(
      `SELECT obj_description(n.oid, 'pg_namespace') AS comment, (SELECT count(*)::int FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p')) AS tables
         FROM pg_namespace n WHERE n.nspname = $1`,
      [schema],
    );
    if (found.rows.length === 0) {
      await client.query('ROLLBACK');
      return 0;
    }
    const owner = markedJob(found.rows[0]!.comment);
    if (owner === null || (jobId !== undefined && owner !== jobId)) {
      throw new ConsoleError(
        'ACTION_NOT_ALLOWED',
        `Schema ${schema} on ${handle.target.name} was not created by ${jobId ? `restore job ${jobId}` : 'a side-by-side restore'}, so the console will not drop it. Drop it yourself if you mean to.`,
        { target: schema },
      );
    }
    await client.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
    await client.query('COMMIT');
    return found.rows[0]!.tables;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
