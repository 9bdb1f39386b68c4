import type { restoreMethods } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import {
  discardRestore,
  dropSideSchema,
  previewRestore,
  restoreJobsView,
  restoreJobView,
  resumeRestore,
  rollbackRestore,
  startRestore,
} from './restore-service.ts';

export function restoreHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof restoreMethods> {
  return {
    'restores.preflight': async (p) => previewRestore(ctx, p),
    'restores.start': async (p, call) => startRestore(ctx, p, call.caller),
    'restores.list': async (p) => ({ jobs: await restoreJobsView(ctx, { websiteId: p.websiteId, limit: p.limit }) }),
    'restores.get': async (p) => restoreJobView(ctx, p.jobId),
    'restores.resume': async (p, call) => resumeRestore(ctx, p.jobId, call.caller),
    'restores.rollback': async (p, call) => rollbackRestore(ctx, p.jobId, call.caller, { discardChanges: p.discardChanges === true }),
    'restores.discard': async (p) => discardRestore(ctx, p.jobId),
    'restores.dropSchema': async (p) => dropSideSchema(ctx, p.schema, p.database),
  };
}
