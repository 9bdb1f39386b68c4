import type { RestoreRequest } from '../../../shared/methods/restore-methods.ts';
import type { ConsoleContext } from '../console-context.ts';
import { unfinishedMoves } from '../moves/move-job-store.ts';
import { fencingJobs } from '../moves/write-fence.ts';
import { liveJobIds } from '../jobs/job-lock.ts';
import { listRestores, visibleState } from './restore-job-store.ts';
import { schemaJob } from './restore-marks.ts';
import type { Refusal } from './restore-tables.ts';

/**
 * Work in the restore's way: the side schema's name taken; an unfinished restore or move of the same
 * website (its rows are half somewhere: finish or undo that first); a fence on the website that some
 * other job holds.
 */
export async function busyRefusals(ctx: ConsoleContext, request: RestoreRequest, target: string, home: string = target): Promise<Refusal[]> {
  const handle = ctx.pools.get(target);
  if (request.mode === 'side-by-side') {
    const taken = await schemaJob(handle, request.intoSchema!);
    if (taken === undefined) return [];
    return [
      {
        code: 'SCHEMA_EXISTS',
        message: `${target} already has a schema named ${request.intoSchema}${taken ? ` (restore job ${taken} made it: shard-console restore drop-schema ${request.intoSchema} drops it)` : ''}. Pick another name.`,
      },
    ];
  }
  const refusals: Refusal[] = [];
  const primary = ctx.pools.primary();
  const restores = (await listRestores(primary, 500)).filter(
    ({ record, detail }) => detail.request.websiteId === request.websiteId && ['running', 'failed', 'interrupted'].includes(record.state),
  );
  const live = await liveJobIds(
    primary,
    restores.map((r) => r.record.id),
  );
  for (const { record } of restores) {
    const running = live.has(record.id) || ctx.jobs.isRunning(record.id);
    refusals.push({
      code: 'JOB_UNFINISHED',
      message: `Restore job ${record.id} of website ${request.websiteId} is ${visibleState(record, running)}. ${running ? 'Wait for it to finish' : `Resume it (shard-console restore resume ${record.id}) or roll it back (shard-console restore rollback ${record.id})`} first.`,
    });
  }
  for (const m of await unfinishedMoves(primary, request.websiteId)) {
    refusals.push({
      code: 'JOB_UNFINISHED',
      message: `Move job ${m.id} of website ${request.websiteId} is ${m.state}: its rows may be on two databases. Finish it (shard-console move resume ${m.id}) or roll it back first.`,
    });
  }
  // The fence goes on the website's own database (its shard_name's), which an empty place restores beside.
  for (const name of new Set([target, home]))
    for (const job of await fencingJobs(ctx.pools.get(name), request.websiteId))
      refusals.push({
        code: 'WEBSITE_FENCED',
        message: `Writes to website ${request.websiteId} on ${name} are fenced by job ${job}. Finish or roll back that job first.`,
      });
  return refusals;
}
