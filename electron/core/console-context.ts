import type { ResolvedProfile } from './config/profile-schema.ts';
import { ClusterPools } from './pools/cluster-pools.ts';
import { CatalogService } from './catalog/catalog-service.ts';

/** Everything a handler needs: the profile, its pools and the shared catalog. One per open cluster. */
export interface ConsoleContext {
  readonly profile: ResolvedProfile;
  readonly pools: ClusterPools;
  readonly catalog: CatalogService;
  readonly version: string;
  close(): Promise<void>;
}

export const CONSOLE_VERSION = '0.1.0';

export function openConsole(profile: ResolvedProfile, options: { onBackgroundError?: (database: string, error: Error) => void } = {}): ConsoleContext {
  const pools = new ClusterPools(profile, {
    applicationName: 'shard-console',
    onBackgroundError: options.onBackgroundError ?? (() => {}),
  });
  const catalog = new CatalogService(pools);
  return Object.freeze({
    profile,
    pools,
    catalog,
    version: CONSOLE_VERSION,
    close: () => pools.close(),
  });
}
