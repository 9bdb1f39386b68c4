import { createHash } from 'node:crypto';
import { ConsoleError } from '../../../shared/errors.ts';
import { quoteIdent, quoteLiteral, tableRef } from '../catalog/sql-identifiers.ts';
import type { ScopedTable } from '../moves/tenant-scope.ts';
import type pg from 'pg';
import type { RestorePlan } from '../../../shared/methods/restore-methods.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { markedJob, schemaMark } from './restore-marks.ts';

/*
 * The schema of a side-by-side restore: one table per live tenant table, shaped like it (columns,
 * defaults, generated columns, check constraints and indexes; no foreign keys, no triggers), marked
 * with the job's id in the schema's comment. Live data and routing are never touched.
 */

/** A live table's name in the side schema (sideTableName). */
export function sideTable(t: ScopedTable): string {
  return sideTableName(t.table.schema, t.table.table);
}

/**
 * A live table's name in the side schema: its own for `public`, `schema__table` otherwise; one longer
 * than PostgreSQL keeps (63 bytes: it would cut the name, and the drop, which looks for the whole name,
 * would miss the table) is cut shorter and ends with a short hash of the table's own name.
 */
export function sideTableName(schema: string, table: string): string {
  const name = schema === 'public' ? table : `${schema}__${table}`;
  if (Buffer.byteLength(name, 'utf8') <= 63) return name;
  let cut = name;
  while (Buffer.byteLength(cut, 'utf8') > 54) cut = cut.slice(0, -1);
  return `${cut}_${createHash('sha256').update(`${schema}.${table}`, 'utf8').digest('hex').slice(0, 8)}`;
}

/** The side tables of a restore's plan (its table names are bare for `public`, `schema.table` otherwise). */
export function planSideTables(plan: Pick<RestorePlan, 'tables'>): string[] {
  return plan.tables.map(({ table }) => {
    const dot = table.indexOf('.');
    return dot < 0 ? sideTableName('public', table) : sideTableName(table.slice(0, dot), table.slice(dot + 1));
  });
}

