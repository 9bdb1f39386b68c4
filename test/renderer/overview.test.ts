import { describe, expect, it } from 'vitest';
import type { DatabaseStatus } from '../../shared/contract.ts';
import { formatDatabaseRows, shardFilterOptions, sizePerDatabase, unknownShardMessage, websitesPerShard } from '../../renderer/src/view/overview.ts';

const reachable: DatabaseStatus = {
  name: 'shard_1',
  role: 'shard',
  host: '127.0.0.1',
  port: 5433,
  database: 'pwb_shard_1',
  reachable: true,
  latencyMs: 3.4,
  serverVersion: '18.0',
  sizeBytes: 12 * 1024 * 1024,
  websites: 1234,
  error: null,
};
const primary: DatabaseStatus = { ...reachable, name: 'default', role: 'primary', port: 5432, database: 'pwb' };
const down: DatabaseStatus = {
  ...reachable,
  name: 'shard_2',
  reachable: false,
  latencyMs: null,
  serverVersion: null,
  sizeBytes: null,
  websites: null,
  error: { code: 'DATABASE_UNREACHABLE', message: 'connect ECONNREFUSED 127.0.0.1:5434', target: 'shard_2' },
};

describe('formatDatabaseRows', () => {
  it('puts the primary first and formats sizes in human units', () => {
    const rows = formatDatabaseRows([reachable, down, primary]);
    expect(rows.map((r) => r.name)).toEqual(['default', 'shard_1', 'shard_2']);
    expect(rows[1]).toMatchObject({
      address: '127.0.0.1:5433/pwb_shard_1',
      statusLabel: 'reachable',
      size: '12.0 MB',
      websites: '1,234',
      latency: '3 ms',
      problem: null,
    });
  });

  it('keeps an unreachable database, with the reason and no numbers', () => {
    const row = formatDatabaseRows([down])[0];
    expect(row).toMatchObject({
      reachable: false,
      statusLabel: 'unreachable',
      problem: 'connect ECONNREFUSED 127.0.0.1:5434',
      size: '—',
      version: '—',
      websites: '—',
    });
  });
});

describe('unknownShardMessage', () => {
  it('is null when every shard name is configured', () => {
    expect(unknownShardMessage({ unknownShardNames: [], shards: [{ shard: 'default', websites: 3, configured: true }] })).toBeNull();
  });

  it('counts the websites routed to missing shards and names them', () => {
    const message = unknownShardMessage({
      unknownShardNames: ['shard_9', 'demo'],
      shards: [
        { shard: 'default', websites: 10, configured: true },
        { shard: 'shard_9', websites: 2, configured: false },
        { shard: 'demo', websites: 1, configured: false },
      ],
    });
    expect(message).toBe('3 websites route to shard names no configured database carries: shard_9, demo');
  });

  it('speaks of one website in the singular', () => {
    expect(unknownShardMessage({ unknownShardNames: ['x'], shards: [{ shard: 'x', websites: 1, configured: false }] })).toBe(
      '1 website routes to shard names no configured database carries: x',
    );
  });
});

describe('chart data', () => {
  it('orders shards with default first', () => {
    const bars = websitesPerShard({
      shards: [
        { shard: 'shard_2', websites: 4, configured: true },
        { shard: 'default', websites: 9, configured: true },
        { shard: 'ghost', websites: 1, configured: false },
      ],
    });
    expect(bars.map((b) => b.shard)).toEqual(['default', 'ghost', 'shard_2']);
  });

  it('draws sizes only for databases that answered', () => {
    expect(sizePerDatabase([down, reachable, primary])).toEqual([
      { name: 'default', sizeBytes: 12 * 1024 * 1024 },
      { name: 'shard_1', sizeBytes: 12 * 1024 * 1024 },
    ]);
  });
});

describe('shardFilterOptions', () => {
  it('offers configured databases and every routed shard name once', () => {
    expect(
      shardFilterOptions({
        databases: [reachable, primary],
        shards: [
          { shard: 'ghost', websites: 1, configured: false },
          { shard: 'default', websites: 1, configured: true },
        ],
      }),
    ).toEqual(['default', 'ghost', 'shard_1']);
    expect(shardFilterOptions(undefined)).toEqual([]);
  });
});
