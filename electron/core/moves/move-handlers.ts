import type { moveMethods } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import {
  cancelMove,
  createMove,
  moveJobsView,
  moveJobView,
  previewMove,
  rollbackMoveInBackground,
  runMoveInBackground,
  runnableJob,
  verifyPlacement,
} from './move-service.ts';

export function moveHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof moveMethods> {
  return {
    'moves.preflight': async (p) => previewMove(ctx, p.websiteId, p.target, { source: p.source, viewRefresh: p.viewRefresh }),
    'moves.start': async (p, call) => {
      const job = await createMove(ctx, p.websiteId, p.target, { source: p.source, viewRefresh: p.viewRefresh });
      runMoveInBackground(ctx, job, call.caller);
      return moveJobView(ctx, job.id);
    },
    'moves.list': async (p) => ({ jobs: await moveJobsView(ctx, p.websiteId === undefined ? { limit: p.limit } : { websiteId: p.websiteId, limit: p.limit }) }),
    'moves.get': async (p) => moveJobView(ctx, p.jobId),
    'moves.resume': async (p, call) => {
      runMoveInBackground(ctx, await runnableJob(ctx, p.jobId), call.caller);
      return moveJobView(ctx, p.jobId);
    },
    'moves.rollback': async (p, call) => {
      await rollbackMoveInBackground(ctx, p.jobId, call.caller);
      return moveJobView(ctx, p.jobId);
    },
    'moves.cancel': async (p) => {
      await cancelMove(ctx, p.jobId);
      return moveJobView(ctx, p.jobId);
    },
    'moves.verifyPlacement': async (p) => verifyPlacement(ctx, p.websiteId),
  };
}
