import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { findFreePort } from '../../../electron/core/demo/embedded-cluster.ts';
import { callMethod, clusterFingerprint, directClient, openTestConsole, testCluster } from '../../support/test-console.ts';

let ctx: ConsoleContext;
beforeAll(async () => {
  ctx = await openTestConsole();
});
afterAll(() => ctx.close());

describe('cluster overview on three real servers', () => {
  it('lists every database reachable, with role, version, size and websites per shard from pwb_websites', async () => {
    const overview = await callMethod(ctx, 'cluster.overview', {});
    expect(overview.databases.map((d) => [d.name, d.role])).toEqual([
      ['default', 'primary'],
      ['shard_1', 'shard'],
      ['shard_2', 'shard'],
    ]);
    const primary = await directClient('default');
    try {
      const counts = await primary.query<{ shard: string; n: number }>(
        `SELECT coalesce(shard_name, 'default') AS shard, count(*)::int AS n FROM pwb_websites GROUP BY 1`,
      );
      const expected = Object.fromEntries(counts.rows.map((r) => [r.shard, r.n]));
      for (const db of overview.databases) {
        expect(db.reachable).toBe(true);
        expect(db.error).toBeNull();
        expect(db.serverVersion).toMatch(/^\d+/);
        expect(db.sizeBytes).toBeGreaterThan(1_000_000);
        expect(db.latencyMs).toBeGreaterThanOrEqual(0);
        expect(db.websites).toBe(expected[db.name] ?? 0);
      }
      const total = await primary.query<{ n: number }>('SELECT count(*)::int AS n FROM pwb_websites');
      expect(overview.totalWebsites).toBe(total.rows[0]!.n);
      // NULL shard_name counts as default
      const nulls = await primary.query<{ n: number }>('SELECT count(*)::int AS n FROM pwb_websites WHERE shard_name IS NULL');
      expect(nulls.rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await primary.end();
    }
    expect(overview.unknownShardNames).toEqual([]);
  });

  it('flags shard names that no configured database carries, without changing them', async () => {
    const primary = await directClient('default');
    const site = (await primary.query(`SELECT id, shard_name FROM pwb_websites ORDER BY id DESC LIMIT 1`)).rows[0];
    try {
      await primary.query(`UPDATE pwb_websites SET shard_name = 'shard_9' WHERE id = $1`, [site.id]);
      const overview = await callMethod(ctx, 'cluster.overview', {});
      expect(overview.unknownShardNames).toEqual(['shard_9']);
      expect(overview.shards.find((s) => s.shard === 'shard_9')).toEqual({ shard: 'shard_9', websites: 1, configured: false });
      const page = await callMethod(ctx, 'tenants.list', { shard: 'shard_9' });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]!.configured).toBe(false);
    } finally {
      await primary.query(`UPDATE pwb_websites SET shard_name = $2 WHERE id = $1`, [site.id, site.shard_name]);
      await primary.end();
    }
  });
});

describe('an unreachable shard', () => {
  it('shows as unreachable while the rest of the overview works, and nothing changes anywhere', async () => {
    const before = await clusterFingerprint();
    const profile = JSON.parse(await readFile(testCluster().profilePath, 'utf8'));
    const deadPort = await findFreePort();
    profile.name = 'with-dead-shard';
    profile.shards.shard_3 = { host: '127.0.0.1', port: deadPort, database: 'pwb_shard_3', user: 'postgres', password: '${SC_TEST_PASSWORD}' };
    const dir = await mkdtemp(join(tmpdir(), 'sc-profile-'));
    const path = join(dir, 'profile.json');
    await writeFile(path, JSON.stringify(profile));
    const withDead = await openTestConsole(path);
    try {
      const overview = await callMethod(withDead, 'cluster.overview', {});
      const dead = overview.databases.find((d) => d.name === 'shard_3')!;
      expect(dead.reachable).toBe(false);
      expect(dead.error?.code).toBe('DATABASE_UNREACHABLE');
      expect(dead.error?.message).toContain(`127.0.0.1:${deadPort}/pwb_shard_3`);
      expect(dead.error?.message).toMatch(/Check that the server is running/);
      expect(overview.databases.filter((d) => d.reachable).map((d) => d.name)).toEqual(['default', 'shard_1', 'shard_2']);
      // Configured, no website routed there: in the websites-per-shard chart at 0, not left out.
      expect(overview.shards.find((s) => s.shard === 'shard_3')).toEqual({ shard: 'shard_3', websites: 0, configured: true });
      expect(overview.totalWebsites).toBeGreaterThan(0);
    } finally {
      await withDead.close();
    }
    expect(await clusterFingerprint()).toEqual(before);
  });
});

describe('a wrong password', () => {
  it('gives AUTH_FAILED naming the user and database, and the overview still answers', async () => {
    const cluster = testCluster();
    const { loadClusterProfile } = await import('../../../electron/core/config/resolve-profile-source.ts');
    const { openConsole } = await import('../../../electron/core/console-context.ts');
    const profile = await loadClusterProfile({ profile: cluster.profilePath }, { env: { ...cluster.env, SC_TEST_PASSWORD: 'not-the-password' } });
    const wrong = openConsole(profile);
    try {
      const overview = await callMethod(wrong, 'cluster.overview', {});
      for (const db of overview.databases) {
        expect(db.reachable).toBe(false);
        expect(db.error?.code).toBe('AUTH_FAILED');
        expect(db.error?.message).toMatch(/Authentication failed for user "postgres"/);
      }
      await expect(callMethod(wrong, 'tenants.list', {})).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    } finally {
      await wrong.close();
    }
  });
});
