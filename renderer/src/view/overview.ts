import type { DatabaseStatus, OverviewResult } from '../../../shared/contract.ts';
import { formatBytes, formatCount, formatDuration } from '../../../shared/format.ts';

/* Pure view logic of the cluster overview. */

export interface DatabaseRowView {
  name: string;
  role: string;
  address: string;
  reachable: boolean;
  statusLabel: string;
  /** Why the database could not be reached, as the core words it; null when reachable. */
  problem: string | null;
  latency: string;
  version: string;
  size: string;
  websites: string;
}

export function formatDatabaseRow(db: DatabaseStatus): DatabaseRowView {
  return {
    name: db.name,
    role: db.role,
    address: `${db.host}:${db.port}/${db.database}`,
    reachable: db.reachable,
    statusLabel: db.reachable ? 'reachable' : 'unreachable',
    problem: db.reachable ? null : (db.error?.message ?? 'The database did not answer.'),
    latency: formatDuration(db.latencyMs),
    version: db.serverVersion ?? '—',
    size: formatBytes(db.sizeBytes),
    websites: formatCount(db.websites),
  };
}

/** The primary first, then shards by name, so the table reads in the same order every time. */
export function formatDatabaseRows(databases: readonly DatabaseStatus[]): DatabaseRowView[] {
  return [...databases].sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'primary' ? -1 : 1)).map(formatDatabaseRow);
}

/** "3 websites route to shard names no configured database carries: shard_9, x"; null when none do. */
export function unknownShardMessage(overview: Pick<OverviewResult, 'unknownShardNames' | 'shards'>): string | null {
  const names = overview.unknownShardNames;
  if (names.length === 0) return null;
  const count = overview.shards.filter((s) => names.includes(s.shard)).reduce((sum, s) => sum + s.websites, 0);
  const subject = count === 1 ? '1 website routes' : `${formatCount(count)} websites route`;
  return `${subject} to shard names no configured database carries: ${names.join(', ')}`;
}

export interface ShardBar {
  shard: string;
  websites: number;
  configured: boolean;
}

export function websitesPerShard(overview: Pick<OverviewResult, 'shards'>): ShardBar[] {
  return [...overview.shards]
    .sort((a, b) => (a.shard === 'default' ? -1 : b.shard === 'default' ? 1 : a.shard.localeCompare(b.shard)))
    .map((s) => ({ shard: s.shard, websites: s.websites, configured: s.configured }));
}

export interface SizeBar {
  name: string;
  sizeBytes: number;
}

/** Sizes of the databases that answered; unreachable ones have no size to draw. */
export function sizePerDatabase(databases: readonly DatabaseStatus[]): SizeBar[] {
  return formatOrder(databases)
    .filter((db) => db.sizeBytes !== null)
    .map((db) => ({ name: db.name, sizeBytes: db.sizeBytes ?? 0 }));
}

function formatOrder(databases: readonly DatabaseStatus[]): DatabaseStatus[] {
  return [...databases].sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'primary' ? -1 : 1));
}

/** Every shard name a filter can pick: configured databases and names websites route to. */
export function shardFilterOptions(overview: Pick<OverviewResult, 'shards' | 'databases'> | undefined): string[] {
  if (overview === undefined) return [];
  const names = new Set<string>([...overview.databases.map((d) => d.name), ...overview.shards.map((s) => s.shard)]);
  return [...names].sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b)));
}

/** Chart ticks in human units: "1.5 GB" rather than 1610612736. */
export const bytesTick = (value: number): string => formatBytes(value);
