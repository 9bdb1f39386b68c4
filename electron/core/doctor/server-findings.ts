import type { Finding } from '../../../shared/contract.ts';
import { formatCount } from '../../../shared/format.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import type { DatabaseHealth } from '../pools/cluster-pools.ts';
import { finding, fixLinks } from './doctor-finding.ts';

export function unreachableFindings(targets: readonly DatabaseTarget[], healths: readonly DatabaseHealth[]): Finding[] {
  return targets.flatMap((target, i) => {
    const health = healths[i]!;
    if (health.reachable) return [];
    return [
      finding(
        'unreachable-database',
        'error',
        { database: target.name },
        `${target.name} (${target.host}:${target.port}/${target.database}) is unreachable: ${health.error?.message ?? 'no answer'} ` +
          'Its websites cannot be served, and the doctor could not look for misplaced or orphaned rows on it.',
        `Start the server or fix the network, or correct host, port and database for ${target.name} in ${target.origin}; then run the doctor again.`,
      ),
    ];
  });
}

function majorVersion(version: string): string {
  return version.split(/[.\s]/)[0] ?? version;
}

/** Versions that differ from the primary's: a different major version is a warning (dump, COPY and planner differences), a minor one is info. */
export function versionFindings(targets: readonly DatabaseTarget[], healths: readonly DatabaseHealth[]): Finding[] {
  const primaryIndex = targets.findIndex((t) => t.role === 'primary');
  const reference = healths[primaryIndex]?.serverVersion ?? healths.find((h) => h.serverVersion)?.serverVersion;
  if (!reference) return [];
  const referenceName = targets[primaryIndex]?.name ?? 'the primary';
  return targets.flatMap((target, i) => {
    const version = healths[i]!.serverVersion;
    if (!version || version === reference) return [];
    const majorDiffers = majorVersion(version) !== majorVersion(reference);
    return [
      finding(
        'server-version-mismatch',
        majorDiffers ? 'warning' : 'info',
        { database: target.name },
        `${target.name} runs PostgreSQL ${version}, ${referenceName} runs ${reference}.`,
        majorDiffers
          ? `Upgrade ${target.name} (or the others) to the same major version: moves copy rows between them, and dumps and plans differ across major versions.`
          : `Apply the same minor release on every server at the next maintenance window.`,
      ),
    ];
  });
}

export function unknownShardFindings(counts: ReadonlyMap<string, number>, configured: ReadonlySet<string>): Finding[] {
  return [...counts]
    .filter(([shard]) => !configured.has(shard))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([shard, websites]) =>
      finding(
        'unknown-shard-name',
        'error',
        { database: null, table: 'pwb_websites', rows: websites },
        `${formatCount(websites)} website(s) have shard_name '${shard}', which no configured database carries ` +
          `(configured: ${[...configured].join(', ')}); they cannot be served.`,
        `Add a database for "${shard}" to the profile if it exists, ` +
          "or set those websites' shard_name to the database that holds their rows (the misplaced-rows findings say where).",
        fixLinks.routing(shard),
      ),
    );
}
