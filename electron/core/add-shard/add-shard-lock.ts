import { ConsoleError } from '../../../shared/errors.ts';
import { describeAdvisoryLockHolder } from '../catalog/advisory-lock-holder.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { databaseError } from '../pools/database-error.ts';
import { clientFor } from './ensure-shard-database.ts';

/**
 * One shard added at a time, across every console of the cluster: a session advisory lock on the
 * primary, which they all share. Two consoles adding shards at once would each count the databases
 * they know, give their new shards the same block of ids, and each rewrite the profile file from what
 * it read (one registration lost). The lock dies with the session, so a console that dies frees it.
 */
export const ADD_SHARD_LOCK_KEY = 7_318_820_411_050_002n;

/** Runs `work` holding the lock; LOCKED, with who holds it, when another console is adding a shard. */
export async function withAddShardLock<T>(primary: DatabaseHandle, name: string, work: () => Promise<T>): Promise<T> {
  // A connection of its own, not the pool's: a pool of one would have nothing left for the adding.
  const lock = clientFor(primary.target, primary.target.database);
  try {
    await lock.connect();
  } catch (error) {
    await lock.end().catch(() => {});
    throw databaseError(primary.target, error);
  }
  try {
    const got = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int8) AS ok', [ADD_SHARD_LOCK_KEY.toString()]);
    if (!got.rows[0]!.ok) {
      const holder = await describeAdvisoryLockHolder(lock, ADD_SHARD_LOCK_KEY);
      throw new ConsoleError(
        'LOCKED',
        `Another console is adding a shard to this cluster right now${holder ? ` (${holder})` : ''}. Nothing was created for ${name}. Wait for it to finish, reopen the profile (it will list that shard), then add ${name} again.`,
        { target: name, details: holder ? { holder } : {} },
      );
    }
    try {
      return await work();
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1::int8)', [ADD_SHARD_LOCK_KEY.toString()]).catch(() => {});
    }
  } finally {
    await lock.end().catch(() => {});
  }
}
