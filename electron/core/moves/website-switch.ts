import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { type Queryable, runQuery, runQueryFirst } from '../catalog/run-query.ts';
import { controlPlane, websiteShard } from '../tenants/pwb-websites.ts';
import { advanceStep } from './move-job-store.ts';

/* The website's routing on the primary (`pwb_websites.shard_name`), as a move reads and switches it. */

function routedTo(websiteId: number) {
  return controlPlane.selectFrom('pwb_websites').select(websiteShard.as('shard')).where('id', '=', websiteId);
}

/** Where the website routes now, read on the primary (undefined: no pwb_websites row). */
export async function currentShard(ctx: ConsoleContext, websiteId: number): Promise<string | undefined> {
  return (await runQueryFirst(ctx.pools.primary(), routedTo(websiteId)))?.shard;
}

/** Fails the move when something other than the move changed where the website routes. */
export async function assertRoutedTo(ctx: ConsoleContext, websiteId: number, shard: string): Promise<void> {
  const current = await currentShard(ctx, websiteId);
  if (current !== shard) {
    throw new ConsoleError(
      'MOVE_FAILED',
      `Website ${websiteId} now routes to "${current ?? '(deleted)'}", not "${shard}": something other than this move changed its shard_name. ` +
        `Set its shard_name back to "${shard}" (the database the move found it on), then resume the move or roll it back.`,
      { target: String(websiteId) },
    );
  }
}

/**
 * Compare-and-set of the website's shard_name on the caller's session (inside its transaction): from
 * `from` to `to`; a website already routed to `to` (a rerun after a crash) is left as it is. Returns where
 * the website routes afterwards: `to` when the switch holds, anything else when someone else moved it.
 */
export async function compareAndSetShard(session: Queryable, websiteId: number, from: string, to: string): Promise<string | undefined> {
  if (from === to) return (await runQueryFirst(session, routedTo(websiteId)))?.shard;
  const compareAndSet = controlPlane
    .updateTable('pwb_websites')
    .set({ shard_name: to })
    .where('id', '=', websiteId)
    .where(websiteShard, '=', from)
    .returning('id');
  if ((await runQuery(session, compareAndSet)).length === 1) return to;
  return (await runQueryFirst(session, routedTo(websiteId)))?.shard;
}

/**
 * The switch: compare-and-set of shard_name on the primary and the job's next step, in one
 * transaction on the job lock's session, so a crash leaves either both or neither.
 */
export async function switchShard(lock: pg.PoolClient, jobId: string, websiteId: number, source: string, target: string): Promise<void> {
  await lock.query('BEGIN');
  try {
    const now = await compareAndSetShard(lock, websiteId, source, target);
    if (now !== target) {
      throw new ConsoleError(
        'MOVE_FAILED',
        `The switch found website ${websiteId} routed to "${now ?? '(deleted)'}" instead of "${source}" (changed outside this move); nothing was switched. Set its shard_name back to "${source}", then resume the move or roll it back.`,
        { target: String(websiteId) },
      );
    }
    await advanceStep(lock, jobId, 'refresh');
    await lock.query('COMMIT');
  } catch (error) {
    await lock.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
