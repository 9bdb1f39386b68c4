import type { shardMethods } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import { largestTenants } from './largest-tenants.ts';
import { shardSizes } from './shard-sizes.ts';
import { tenantFootprint } from './tenant-footprint.ts';

export function shardHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof shardMethods> {
  return {
    'shards.sizes': async (params) => shardSizes(ctx, params.database),
    'shards.largestTenants': async (params) => largestTenants(ctx, params),
    'shards.tenantFootprint': async (params) => tenantFootprint(ctx, params.id, params.figure),
  };
}
