import type { driftMethods } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import { schemaDrift } from './schema-drift.ts';
import { tenantIsolationLint } from './tenant-isolation-lint.ts';

export function driftHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof driftMethods> {
  return {
    'schema.drift': async () => schemaDrift(ctx),
    'schema.lint': async () => tenantIsolationLint(ctx),
  };
}
