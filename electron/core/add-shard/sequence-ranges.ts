import { ConsoleError } from '../../../shared/errors.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { introspectSequences, type SequenceInfo } from '../drift/introspect-sequences.ts';
import { rangeStart } from '../migrations/sequence-blocks.ts';

/*
 * Ids that never collide across databases. Every database hands out ids from its own sequences, so
 * a website moved onto a shard would bring ids the shard may hand out itself. A new shard's sequences
 * therefore start in a block of their own: block `slot` (the first above every other database's,
 * recorded on the shard: migrations/sequence-slots.ts) of a fixed size per type, or the first whole block above the highest id any other database
 * has used for that sequence, whichever is higher. Block sizes leave room for many shards in each type:
 * bigint 2^40 (~1.1e12 ids per database), integer 2^26 (~67M ids, 31 blocks below 2^31), smallint 2^9.
 * A database that existed (added again after its profile entry was lost, or one that already served)
 * never has a sequence set back: past its own ids and its sequence's last value, whatever the block.
 */
export { rangeStart, SEQUENCE_BLOCK } from '../migrations/sequence-blocks.ts';

/**
 * The highest value a sequence has handed out on one database, or reserved (a block set for a database
 * added before, whose first id is not taken yet: pg_sequences shows no last value until it is), or that
 * its column holds (ids copied in by moves).
 */
async function highestUsed(handle: DatabaseHandle, sequence: SequenceInfo): Promise<bigint> {
  let high = sequence.lastValue === null ? 0n : BigInt(sequence.lastValue);
  if (sequence.lastValue === null) {
    const reserved = await handle.query<{ last: string }>(`SELECT last_value::text AS last FROM ${tableRef(sequence.schema, sequence.sequence)}`);
    const start = reserved.rows[0]?.last;
    if (start !== undefined && /^-?\d+$/.test(start) && BigInt(start) > high) high = BigInt(start);
  }
  if (sequence.ownerSchema !== null && sequence.ownerTable !== null && sequence.ownerColumn !== null) {
    const table = sequence.ownerTable.includes('.') ? sequence.ownerTable.slice(sequence.ownerTable.indexOf('.') + 1) : sequence.ownerTable;
    const found = await handle.query<{ high: string | null }>(
      `SELECT max(${quoteIdent(sequence.ownerColumn)})::text AS high FROM ${tableRef(sequence.ownerSchema, table)}`,
    );
    const column = found.rows[0]?.high;
    if (column !== null && column !== undefined && /^-?\d+$/.test(column) && BigInt(column) > high) high = BigInt(column);
  }
  return high;
}

/** Moves every sequence of the new database to its own block; returns where each now starts. */
export async function assignSequenceRanges(
  shard: DatabaseHandle,
  others: readonly DatabaseHandle[],
  slot: number,
): Promise<Array<{ sequence: string; next: string }>> {
  const sequences = await introspectSequences(shard);
  const elsewhere = await Promise.all(
    others.map(async (handle) => ({ handle, sequences: new Map((await introspectSequences(handle)).map((s) => [s.name, s])) })),
  );
  const assigned: Array<{ sequence: string; next: string }> = [];
  for (const sequence of sequences) {
    let highest = 0n;
    for (const other of elsewhere) {
      const same = other.sequences.get(sequence.name);
      if (!same) continue;
      const used = await highestUsed(other.handle, same);
      if (used > highest) highest = used;
    }
    const ownHighest = await highestUsed(shard, sequence);
    const block = rangeStart(sequence.type, slot, highest);
    const start = block > ownHighest ? block : ownHighest + 1n;
    if (start > BigInt(sequence.maxValue)) {
      throw new ConsoleError(
        'DATABASE_ERROR',
        `Sequence ${sequence.name} (${sequence.type}) has no free block left for another database: it would start at ${start}, above its maximum ${sequence.maxValue}. Widen the column to bigint first.`,
        { target: shard.target.name },
      );
    }
    await shard.query('SELECT setval($1::regclass, $2::int8, false)', [tableRef(sequence.schema, sequence.sequence), start.toString()]);
    assigned.push({ sequence: sequence.name, next: start.toString() });
  }
  return assigned;
}
