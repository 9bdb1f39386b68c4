import type { moveMethods } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import { cancelMove, createMove, moveJobsView, moveJobView, previewMove, rollbackMove, runMoveInBackground, verifyPlacement } from './move-service.ts';
import { getJob, liveJobIds, validActions } from './move-job-store.ts';
import { ConsoleError } from '../../../shared/errors.ts';

export function moveHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof moveMethods> {
  return {
    'moves.preflight': async (p) => previewMove(ctx, p.websiteId, p.target, p.source),
    'moves.start': async (p) => {
      const job = await createMove(ctx, p.websiteId, p.target, p.source);
      runMoveInBackground(ctx, job.id);
      return moveJobView(ctx, job.id);
    },
    'moves.list': async (p) => ({ jobs: await moveJobsView(ctx, p.websiteId === undefined ? { limit: p.limit } : { websiteId: p.websiteId, limit: p.limit }) }),
    'moves.get': async (p) => moveJobView(ctx, p.jobId),
    'moves.resume': async (p) => {
      const job = await getJob(ctx.pools.primary(), p.jobId);
      const live = await liveJobIds(ctx.pools.primary(), [p.jobId]);
      if (!validActions(job, live.has(p.jobId)).includes('resume') && !validActions(job, live.has(p.jobId)).includes('run')) {
        throw new ConsoleError('ACTION_NOT_ALLOWED', `Move job ${p.jobId} is ${live.has(p.jobId) ? 'running' : job.state}; it cannot be resumed.`, { target: p.jobId });
      }
      runMoveInBackground(ctx, p.jobId);
      return moveJobView(ctx, p.jobId);
    },
    'moves.rollback': async (p) => {
      await rollbackMove(ctx, p.jobId);
      return moveJobView(ctx, p.jobId);
    },
    'moves.cancel': async (p) => {
      await cancelMove(ctx, p.jobId);
      return moveJobView(ctx, p.jobId);
    },
    'moves.verifyPlacement': async (p) => verifyPlacement(ctx, p.websiteId),
  };
}
