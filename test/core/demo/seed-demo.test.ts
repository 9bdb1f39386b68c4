import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import { planDemoWebsites } from '../../../electron/core/demo/plan-demo-websites.ts';
import { seedDemo } from '../../../electron/core/demo/seed-demo.ts';
import { testPool } from '../../harness/test-cluster.ts';
import { ALL_TENANT_TABLES, countTenantRows, TENANT_KEYED_TABLES, totalRows } from './count-tenant-rows.ts';
import { createScratchDatabase } from './scratch-database.ts';

const cluster = inject('cluster');
const pools = new Map<string, pg.Pool>();
let routes = new Map<number, string>();

beforeAll(async () => {
  for (const server of cluster.servers) pools.set(server.name, testPool(server, cluster.password));
  const websites = await pool('default').query<{ id: number; db: string }>(`SELECT id, COALESCE(shard_name, 'default') AS db FROM pwb_websites`);
  routes = new Map(websites.rows.map((row) => [row.id, row.db]));
});
afterAll(async () => {
  await Promise.all([...pools.values()].map((p) => p.end()));
});

function pool(name: string): pg.Pool {
  const found = pools.get(name);
  if (!found) throw new Error(`no server ${name}`);
  return found;
}

describe('seedDemo on the harness cluster', () => {
  it('spreads websites over the three databases, with some NULL shard names and custom domains', async () => {
    const stats = await pool('default').query<{ db: string | null; n: number; domains: number }>(
      `SELECT shard_name AS db, count(*)::int AS n, count(custom_domain)::int AS domains FROM pwb_websites GROUP BY 1`,
    );
    const byShard = Object.fromEntries(stats.rows.map((row) => [row.db ?? 'NULL', row.n]));
    expect(routes.size).toBe(60);
    expect(byShard.NULL).toBeGreaterThan(0);
    expect((byShard.default ?? 0) + (byShard.NULL ?? 0)).toBeGreaterThan(byShard.shard_1 ?? 0);
    expect(byShard.shard_1).toBeGreaterThan(5);
    expect(byShard.shard_2).toBeGreaterThan(5);
    expect(stats.rows.reduce((sum, row) => sum + row.domains, 0)).toBeGreaterThan(0);
    const subdomain = await pool('default').query(`SELECT subdomain FROM pwb_websites WHERE id = 7`);
    expect(subdomain.rows[0]?.subdomain).toBe('agency-0007');
  });

  it("puts each website's rows only on the database its shard_name routes to", async () => {
    const ids = [...routes.keys()];
    for (const server of cluster.servers) {
      const counts = await countTenantRows(pool(server.name), ids);
      for (const [id, perTable] of counts) {
        const rows = totalRows(perTable);
        if (routes.get(id) === server.name) expect(rows, `website ${id} on ${server.name}`).toBeGreaterThanOrEqual(5);
        else expect(rows, `website ${id} leaked onto ${server.name}`).toBe(0);
      }
      // No tenant-keyed row belongs to a website routed elsewhere or to an unknown one.
      for (const [table, key] of Object.entries(TENANT_KEYED_TABLES)) {
        const owners = await pool(server.name).query<{ w: number }>(`SELECT DISTINCT ${key}::int AS w FROM ${table} WHERE ${key} IS NOT NULL`);
        for (const row of owners.rows) expect(routes.get(row.w), `${table} on ${server.name}`).toBe(server.name);
      }
    }
  });

  it('keeps small tenants small and fills every tenant table for most of them', async () => {
    const small = [...routes.keys()].filter((id) => !cluster.seed.largeWebsiteIds.includes(id));
    const filled = new Map<string, number>(ALL_TENANT_TABLES.map((table) => [table, 0]));
    for (const server of cluster.servers) {
      const counts = await countTenantRows(
        pool(server.name),
        small.filter((id) => routes.get(id) === server.name),
      );
      for (const perTable of counts.values()) {
        expect(totalRows(perTable)).toBeLessThanOrEqual(80);
        for (const [table, n] of Object.entries(perTable)) if (n > 0) filled.set(table, (filled.get(table) ?? 0) + 1);
      }
    }
    for (const [table, tenants] of filled) expect(tenants, table).toBeGreaterThan(small.length * 0.3);
  });

  it('gives each large tenant rows in every tenant table, one large tenant per database', async () => {
    const large = cluster.seed.largeWebsiteIds;
    expect(new Set(large.map((id) => routes.get(id)))).toEqual(new Set(['default', 'shard_1', 'shard_2']));
    for (const id of large) {
      const counts = await countTenantRows(pool(routes.get(id) ?? ''), [id]);
      for (const table of ALL_TENANT_TABLES) expect(counts.get(id)?.[table], `${table} of website ${id}`).toBeGreaterThan(0);
    }
  });

  it('nests media folders and refreshes pwb_properties', async () => {
    for (const server of cluster.servers) {
      const db = pool(server.name);
      const nested = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pwb_media_folders c JOIN pwb_media_folders p ON p.id = c.parent_id WHERE p.parent_id IS NOT NULL`,
      );
      expect(nested.rows[0]?.n).toBeGreaterThan(0);
      const view = await db.query<{ v: number; a: number; sale: number }>(
        `SELECT (SELECT count(*)::int FROM pwb_properties) AS v, (SELECT count(*)::int FROM pwb_realty_assets) AS a,
                (SELECT count(*)::int FROM pwb_properties WHERE for_sale) AS sale`,
      );
      expect(view.rows[0]?.v).toBe(view.rows[0]?.a);
      expect(view.rows[0]?.sale).toBeGreaterThan(0);
    }
  });
});

describe('seedDemo determinism', () => {
  it('plans the same websites for the same seed and different ones for another', () => {
    const a = planDemoWebsites({ websites: 500, seed: 42, shardNames: ['shard_1', 'shard_2'] });
    expect(planDemoWebsites({ websites: 500, seed: 42, shardNames: ['shard_1', 'shard_2'] })).toEqual(a);
    expect(planDemoWebsites({ websites: 500, seed: 43, shardNames: ['shard_1', 'shard_2'] })).not.toEqual(a);
    const share = (name: string): number => a.websites.filter((w) => w.database === name).length / 500;
    expect(share('default')).toBeGreaterThan(0.45);
    expect(share('default')).toBeLessThan(0.65);
    expect(share('shard_1')).toBeGreaterThan(share('shard_2') - 0.05);
  });

  it('generates identical rows for the same seed', async () => {
    const primary = cluster.servers.find((server) => server.name === 'default');
    if (!primary) throw new Error('no default server');
    const [first, second] = await Promise.all(
      ['determinism_a', 'determinism_b'].map((name) => createScratchDatabase(primary, cluster.password, name, 'primary')),
    );
    if (!first || !second) throw new Error('scratch databases missing');
    try {
      await seedDemo({ primary: first.pool, shards: {} }, { websites: 12, scale: 0.01, seed: 7 });
      await seedDemo({ primary: second.pool, shards: {} }, { websites: 12, scale: 0.01, seed: 7 });
      const tables = ['pwb_websites', 'pwb_users', ...ALL_TENANT_TABLES];
      const fingerprint = async (db: pg.Pool): Promise<Record<string, string>> => {
        const parts = tables.map((t) => `SELECT '${t}' AS t, md5(string_agg(x::text, '|' ORDER BY x::text)) AS h FROM ${t} x`);
        const rows = await db.query<{ t: string; h: string }>(parts.join(' UNION ALL '));
        return Object.fromEntries(rows.rows.map((row) => [row.t, row.h]));
      };
      expect(await fingerprint(second.pool)).toEqual(await fingerprint(first.pool));
    } finally {
      await Promise.all([first.drop(), second.drop()]);
    }
  });

  it('refuses to seed a primary that already has websites', async () => {
    await expect(seedDemo({ primary: pool('default'), shards: {} }, { websites: 3 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });
});
