import type { shardMethods } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import { largestTenants } from './largest-tenants.ts';
import { shardSizes } from './shard-sizes.ts';
import { tenantFootprint } from './tenant-footprint.ts';
import { runCallAsJob } from '../jobs/run-call-as-job.ts';

export function shardHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof shardMethods> {
  return {
    'shards.sizes': async (params, call) => {
      const title = `Size scan of ${params.database ?? 'every database'}`;
      return runCallAsJob(ctx, call, { kind: 'size-scan', title }, (job) => shardSizes(ctx, params.database, job));
    },
    'shards.largestTenants': async (params, call) => {
      const title = `Largest tenants of ${params.database ?? 'every database'}`;
      return runCallAsJob(ctx, call, { kind: 'size-scan', title }, (job) => largestTenants(ctx, params, job));
    },
    'shards.tenantFootprint': async (params) => tenantFootprint(ctx, params.id, params.figure, params.database),
  };
}
