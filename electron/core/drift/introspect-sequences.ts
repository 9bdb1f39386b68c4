import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { CONSOLE_SCHEMA } from '../catalog/introspect-database.ts';
import { displayName } from '../catalog/sql-identifiers.ts';

/** A sequence and the column that owns it (serial and identity columns), for drift and for id ranges. */
export interface SequenceInfo {
  /** Display name: bare in `public`, schema-qualified elsewhere. */
  readonly name: string;
  readonly schema: string;
  readonly sequence: string;
  readonly type: string;
  readonly increment: string;
  readonly minValue: string;
  readonly maxValue: string;
  readonly cycle: boolean;
  /** Null until the first nextval (or without the privilege to read it). */
  readonly lastValue: string | null;
  /** Display name of the owning table, and its column, when a column owns the sequence. */
  readonly ownerTable: string | null;
  readonly ownerSchema: string | null;
  readonly ownerColumn: string | null;
}

const sequencesSql = `
SELECT s.schemaname AS schema, s.sequencename AS sequence, s.data_type::text AS type, s.increment_by::text AS increment,
       s.min_value::text AS min_value, s.max_value::text AS max_value, s.cycle, s.last_value::text AS last_value,
       dn.nspname AS owner_schema, dc.relname AS owner_table, a.attname AS owner_column
FROM pg_sequences s
JOIN pg_namespace n ON n.nspname = s.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class dc ON dc.oid = d.refobjid
LEFT JOIN pg_namespace dn ON dn.oid = dc.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema', '${CONSOLE_SCHEMA}')
ORDER BY s.schemaname, s.sequencename`;

export async function introspectSequences(handle: DatabaseHandle): Promise<SequenceInfo[]> {
  const result = await handle.query(sequencesSql);
  return result.rows.map((r) => ({
    name: displayName(r.schema, r.sequence),
    schema: r.schema,
    sequence: r.sequence,
    type: r.type,
    increment: r.increment,
    minValue: r.min_value,
    maxValue: r.max_value,
    cycle: r.cycle,
    lastValue: r.last_value,
    ownerTable: r.owner_table === null ? null : displayName(r.owner_schema, r.owner_table),
    ownerSchema: r.owner_schema,
    ownerColumn: r.owner_column,
  }));
}
