import type { migrationMethods } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import { migrationPlan } from './migration-plan.ts';
import { migrationRunSnapshot, startMigrationRun } from './migration-runs.ts';
import { migrationStatus } from './migration-status.ts';

export function migrationHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof migrationMethods> {
  return {
    'migrations.status': async () => migrationStatus(ctx),
    'migrations.plan': async (params) => migrationPlan(ctx, params),
    'migrations.up': async (params, call) => startMigrationRun(ctx, params, call.caller),
    'migrations.run': async (params) => migrationRunSnapshot(ctx, params.runId),
  };
}
