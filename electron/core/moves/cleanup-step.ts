import { ConsoleError } from '../../../shared/errors.ts';
import { deleteWebsiteRows } from './delete-website-rows.ts';
import { markRefreshed } from './move-job-store.ts';
import { currentJob, type MoveRun } from './move-run.ts';
import { refreshMaterializedViews } from './refresh-views.ts';
import { currentShard } from './website-switch.ts';

/**
 * The cleanup step: the website's rows leave the source and the source's views are refreshed, while
 * the target's views finish refreshing; the step ends when both have. The source's views refresh once
 * its rows are gone (or they would keep listing the moved website), whether or not the target's have
 * finished: the two databases do not wait on each other.
 */
export async function cleanupStep(run: MoveRun): Promise<void> {
  const started = performance.now();
  run.targetViews.startUnlessRecorded(await currentJob(run));
  const targetViews = run.targetViews.take();
  let targetViewsSettled = false;
  targetViews.then(
    () => (targetViewsSettled = true),
    () => (targetViewsSettled = true),
  );
  const [sourceSide, refreshed] = await Promise.allSettled([clearSource(run, () => targetViewsSettled, started), targetViews]);
  if (refreshed.status === 'fulfilled' && refreshed.value.length) await markRefreshed(run.lock, run.job.id, run.job.target);
  if (sourceSide.status === 'rejected') throw sourceSide.reason;
  if (refreshed.status === 'rejected') throw refreshed.reason;
}

/** Removes the website's rows from the source (under its fence), then refreshes the source's views. */
async function clearSource(run: MoveRun, targetViewsSettled: () => boolean, started: number): Promise<void> {
  const { id: jobId, source, target } = run.job;
  await assertServedFromTarget(run);
  await deleteWebsiteRows(run.source, run.sourceCatalog, run.tables, run.job.website_id, {
    fenced: true,
    // One table at a time while the target's views are still refreshing: the cleanup waits for that
    // refresh anyway (one session, the move's longest single step), so more sessions here would only
    // load the source and, where servers share cores, slow the refresh down.
    parallel: () => (targetViewsSettled() ? 3 : 1),
    onDeleted: (table, n) => run.listener({ jobId, step: 'cleanup', message: `${table}: ${n} rows removed from ${source}` }),
  });
  run.timings['cleanup.rows'] = Math.round(performance.now() - started);
  const viewsStarted = performance.now();
  if ((await refreshMaterializedViews(run.source, run.sourceCatalog, run.viewRefresh)).length) await markRefreshed(run.lock, jobId, source);
  run.timings['cleanup.views'] = Math.round(performance.now() - viewsStarted);
  if (!targetViewsSettled()) {
    const message = `waiting for the materialized views of ${target} to finish refreshing (the website is served from ${target} already)`;
    run.listener({ jobId, step: 'cleanup', message });
  }
}

/**
 * The one destructive step removes the source's rows only while the website routes to the target, as
 * the switch left it: with its shard_name set back by hand (or by a tool that ignores the fence) the
 * source's rows are the ones it is served from again.
 */
async function assertServedFromTarget(run: MoveRun): Promise<void> {
  const { website_id: websiteId, source, target } = run.job;
  const now = await currentShard(run.ctx, websiteId);
  if (now === target) return;
  throw new ConsoleError(
    'MOVE_FAILED',
    `Website ${websiteId} now routes to "${now ?? '(no pwb_websites row)'}", not "${target}" where the move switched it: something changed its shard_name since, and removing its rows from ${source} could take away what it is served from. Nothing was removed. Set its shard_name back to "${target}" and resume the move; or, to keep it on ${source}, remove its rows from ${target} yourself.`,
    { target: String(websiteId) },
  );
}
