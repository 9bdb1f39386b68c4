import { sql } from 'kysely';
import { runQuery } from '../catalog/run-query.ts';
import { displayName } from '../catalog/sql-identifiers.ts';
import { NON_APPLICATION_SCHEMAS, systemCatalog } from '../catalog/system-catalog.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';

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
  /** Where a fix that creates it on a shard starts it: the shard's block of ids (migrations/sequence-blocks.ts). */
  readonly startWith?: string;
}

/** The oid of pg_class itself: pg_depend names the catalog an object lives in by it. */
const PG_CLASS = sql<number>`'pg_class'::regclass`;

function readSequences(handle: DatabaseHandle) {
  const query = systemCatalog
    .selectFrom('pg_catalog.pg_sequences as s')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.nspname', 's.schemaname')
    .innerJoin('pg_catalog.pg_class as c', (join) => join.onRef('c.relnamespace', '=', 'n.oid').onRef('c.relname', '=', 's.sequencename'))
    .leftJoin('pg_catalog.pg_depend as d', (join) =>
      join.on('d.classid', '=', PG_CLASS).onRef('d.objid', '=', 'c.oid').on('d.refclassid', '=', PG_CLASS).on('d.deptype', 'in', ['a', 'i']),
    )
    .leftJoin('pg_catalog.pg_class as dc', 'dc.oid', 'd.refobjid')
    .leftJoin('pg_catalog.pg_namespace as dn', 'dn.oid', 'dc.relnamespace')
    .leftJoin('pg_catalog.pg_attribute as a', (join) => join.onRef('a.attrelid', '=', 'd.refobjid').onRef('a.attnum', '=', 'd.refobjsubid'))
    .select((eb) => [
      's.schemaname as schema',
      's.sequencename as sequence',
      eb.cast<string>('s.data_type', 'text').as('type'),
      eb.cast<string>('s.increment_by', 'text').as('increment'),
      eb.cast<string>('s.min_value', 'text').as('min_value'),
      eb.cast<string>('s.max_value', 'text').as('max_value'),
      's.cycle',
      eb.cast<string | null>('s.last_value', 'text').as('last_value'),
      'dn.nspname as owner_schema',
      'dc.relname as owner_table',
      'a.attname as owner_column',
    ])
    .where('s.schemaname', 'not in', NON_APPLICATION_SCHEMAS)
    .orderBy('s.schemaname')
    .orderBy('s.sequencename');
  return runQuery(handle, query);
}

export async function introspectSequences(handle: DatabaseHandle): Promise<SequenceInfo[]> {
  const rows = await readSequences(handle);
  return rows.map((r) => ({
    name: displayName(r.schema, r.sequence),
    schema: r.schema,
    sequence: r.sequence,
    type: r.type,
    increment: r.increment,
    minValue: r.min_value,
    maxValue: r.max_value,
    cycle: r.cycle,
    lastValue: r.last_value,
    ownerTable: r.owner_table === null ? null : displayName(r.owner_schema!, r.owner_table),
    ownerSchema: r.owner_schema,
    ownerColumn: r.owner_column,
  }));
}
