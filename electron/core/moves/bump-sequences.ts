import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import type { ScopedTable } from './tenant-scope.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';

/**
 * Moves the target's sequences past every copied id, so the next insert there cannot reuse one.
 * Only ever raises a sequence, so it is safe to run twice: a sequence already past the ids is not set
 * at all (setting it back to the value just read would undo another session's nextval in between, and
 * hand that id out twice), nor is one whose next value is still unused at the highest id.
 */
export async function bumpSequences(target: DatabaseHandle, tables: readonly ScopedTable[]): Promise<Array<{ sequence: string; value: string }>> {
  const bumped: Array<{ sequence: string; value: string }> = [];
  for (const t of tables) {
    // The sequences a column owns (serial, identity), and those its default draws from without owning
    // them (`DEFAULT nextval('shared_seq')`, one sequence for several tables, a hand-written schema).
    const owned = await target.query<{ column: string; sequence: string }>(
      `SELECT a.attname AS column, s.oid::regclass::text AS sequence
         FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.refobjid = $1::regclass AND d.deptype IN ('a', 'i') AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype)
       UNION
       SELECT a.attname, s.oid::regclass::text
         FROM pg_attrdef ad
         JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
         JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
         JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
        WHERE ad.adrelid = $1::regclass AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype)`,
      [tableRef(t.table.schema, t.table.table)],
    );
    for (const { column, sequence } of owned.rows) {
      const r = await target.query<{ value: string | null }>(
        `SELECT setval($1::regclass, m.max_id, true)::text AS value
           FROM (SELECT max(${quoteIdent(column)})::int8 AS max_id FROM ${tableRef(t.table.schema, t.table.table)}) m,
                (SELECT last_value, is_called FROM ${sequence}) s
          WHERE m.max_id > s.last_value OR (m.max_id = s.last_value AND NOT s.is_called)`,
        [sequence],
      );
      if (r.rows[0]?.value) bumped.push({ sequence, value: r.rows[0].value });
    }
  }
  return bumped;
}
