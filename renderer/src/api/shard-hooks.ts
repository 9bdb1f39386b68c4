import { useQuery } from './hooks.ts';

/* One hook per shard-page and doctor method, over the shared query cache. */

export const useShardSizes = (database?: string) => useQuery('shards.sizes', database === undefined ? {} : { database });
export const useLargestTenants = (database: string | undefined, limit = 20) =>
  useQuery('shards.largestTenants', database === undefined ? { limit } : { database, limit });
export const useExactFootprint = (id: number, enabled: boolean) => useQuery('shards.tenantFootprint', { id, figure: 'exact' }, { enabled });
export const useDoctor = () => useQuery('doctor.run', {});
