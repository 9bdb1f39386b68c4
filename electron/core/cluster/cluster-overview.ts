import type { DatabaseStatus, OverviewResult } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { ConsoleError } from '../../../shared/errors.ts';
import { websitesPerShard } from '../tenants/website-routing.ts';

/** Health and size of every database, queried in parallel, plus websites per shard from the primary. */
export async function clusterOverview(ctx: ConsoleContext): Promise<OverviewResult> {
  const targets = ctx.pools.targets;
  const primary = ctx.pools.primaryTarget();
  const [healths, routing] = await Promise.all([
    Promise.all(targets.map((t) => ctx.pools.health(t.name))),
    websitesPerShard(ctx).then(
      (counts) => ({ counts, error: null as ConsoleError | null }),
      (error: ConsoleError) => ({ counts: null, error }),
    ),
  ]);
  const configured = new Set(targets.map((t) => t.name));
  const databases: DatabaseStatus[] = targets.map((target, i) => {
    const health = healths[i]!;
    const error = health.error ?? (target.name === primary.name && routing.error && health.reachable ? routing.error : null);
    return {
      name: target.name,
      role: target.role,
      host: target.host,
      port: target.port,
      database: target.database,
      reachable: health.reachable,
      latencyMs: health.latencyMs,
      serverVersion: health.serverVersion,
      sizeBytes: health.sizeBytes,
      websites: routing.counts ? (routing.counts.get(target.name) ?? 0) : null,
      error: error ? error.toInfo() : null,
    };
  });
  const shards = routing.counts ? [...routing.counts].map(([shard, websites]) => ({ shard, websites, configured: configured.has(shard) })) : [];
  // A configured database no website routes to yet (a shard just added) is a shard with 0 websites, not absent.
  if (routing.counts) for (const name of configured) if (!routing.counts.has(name)) shards.push({ shard: name, websites: 0, configured: true });
  return {
    profile: ctx.profile.name,
    databases,
    shards: shards.sort((a, b) => a.shard.localeCompare(b.shard)),
    unknownShardNames: shards
      .filter((s) => !s.configured)
      .map((s) => s.shard)
      .sort(),
    totalWebsites: routing.counts ? [...routing.counts.values()].reduce((a, b) => a + b, 0) : null,
  };
}
