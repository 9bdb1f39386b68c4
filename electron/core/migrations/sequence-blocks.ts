import type pg from 'pg';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';

/*
 * Ids that never collide across databases: each database hands out a sequence's ids from a block of its
 * own, block `slot` (the primary 0; a shard the slot recorded on it, sequence-slots.ts) of a fixed size
 * per type. Adding a shard moves its sequences there
 * (add-shard/sequence-ranges.ts); a sequence a migration creates later gets its database's block the
 * same way, in the migration's own transaction, or a website moved between databases would bring ids
 * the target hands out itself (a move refuses those collisions, so every move of such a website would be
 * refused). Block sizes leave room for many shards in each type: bigint 2^40 (~1.1e12 ids per database),
 * integer 2^26 (~67M ids, 31 blocks below 2^31), smallint 2^9.
 */
export const SEQUENCE_BLOCK: Readonly<Record<string, bigint>> = Object.freeze({ bigint: 2n ** 40n, integer: 2n ** 26n, smallint: 2n ** 9n });

/** The first id of `slot`'s block, or of the first whole block above the highest id used elsewhere, whichever is higher. */
export function rangeStart(type: string, slot: number, highestElsewhere: bigint): bigint {
  const block = SEQUENCE_BLOCK[type] ?? SEQUENCE_BLOCK.bigint!;
  const aboveOthers = (highestElsewhere / block + 1n) * block;
  const own = BigInt(slot) * block;
  return own > aboveOthers ? own : aboveOthers;
}

/**
 * Where a sequence made anew on the database in `slot` starts: its block's first id, or null where
 * it stays at its own start (the primary, a descending sequence, a block past its bounds).
 */
export function newSequenceStart(s: { type: string; increment: string; minValue: string; maxValue: string }, slot: number): bigint | null {
  if (slot <= 0 || BigInt(s.increment) <= 0n) return null;
  const start = rangeStart(s.type, slot, 0n);
  return start > BigInt(s.maxValue) || start < BigInt(s.minValue) ? null : start;
}

/** The sequences of the database, by oid: a renamed or moved one is the same sequence, a dropped and re-made one is not. */
export async function sequenceOids(client: pg.ClientBase): Promise<Set<string>> {
  const r = await client.query<{ oid: string }>(`SELECT c.oid::text AS oid FROM pg_class c WHERE c.relkind = 'S'`);
  return new Set(r.rows.map((row) => row.oid));
}

/**
 * Inside a migration's transaction, on a shard (slot > 0): the sequences the migration created (new
 * oids: a table dropped and made again counts, a renamed sequence does not) start in the database's
 * block, past any id the migration itself wrote into the column that owns them or took from them. A
 * sequence whose block lies past its maximum (a smallint on a late shard) keeps where it is.
 */
export async function placeNewSequences(client: pg.ClientBase, before: ReadonlySet<string>, slot: number): Promise<void> {
  if (slot <= 0) return;
  const r = await client.query<{
    oid: string;
    schema: string;
    name: string;
    type: string;
    max: string;
    last: string | null;
    owner: string | null;
    column: string | null;
  }>(
    `SELECT c.oid::text AS oid, s.schemaname AS schema, s.sequencename AS name, s.data_type::text AS type, s.max_value::text AS max,
            s.last_value::text AS last, d.refobjid::regclass::text AS owner, a.attname AS column
       FROM pg_sequences s
       JOIN pg_namespace n ON n.nspname = s.schemaname
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
       LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
       LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid`,
  );
  for (const s of r.rows.filter((row) => !before.has(row.oid))) {
    let start = rangeStart(s.type, slot, 0n);
    // Never back: what it handed out already (the migration's own inserts) stays behind it.
    if (s.last !== null && BigInt(s.last) >= start) start = BigInt(s.last) + 1n;
    if (s.owner !== null && s.column !== null) {
      const high = (await client.query<{ high: string | null }>(`SELECT max(${quoteIdent(s.column)})::text AS high FROM ${s.owner}`)).rows[0]?.high;
      if (high && /^-?\d+$/.test(high) && BigInt(high) >= start) start = BigInt(high) + 1n;
    }
    if (start > BigInt(s.max)) continue;
    await client.query('SELECT setval($1::regclass, $2::int8, false)', [tableRef(s.schema, s.name), start.toString()]);
  }
}