/** Two live tables one side table would hold (`public.crm__notes` and `crm.notes`): refused, or the second would load over the first. */
function assertSideNamesApart(tables: readonly ScopedTable[], schema: string): void {
  const seen = new Map<string, ScopedTable>();
  for (const t of tables) {
    const other = seen.get(sideTable(t));
    if (other)
      throw new ConsoleError(
        'RESTORE_FAILED',
        `${other.name} and ${t.name} would both be ${sideTable(t)} in schema ${schema}, so a side-by-side restore cannot keep them apart. Roll the job back and restore with --replace, or rename one of the tables.`,
        { target: schema },
      );
    seen.set(sideTable(t), t);
  }
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
  assertSideNamesApart(tables, schema);
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
      // Identity too: a live identity column the archive lacks is filled as the live table would (COPY
      // writes the values an archive has for one, as OVERRIDING SYSTEM VALUE does).
      const like = `LIKE ${tableRef(t.table.schema, t.table.table)} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING INDEXES`;
      await client.query(`CREATE TABLE IF NOT EXISTS ${tableRef(schema, sideTable(t))} (${like})`);
      await ownSequences(client, schema, sideTable(t));
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
 * LIKE ... INCLUDING DEFAULTS copies a serial's `nextval('live_seq')`: the side table would draw live ids
 * and tie the live sequence to it (a migration dropping the live table refused while the schema stands).
 * Each such column gets a sequence of the side schema's own instead, going on from where the live one is
 * (past every restored id). A column already drawing from the side schema is left alone (a rerun).
 */
async function ownSequences(client: pg.PoolClient, schema: string, side: string): Promise<void> {
  const table = tableRef(schema, side);
  const tied = await client.query<{ column: string; attnum: number; type: string; last: string | null }>(
    `SELECT a.attname AS column, a.attnum, format_type(q.seqtypid, NULL) AS type, pg_sequence_last_value(s.oid)::text AS last
       FROM pg_attrdef d
       JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
       JOIN pg_depend dep ON dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid AND dep.refclassid = 'pg_class'::regclass
       JOIN pg_class s ON s.oid = dep.refobjid AND s.relkind = 'S'
       JOIN pg_sequence q ON q.seqrelid = s.oid
      WHERE d.adrelid = $1::regclass AND s.relnamespace <> (SELECT oid FROM pg_namespace WHERE nspname = $2)
      ORDER BY a.attnum`,
    [table, schema],
  );
  for (const row of tied.rows) {
    const sequence = tableRef(schema, `${side.slice(0, 40)}_${row.attnum}_seq`);
    await client.query(`CREATE SEQUENCE ${sequence} AS ${row.type} OWNED BY ${table}.${quoteIdent(row.column)}`);
    if (row.last !== null) await client.query('SELECT setval($1::regclass, $2::bigint)', [sequence, row.last]);
    await client.query(`ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(row.column)} SET DEFAULT nextval(${quoteLiteral(sequence)}::regclass)`);
  }
}

/**
 * Drops a restore schema and the tables the restore made in it (`tables`, side names); refuses a schema
 * without a restore's mark (or, with `jobId`, another job's). Never CASCADE: the tables go with RESTRICT,
 * then the schema, so PostgreSQL itself refuses when anything else depends on them (a view elsewhere
 * over a side table) or lives in the schema (a table someone added), and the transaction changes
 * nothing. Resolves to the tables dropped (0 when the schema is gone already, or, with
 * `othersAreNotOurs`, when it is not the job's).
 */
export async function dropRestoreSchema(
  handle: DatabaseHandle,
  schema: string,
  tables: readonly string[],
  jobId?: string,
  options: { othersAreNotOurs?: boolean } = {},
): Promise<number> {
  const client = await handle.longSession();
  try {
    await client.query('BEGIN');
    const found = await client.query<{ comment: string | null; tables: string[] }>(
      `SELECT obj_description(n.oid, 'pg_namespace') AS comment,
              ARRAY(SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p')) AS tables
         FROM pg_namespace n WHERE n.nspname = $1`,
      [schema],
    );
    if (found.rows.length === 0) {
      await client.query('ROLLBACK');
      return 0;
    }
    const owner = markedJob(found.rows[0]!.comment);
    // A rollback's job never made a schema of that name that is not marked as its own (it creates and
    // marks in one transaction): someone else's, nothing of the job's to drop.
    if (options.othersAreNotOurs && jobId !== undefined && owner !== jobId) {
      await client.query('ROLLBACK');
      return 0;
    }
    if (owner === null || (jobId !== undefined && owner !== jobId)) {
      throw new ConsoleError(
        'ACTION_NOT_ALLOWED',
        `Schema ${schema} on ${handle.target.name} was not created by ${jobId ? `restore job ${jobId}` : 'a side-by-side restore'}, so the console will not drop it. Drop it yourself if you mean to.`,
        { target: schema },
      );
    }
    const present = tables.filter((t) => found.rows[0]!.tables.includes(t));
    await dropRestricted(client, handle.target.name, schema, present);
    await client.query('COMMIT');
    return present.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function dropRestricted(client: pg.PoolClient, database: string, schema: string, tables: readonly string[]): Promise<void> {
  try {
    if (tables.length) await client.query(`DROP TABLE ${tables.map((t) => tableRef(schema, t)).join(', ')} RESTRICT`);
    await client.query(`DROP SCHEMA ${quoteIdent(schema)} RESTRICT`);
  } catch (error) {
    if ((error as { code?: string }).code !== '2BP01') throw error;
    const detail = (error as { detail?: string }).detail ?? (error as Error).message;
    throw new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `Schema ${schema} on ${database} holds or feeds objects its restore did not create, so the console drops nothing of it: ${detail.replace(/\n/g, '; ')}. Move or drop those first, then drop the schema again.`,
      { target: schema, details: { dependents: detail.split('\n') } },
    );
  }
}
