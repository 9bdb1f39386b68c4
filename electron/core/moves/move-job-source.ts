import type { Job, JobAction } from '../../../shared/methods/job-methods.ts';
import { MOVE_STEPS, type MoveJob } from '../../../shared/methods/move-methods.ts';
import { overallProgress } from '../jobs/overall-progress.ts';
import type { ConsoleContext } from '../console-context.ts';
import { jobHref, type JobSource } from '../jobs/jobs-view.ts';
import { MOVE_STEP_WEIGHTS } from './move-runner.ts';
import { moveJobsView, moveJobView } from './move-service.ts';

/** A move as the Jobs page lists it: its own state, with "running but no console holds it" read as interrupted. */
export function moveToJob(move: MoveJob, here: boolean): Job {
  // Running here is running, whatever the record says yet (it reads planned until the run's first step
  // is saved): a job listed as planned is never followed, and its row stayed planned until read again.
  const state = here && move.state === 'planned' ? 'running' : move.state === 'running' && !move.live ? 'interrupted' : move.state;
  const copied = move.progress.reduce((sum, p) => sum + p.copiedRows, 0);
  // The plan counted the rows when it was made: rows added since never show more done than the total.
  const total = move.plan ? Math.max(move.plan.totalRows, copied) : null;
  const copying = move.step === 'copy' || move.progress.length > 0;
  return {
    jobId: move.jobId,
    kind: 'move',
    title: `Move website ${move.websiteId} from ${move.source} to ${move.target}`,
    state,
    live: move.live || here,
    here,
    progress: copying
      ? {
          type: 'progress',
          jobId: move.jobId,
          kind: 'move',
          phase: move.step,
          done: copied,
          total,
          unit: 'rows',
          // Past the copy, its rows are all there and the bar is the whole move's, as the live one.
          overall: overallProgress(MOVE_STEPS, move.step, move.step === 'copy' && total ? copied / total : 0, MOVE_STEP_WEIGHTS),
        }
      : null,
    actions: here ? (['stop'] satisfies JobAction[]) : move.actions,
    startedBy: move.startedBy,
    createdAt: move.createdAt,
    updatedAt: move.updatedAt,
    finishedAt: move.finishedAt,
    error: move.error === null ? null : { code: move.state === 'failed' ? 'MOVE_FAILED' : 'CANCELLED', message: move.error },
    href: jobHref('move', move.jobId),
  };
}

/** Moves keep `shard_console.move_jobs`; the Jobs page reads them through this. */
export function moveJobSource(ctx: ConsoleContext): JobSource {
  const withProgress = (job: Job) => {
    const live = ctx.jobs.snapshot(job.jobId);
    return live?.state === 'running' && live.progress ? { ...job, progress: live.progress } : job;
  };
  return {
    kinds: ['move'],
    async list(limit) {
      return (await moveJobsView(ctx, { limit })).map((m) => withProgress(moveToJob(m, ctx.jobs.isRunning(m.jobId))));
    },
    async get(id) {
      const move = await moveJobView(ctx, id).catch((error: unknown) => {
        if ((error as { code?: string }).code === 'JOB_NOT_FOUND') return null;
        throw error;
      });
      return move ? withProgress(moveToJob(move, ctx.jobs.isRunning(id))) : null;
    },
  };
}
