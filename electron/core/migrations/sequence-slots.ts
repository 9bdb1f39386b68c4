import { ConsoleError } from '../../../shared/errors.ts';
import type { Queryable } from '../catalog/run-query.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';

/*
 * Which block of ids (sequence-blocks.ts) each database hands out new ids from: its slot. The primary's
 * is 0. A shard's is kept on the shard itself, in `shard_console.sequence_slot` (one row): `shard add`
 * records the slot it gives, and a migration run records one on a shard that has none yet (a shard
 * added before slots were kept, or one set up by hand). Read from there, a slot no longer depends on the
 * shard's place in the profile: reordering the shards, or removing one and adding another, used to give
 * two shards the same block, and the sequences migrations create later the same ids on both (moves
 * between them were then refused as collisions).
 */

const TABLE = 'shard_console.sequence_slot';

/**
 * The slot recorded on the database, or null where none is. One this role may not read is not known
 * either way: that is an error (a caller counts the database as not read), never "none recorded".
 */
export async function readStoredSlot(db: Queryable): Promise<number | null> {
  const found = await db.query<{ readable: boolean | null }>(
    `SELECT has_table_privilege(c.oid, 'SELECT') AS readable FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [TABLE],
  );
  if (found.rows.length === 0) return null;
  if (found.rows[0]!.readable !== true) {
    throw new ConsoleError('DATABASE_ERROR', `${TABLE} is there but this role may not read it: GRANT SELECT ON ${TABLE} to it, so its block of ids is known.`);
  }
  const row = (await db.query<{ slot: number }>(`SELECT slot FROM ${TABLE} LIMIT 1`)).rows[0];
  return row ? row.slot : null;
}

/**
 * Records the database's slot: `replace` (shard add, which decides it) over any recorded before, or
 * else only where none is (a migration run keeps the one recorded).
 */
export async function recordSlot(db: Queryable, slot: number, options: { replace: boolean }): Promise<void> {
  await db.query('CREATE SCHEMA IF NOT EXISTS shard_console');
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (
       one boolean PRIMARY KEY DEFAULT true CHECK (one),
       slot integer NOT NULL CHECK (slot > 0),
       recorded_at timestamptz NOT NULL DEFAULT now())`,
  );
  const onConflict = options.replace ? 'DO UPDATE SET slot = EXCLUDED.slot, recorded_at = now()' : 'DO NOTHING';
  await db.query(`INSERT INTO ${TABLE} (slot) VALUES ($1) ON CONFLICT (one) ${onConflict}`, [slot]);
}

/**
 * Every database's slot: the primary 0; a shard its recorded one; a shard with none its place in the
 * profile (what `shard add` gave it before slots were kept), unless a recorded slot took that place,
 * then the first slot above every one known. `stored` holds what could be read (a database missing from
 * it could not be).
 */
export function resolveSlots(targets: readonly Pick<DatabaseTarget, 'name' | 'role'>[], stored: ReadonlyMap<string, number | null>): Map<string, number> {
  const taken = new Set<number>([0]);
  for (const slot of stored.values()) if (slot !== null) taken.add(slot);
  const slots = new Map<string, number>();
  targets.forEach((target, index) => {
    const own = stored.get(target.name) ?? null;
    if (target.role === 'primary') slots.set(target.name, 0);
    else if (own !== null) slots.set(target.name, own);
    else {
      const slot = taken.has(index) ? Math.max(...taken, targets.length - 1) + 1 : index;
      taken.add(slot);
      slots.set(target.name, slot);
    }
  });
  return slots;
}

/** The slot a new database gets: the first above every one the others use, and never below their count. */
export function nextSlot(others: ReadonlyMap<string, number>): number {
  return Math.max(others.size, Math.max(0, ...others.values()) + 1);
}
