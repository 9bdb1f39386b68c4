import type pg from 'pg';
import type { MoveStep } from '../../../shared/methods/move-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { SHARD_SQL } from '../tenants/website-routing.ts';
import { bumpSequences } from './bump-sequences.ts';
import { copyTenant, type CopyProgress } from './copy-tenant.ts';
import { deleteWebsiteRows } from './delete-website-rows.ts';
import { failpoint } from './move-failpoints.ts';
import { preflightMove } from './move-preflight.ts';
import { getJob, jobLockKey, recordStep, STEPS, stepIndex, updateJob, type StoredJob } from './move-job-store.ts';
import { materializedViewSources, refreshMaterializedViews } from './refresh-views.ts';
import { scopedTables } from './tenant-scope.ts';
import { verifyTenant } from './verify-tenant.ts';
import { installFence, liftFence } from './write-fence.ts';
import { currentSignal, stopIfRequested } from '../call-context.ts';
import type { RunningJob } from '../jobs/job-registry.ts';

export interface MoveListener {
  (event: { jobId: string; step: MoveStep; progress?: CopyProgress; message?: string }): void;
}

/**
 * A move's events as job progress: during the copy, rows copied of all tables against the plan's total;
 * otherwise the step reached of the steps there are.
 */
export function moveProgressReporter(job: RunningJob, stored: Pick<StoredJob, 'plan'>): MoveListener {
  const copied = new Map<string, number>();
  const total = stored.plan?.totalRows ?? null;
  return (event) => {
    if (event.progress) {
      copied.set(event.progress.table, event.progress.copiedRows);
      const done = [...copied.values()].reduce((a, b) => a + b, 0);
      job.progress({ phase: 'copy', done, total, unit: 'rows', message: `copy ${event.progress.table}: ${event.progress.copiedRows}/${event.progress.totalRows} rows` });
      return;
    }
    job.progress({ phase: event.step, done: stepIndex(event.step), total: STEPS.length - 1, unit: 'steps', ...(event.message ? { message: event.message } : {}) });
  };
}

/** The job's lock on a dedicated primary session: held for the whole run, gone if the process dies. */
export async function withJobLock<T>(ctx: ConsoleContext, jobId: string, run: (lock: pg.PoolClient) => Promise<T>): Promise<T> {
  const lock = await ctx.pools.primary().pool.connect();
  try {
    const got = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int8) AS ok', [jobLockKey(jobId)]);
    if (!got.rows[0]!.ok) throw new ConsoleError('JOB_BUSY', `Move job ${jobId} is being run by another console right now. Watch it with: shard-console moves.`, { target: jobId });
    try {
      return await run(lock);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1::int8)', [jobLockKey(jobId)]).catch(() => {});
    }
  } finally {
    lock.release();
  }
}

/**
 * Runs a move job from the step it is at to the end. Each step is recorded before it runs and is safe
 * to run again, so a job interrupted anywhere (a crash, a kill, an unreachable database) resumes here.
 */
