import { useQuery } from './hooks.ts';

/* One hook per shard-page and doctor method, over the shared query cache. */

export const useShardSizes = (database?: string) => useQuery('shards.sizes', database === undefined ? {} : { database });
export const useLargestTenants = (database: string | undefined, limit = 20) =>
  useQuery('shards.largestTenants', database === undefined ? { limit } : { database, limit });
/** One website's exact footprint on `database` (the shard page's own, wherever the website routes). */
export const useExactFootprint = (id: number, database: string, enabled: boolean) =>
  useQuery('shards.tenantFootprint', { id, figure: 'exact', database }, { enabled });
export const useDoctor = () => useQuery('doctor.run', {});
