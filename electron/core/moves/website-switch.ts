import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { runQuery, runQueryFirst } from '../catalog/run-query.ts';
import { controlPlane, websiteShard } from '../tenants/pwb-websites.ts';
import { advanceStep } from './move-job-store.ts';

/* The website's routing on the primary (`pwb_websites.shard_name`), as a move reads and switches it. */

function routedTo(websiteId: number) {
  return controlPlane.selectFrom('pwb_websites').select(websiteShard.as('shard')).where('id', '=', websiteId);
}

/** Fails the move when something other than the move changed where the website routes. */
export async function assertRoutedTo(ctx: ConsoleContext, websiteId: number, shard: string): Promise<void> {
  const current = (await runQueryFirst(ctx.pools.primary(), routedTo(websiteId)))?.shard;
  if (current !== shard) {
    throw new ConsoleError(
      'MOVE_FAILED',
      `Website ${websiteId} now routes to "${current ?? '(deleted)'}", not "${shard}": ` +
        'something else changed its shard_name during the move. Roll the job back.',
      { target: String(websiteId) },
    );
  }
}

/**
 * The switch: compare-and-set of shard_name on the primary and the job's next step, in one
 * transaction on the job lock's session, so a crash leaves either both or neither.
 */
export async function switchShard(lock: pg.PoolClient, jobId: string, websiteId: number, source: string, target: string): Promise<void> {
  await lock.query('BEGIN');
  try {
    const compareAndSet = controlPlane
      .updateTable('pwb_websites')
      .set({ shard_name: target })
      .where('id', '=', websiteId)
      .where(websiteShard, '=', source)
      .returning('id');
    if ((await runQuery(lock, compareAndSet)).length !== 1) {
      const now = (await runQueryFirst(lock, routedTo(websiteId)))?.shard;
      if (now !== target) {
        throw new ConsoleError(
          'MOVE_FAILED',
          `The switch found website ${websiteId} routed to "${now}" instead of "${source}"; nothing was switched. Roll the job back.`,
          { target: String(websiteId) },
        );
      }
    }
    await advanceStep(lock, jobId, 'refresh');
    await lock.query('COMMIT');
  } catch (error) {
    await lock.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