export async function runSteps(ctx: ConsoleContext, lock: pg.PoolClient, jobId: string, listener: MoveListener = () => {}, until: MoveStep = 'done'): Promise<StoredJob> {
  let job = await getJob(ctx.pools.primary(), jobId);
  if (job.state === 'succeeded' || job.state === 'rolled_back' || job.state === 'cancelled') return job;
  const source = ctx.pools.get(job.source);
  const target = ctx.pools.get(job.target);
  const timings: Record<string, number> = { ...job.timings };
  const views: { target: Promise<string[]> | null } = { target: null };
  let at: MoveStep = job.step;
  try {
    const [sourceCatalog, targetCatalog] = await Promise.all([ctx.catalog.get(job.source, { refresh: true }), ctx.catalog.get(job.target, { refresh: true })]);
    const tables = scopedTables(sourceCatalog);
    const targetTables = scopedTables(targetCatalog);
    const website = job.website_id;
    const viewRefresh = job.plan?.viewRefresh ?? 'concurrently';
    // The target's views start refreshing during the copy, once every table they read has been copied;
    // the switch does not wait for them (the website's writes would, behind the fence), the cleanup does.
    const refreshTarget = () => {
      const t0 = performance.now();
      const refreshing = refreshMaterializedViews(target, targetCatalog, viewRefresh).then((names) => {
        timings['refresh.target'] = Math.round(performance.now() - t0);
        return names;
      });
      refreshing.catch(() => {}); // awaited (and its error reported) by the cleanup, or settled on failure
      return refreshing;
    };
    // From the refresh step on: the one started during the copy, or (a job resumed by this process, whose
    // views no earlier run finished) a new one.
    const refreshTargetUnlessDone = (stored: StoredJob) => {
      if (!stored.refreshed_at[stored.target]) views.target ??= refreshTarget();
    };
    for (let i = stepIndex(job.step); i <= stepIndex(until); i++) {
      const step = STEPS[i]!;
      at = step;
      // A safe point: the step before is recorded and whole, this one has not started.
      stopIfRequested();
      failpoint(`before:${step}`);
      await recordStep(lock, jobId, step);
      listener({ jobId, step });
      const started = performance.now();
      switch (step) {
        case 'preflight': {
          const { result } = await preflightMove(ctx, website, job.target);
          if (!result.ok) throw new ConsoleError('MOVE_REFUSED', result.refusals.map((r) => r.message).join(' '), { target: String(website) });
          await updateJob(lock, jobId, { plan: result.plan });
          break;
        }
        case 'fence':
          await assertRoutedTo(ctx, website, job.source);
          await installFence(source, sourceCatalog, tables, website, jobId);
          break;
        case 'copy': {
          await assertRoutedTo(ctx, website, job.source);
          // A rerun after a crash mid-copy: whatever an earlier attempt left on the target is this job's, so clear it first.
          await deleteWebsiteRows(target, targetCatalog, targetTables, website);
          const xids: string[] = [];
          const copied: StoredJob['copied'] = {};
          const progress = new Map<string, CopyProgress>((job.plan?.tables ?? []).map((t) => [t.table, { table: t.table, copiedRows: 0, totalRows: t.rows, done: false }]));
          await updateJob(lock, jobId, { copy_xids: [], copied: {}, progress: [...progress.values()] });
          let lastSaved = 0;
          // The tables the target's materialized views read copy first once ready; when all of them are
          // in, the views' refresh starts while the other tables copy (the cleanup waits for it).
          const viewSources = await materializedViewSources(target);
          const feedsViews = new Set(targetTables.filter((t) => viewSources.has(`${t.table.schema}.${t.table.table}`)).map((t) => t.name));
          const waitingFor = new Set(feedsViews);
          const refreshWhenReady = () => {
            if (views.target === null && viewSources.size > 0 && waitingFor.size === 0) views.target = refreshTarget();
          };
          // One session records progress and xids for tables copying in parallel: queue the writes.
          let saving: Promise<void> = Promise.resolve();
          const save = (fields: Parameters<typeof updateJob>[2]) => (saving = saving.catch(() => {}).then(() => updateJob(lock, jobId, fields)));
          const copying = copyTenant(source, target, {
            // Leave a connection of each pool free: the job lock and the snapshot holder use two, and a
            // console polling the job (or serving other pages) needs one. A larger pool.max copies wider.
            parallel: Math.min(4, Math.max(1, ctx.profile.pool.max - 3)),
            websiteId: website,
            tables,
            sourceCatalog,
            targetCatalog,
            plannedRows: new Map((job.plan?.tables ?? []).map((t) => [t.table, t])),
            onTargetXid: async (xid) => {
              xids.push(xid);
              await save({ copy_xids: [...xids] });
            },
            first: feedsViews,
            onTableCopied: async (table, result) => {
              copied[table] = result;
              await save({ copied: { ...copied } });
              waitingFor.delete(table);
              refreshWhenReady();
            },
            onProgress: (p) => {
              progress.set(p.table, p);
              listener({ jobId, step, progress: p });
              const now = Date.now();
              if (p.done || now - lastSaved > 1000) {
                lastSaved = now;
                void save({ progress: [...progress.values()] }).catch(() => {});
              }
            },
          });
          await copying;
          await saving.catch(() => {});
          await updateJob(lock, jobId, { progress: [...progress.values()] });
          break;
        }
        case 'sequences':
          await bumpSequences(target, targetTables);
          break;
        case 'verify': {
          job = await getJob(ctx.pools.primary(), jobId);
          const t0 = performance.now();
          const report = await verifyTenant({ source, target, sourceCatalog, targetCatalog, tables, targetTables, websiteId: website, copyXids: job.copy_xids, copied: job.copied });
          timings['verify.hashes'] = Math.round(performance.now() - t0);
          await updateJob(lock, jobId, { verification: report.tables });
          const bad = report.tables.filter((t) => !t.ok);
          if (bad.length || report.foreignWrites.length) {
            const parts = [
              ...bad.map((t) => `${t.table}: ${t.sourceRows} rows on ${job.source}, ${t.targetRows} on ${job.target}${t.firstDifferences.length ? `, first differences ${t.firstDifferences.join(', ')}` : ''}`),
              ...report.foreignWrites.map((w) => `${w.table}: the copy wrote ${w.rows} row(s) that are not website ${website}'s`),
            ];
            throw new ConsoleError('VERIFY_FAILED', `Verification failed, so the move stopped before the switch: ${parts.join('; ')}. Roll the job back (shard-console move rollback ${jobId}) and investigate.`, { target: jobId });
          }
          break;
        }
        case 'switch':
          await switchShard(lock, jobId, website, job.source, job.target);
          break;
        case 'refresh': {
          // The target serves the website from now on: its views must list it. They have been refreshing
          // since the copy (a resumed job: from here, or from the cleanup), and finish beside the cleanup,
          // which runs on the other database; until they do, the website's rows are missing from them,
          // as PWB's own views lag its writes until its refresh after them.
          job = await getJob(ctx.pools.primary(), jobId);
          refreshTargetUnlessDone(job);
          break;
        }
        case 'cleanup': {
          job = await getJob(ctx.pools.primary(), jobId);
          refreshTargetUnlessDone(job);
          const targetViews = views.target ?? Promise.resolve([]);
          let viewsSettled = false;
          targetViews.then(() => (viewsSettled = true), () => (viewsSettled = true));
          // The source's views refresh once its rows are gone (or they would keep listing the moved
          // website), whether or not the target's have finished: the two databases do not wait on each other.
          const [sourceSide, refreshed] = await Promise.allSettled([
            deleteWebsiteRows(source, sourceCatalog, tables, website, {
              fenced: true,
              // One table at a time while the target's views are still refreshing: the cleanup waits for
              // that refresh anyway (one session, the move's longest single step), so more sessions here
              // would only load the source and, where servers share cores, slow the refresh down.
              parallel: () => (viewsSettled ? 3 : 1),
              onDeleted: (table, n) => listener({ jobId, step, message: `${table}: ${n} rows removed from ${job.source}` }),
            }).then(async () => {
              timings['cleanup.rows'] = Math.round(performance.now() - started);
              const t0 = performance.now();
              if ((await refreshMaterializedViews(source, sourceCatalog, viewRefresh)).length) await markRefreshed(lock, jobId, job.source);
              timings['cleanup.views'] = Math.round(performance.now() - t0);
              if (!viewsSettled) listener({ jobId, step, message: `waiting for the materialized views of ${job.target} to finish refreshing (the website is served from ${job.target} already)` });
            }),
            targetViews,
          ]);
          views.target = null;
          if (refreshed.status === 'fulfilled' && refreshed.value.length) await markRefreshed(lock, jobId, job.target);
          if (sourceSide.status === 'rejected') throw sourceSide.reason;
          if (refreshed.status === 'rejected') throw refreshed.reason;
          break;
        }
        case 'unfence':
          await liftFence(source, tables, website);
          break;
        case 'done':
          await updateJob(lock, jobId, { state: 'succeeded', finished: true });
          break;
      }
      timings[step] = Math.round(performance.now() - started);
      await updateJob(lock, jobId, { timings });
      failpoint(`after:${step}`);
    }
    // Stopped before the cleanup (`until`): a refresh still running holds a target session; let it end.
    if (views.target && (await views.target.catch(() => [])).length) await markRefreshed(lock, jobId, job.target);
    return await getJob(ctx.pools.primary(), jobId);
  } catch (error) {
    // Whatever failed, a refresh still running ends first: it holds a target session, and a rollback
    // refreshes the views again after taking the copied rows out.
    await views.target?.catch(() => {});
    const stop = currentSignal();
    if (stop?.aborted) {
      // Stopped on request: the job stays `running` with no console holding it, which is what an
      // interrupted job looks like, so it resumes (or rolls back) from the step it was at.
      const reason = stop.reason instanceof ConsoleError ? stop.reason.message : 'Stopped on request.';
      await updateJob(lock, jobId, { error: `${reason} It stopped during the ${at} step: resume or roll it back.`, timings }).catch(() => {});
      throw stop.reason instanceof ConsoleError ? stop.reason : new ConsoleError('CANCELLED', reason, { target: jobId });
    }
    const message = error instanceof Error ? error.message : String(error);
    await updateJob(lock, jobId, { state: 'failed', error: message, timings }).catch(() => {});
    throw error instanceof ConsoleError ? error : new ConsoleError('MOVE_FAILED', `Move job ${jobId} failed: ${message}. Resume it (shard-console move resume ${jobId}) or roll it back.`, { target: jobId, cause: error });
  }
}

