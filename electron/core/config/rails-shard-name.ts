import { PRIMARY_SHARD_NAME } from './build-database-target.ts';

/**
 * The shard name PWB's `connects_to shards:` gives a database.yml config: `primary` -> `default`,
 * `tenant_shard_1` -> `shard_1`, `demo_shard` -> `demo`; anything else keeps its config name.
 */
export function railsShardName(configName: string): string {
  if (configName === 'primary') return PRIMARY_SHARD_NAME;
  const tenantShard = /^tenant_(shard_\w+)$/.exec(configName);
  if (tenantShard) return tenantShard[1] as string;
  const namedShard = /^(\w+)_shard$/.exec(configName);
  if (namedShard) return namedShard[1] as string;
  return configName;
}
