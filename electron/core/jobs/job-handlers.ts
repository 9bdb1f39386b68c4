import type { jobMethods } from '../../../shared/contract.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import type { Job, JobKind } from '../../../shared/methods/job-methods.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import { moveJobSource } from '../moves/move-job-source.ts';
import { consoleTableExists } from '../console-schema/ensure-console-schema.ts';
import { memoryJobSource, recordJobSource, type JobSource } from './jobs-view.ts';

/** Every place jobs are recorded, for this console. */
export function jobSources(ctx: ConsoleContext): JobSource[] {
  return [moveJobSource(ctx), recordJobSource(() => ctx.pools.primary(), ctx.jobs), memoryJobSource(ctx.jobs, ['size-scan', 'backup'])];
}

/**
 * The job from whichever place records it. One place that cannot be read now (the primary down) does
 * not hide a job another holds (this console's backup verification, its size scan): its error is the
 * answer only when no place has the job.
 */
export async function findJob(ctx: ConsoleContext, jobId: string): Promise<Job> {
  let unreadable: unknown = null;
  for (const source of jobSources(ctx)) {
    try {
      const job = await source.get(jobId);
      if (job) return job;
    } catch (error) {
      if (error instanceof ConsoleError && error.code === 'JOB_NOT_FOUND') continue;
      unreadable ??= error;
    }
  }
  if (unreadable !== null) throw unreadable;
  throw new ConsoleError('JOB_NOT_FOUND', `No job ${jobId}. The Jobs page (or shard-console jobs) lists them.`, { target: jobId });
}

const toInfo = (error: unknown): ErrorInfo =>
  error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL', message: String((error as Error)?.message ?? error) };

/** Every place's jobs, newest first; a place that cannot be read is named beside the others' jobs (all unreadable: the error). */
async function listJobs(ctx: ConsoleContext, kind: JobKind | undefined, limit: number) {
  const sources = jobSources(ctx).filter((s) => kind === undefined || s.kinds.includes(kind));
  const lists = await Promise.allSettled(sources.map((s) => s.list(limit, kind)));
  const failures = lists.flatMap((l) => (l.status === 'rejected' ? [l.reason as unknown] : []));
  if (failures.length === lists.length && failures.length > 0) throw failures[0];
  const jobs = lists
    .flatMap((l) => (l.status === 'fulfilled' ? l.value : []))
    .filter((j) => kind === undefined || j.kind === kind)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, limit);
  const unreadable = [...new Map(failures.map((f) => toInfo(f)).map((info) => [`${info.code}:${info.message}`, info])).values()];
  return { jobs, store: await jobStore(ctx).catch(() => 'database' as const), unreadable } as const;
}

async function jobStore(ctx: ConsoleContext): Promise<'memory' | 'database' | 'none'> {
  if (ctx.profile.readOnly) return 'memory';
  const primary = ctx.pools.primary();
  return (await consoleTableExists(primary, 'jobs')) || (await consoleTableExists(primary, 'move_jobs')) ? 'database' : 'none';
}

export function jobHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof jobMethods> {
  return {
    'jobs.list': async (p) => listJobs(ctx, p.kind, p.limit),
    'jobs.get': async (p) => findJob(ctx, p.jobId),
    'jobs.watch': async (p, call) => {
      const unsubscribe = ctx.jobs.subscribe(p.jobId, (event) => call.emit(event));
      if (unsubscribe) {
        const current = ctx.jobs.snapshot(p.jobId)?.progress;
        if (current) call.emit(current);
        // Stopping the watch (a closed stream, Ctrl-C of a watcher) only stops watching: the job goes on.
        const stopped = new Promise<void>((resolve) => call.signal.addEventListener('abort', () => resolve(), { once: true }));
        await Promise.race([ctx.jobs.whenDone(p.jobId), stopped]).finally(unsubscribe);
      }
      return findJob(ctx, p.jobId);
    },
    'jobs.stop': async (p, call) => {
      if (!ctx.jobs.stop(p.jobId, call.caller)) {
        const job = await findJob(ctx, p.jobId);
        throw new ConsoleError(
          'ACTION_NOT_ALLOWED',
          `Job ${p.jobId} is not running in this console (${job.live ? 'another console runs it: stop it there' : job.state}).`,
          { target: p.jobId },
        );
      }
      await ctx.jobs.whenDone(p.jobId);
      return findJob(ctx, p.jobId);
    },
  };
}
