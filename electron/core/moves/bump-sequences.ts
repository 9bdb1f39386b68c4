import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import type { ScopedTable } from './tenant-scope.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { SEQUENCE_BLOCK } from '../migrations/sequence-blocks.ts';

/**
 * Moves the target's sequences past every copied id, so the next insert there cannot reuse one.
 * Only ever raises a sequence, so it is safe to run twice: a sequence already past the ids is not set
 * at all (setting it back to the value just read would undo another session's nextval in between, and
 * hand that id out twice), nor is one whose next value is still unused at the highest id.
 * Only the ids of the sequence's own block count (each database hands out ids from a block of its own,
 * migrations/sequence-blocks.ts): a website that came from another database brings ids of that one's
 * block, which this sequence reaches only after a whole block of its own; raised to them, it would hand
 * out the other database's next ids.
 */
export async function bumpSequences(target: DatabaseHandle, tables: readonly ScopedTable[]): Promise<Array<{ sequence: string; value: string }>> {
  const bumped: Array<{ sequence: string; value: string }> = [];
  for (const t of tables) {
    // The sequences a column owns (serial, identity), and those its default draws from without owning
    // them (`DEFAULT nextval('shared_seq')`, one sequence for several tables, a hand-written schema).
    const owned = await target.query<{ column: string; sequence: string; type: string }>(
      `SELECT a.attname AS column, s.oid::regclass::text AS sequence, format_type(q.seqtypid, NULL) AS type
         FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_sequence q ON q.seqrelid = s.oid
         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.refobjid = $1::regclass AND d.deptype IN ('a', 'i') AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype)
       UNION
       SELECT a.attname, s.oid::regclass::text, format_type(q.seqtypid, NULL)
         FROM pg_attrdef ad
         JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
         JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
         JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S' JOIN pg_sequence q ON q.seqrelid = s.oid
        WHERE ad.adrelid = $1::regclass AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype)`,
      [tableRef(t.table.schema, t.table.table)],
    );
    for (const { column, sequence, type } of owned.rows) {
      const id = quoteIdent(column);
      // The block the sequence is in: [floor(last / size) * size, that + size), in numeric (no overflow at the top).
      const r = await target.query<{ value: string | null }>(
        `SELECT setval($1::regclass, m.max_id, true)::text AS value
           FROM (SELECT last_value, is_called, floor(last_value / $2::numeric) * $2::numeric AS block FROM ${sequence}) s,
                LATERAL (SELECT max(${id})::int8 AS max_id FROM ${tableRef(t.table.schema, t.table.table)}
                          WHERE ${id} >= s.block AND ${id} < s.block + $2::numeric) m
          WHERE m.max_id > s.last_value OR (m.max_id = s.last_value AND NOT s.is_called)`,
        [sequence, (SEQUENCE_BLOCK[type] ?? SEQUENCE_BLOCK.bigint!).toString()],
      );
      if (r.rows[0]?.value) bumped.push({ sequence, value: r.rows[0].value });
    }
  }
  return bumped;
}