async function markRefreshed(lock: pg.PoolClient, jobId: string, database: string): Promise<void> {
  await lock.query(`UPDATE shard_console.move_jobs SET refreshed_at = refreshed_at || jsonb_build_object($2::text, now()) WHERE id = $1`, [jobId, database]);
}

async function assertRoutedTo(ctx: ConsoleContext, websiteId: number, shard: string): Promise<void> {
  const r = await ctx.pools.primary().query<{ shard: string }>(`SELECT ${SHARD_SQL} AS shard FROM pwb_websites WHERE id = $1`, [websiteId]);
  const current = r.rows[0]?.shard;
  if (current !== shard) {
    throw new ConsoleError('MOVE_FAILED', `Website ${websiteId} now routes to "${current ?? '(deleted)'}", not "${shard}": something else changed its shard_name during the move. Roll the job back.`, {
      target: String(websiteId),
    });
  }
}

/**
 * The switch: compare-and-set of shard_name on the primary and the job's next step, in one
 * transaction, so a crash leaves either both or neither.
 */
async function switchShard(lock: pg.PoolClient, jobId: string, websiteId: number, source: string, target: string): Promise<void> {
  await lock.query('BEGIN');
  try {
    const r = await lock.query(`UPDATE pwb_websites SET shard_name = $3 WHERE id = $1 AND ${SHARD_SQL} = $2`, [websiteId, source, target]);
    if (r.rowCount !== 1) {
      const now = await lock.query<{ shard: string }>(`SELECT ${SHARD_SQL} AS shard FROM pwb_websites WHERE id = $1`, [websiteId]);
      if (now.rows[0]?.shard !== target) {
        throw new ConsoleError('MOVE_FAILED', `The switch found website ${websiteId} routed to "${now.rows[0]?.shard}" instead of "${source}"; nothing was switched. Roll the job back.`, {
          target: String(websiteId),
        });
      }
    }
    await lock.query(`UPDATE shard_console.move_jobs SET step = 'refresh', updated_at = now() WHERE id = $1`, [jobId]);
    await lock.query('COMMIT');
  } catch (error) {
    await lock.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
