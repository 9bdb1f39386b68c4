import type { clusterMethods } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import { addShard } from '../add-shard/add-shard.ts';
import { catalogTables } from '../catalog/catalog-tables.ts';
import { clusterOverview } from './cluster-overview.ts';
import { consoleSessionInfo } from './session-info.ts';

export function clusterHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof clusterMethods> {
  return {
    'session.info': async () => consoleSessionInfo(ctx, 'none'),
    'cluster.overview': async () => clusterOverview(ctx),
    'catalog.tables': async (params) => catalogTables(ctx, params.database),
    'cluster.addShard': async (params) => addShard(ctx, params),
  };
}
