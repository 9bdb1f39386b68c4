import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { callMethod, clusterFingerprint, directClient, openTestConsole } from '../../support/test-console.ts';
import { membership } from '../../support/tenant-membership.ts';

let ctx: ConsoleContext;
beforeAll(async () => {
  ctx = await openTestConsole();
});
afterAll(() => ctx.close());

describe('tenant list', () => {
  it('pages through every website exactly once in id order', async () => {
    const first = await callMethod(ctx, 'tenants.list', { limit: 7 });
    const all: number[] = [];
    for (let offset = 0; offset < first.total; offset += 7) {
      const page = await callMethod(ctx, 'tenants.list', { limit: 7, offset });
      all.push(...page.items.map((i) => i.id));
    }
    expect(all).toHaveLength(first.total);
    expect([...all].sort((a, b) => a - b)).toEqual(all);
    expect(new Set(all).size).toBe(all.length);
  });

  it('finds a website by subdomain, by custom domain and by id', async () => {
    const primary = await directClient('default');
    try {
      const row = (await primary.query(`SELECT id, subdomain, custom_domain FROM pwb_websites WHERE custom_domain IS NOT NULL ORDER BY id LIMIT 1`)).rows[0];
      const bySub = await callMethod(ctx, 'tenants.list', { search: row.subdomain });
      expect(bySub.items.map((i) => i.id)).toContain(row.id);
      const byDomain = await callMethod(ctx, 'tenants.list', { search: row.custom_domain.toUpperCase() });
      expect(byDomain.items.map((i) => i.id)).toContain(row.id);
      const byId = await callMethod(ctx, 'tenants.list', { search: String(row.id) });
      expect(byId.items[0]!.id).toBe(row.id);
      const none = await callMethod(ctx, 'tenants.list', { search: 'no-such-site_%' });
      expect(none).toEqual({ total: 0, items: [] });
    } finally {
      await primary.end();
    }
  });

  it('filters by shard (default includes NULL shard_name) and sorts by any column both ways', async () => {
    const overview = await callMethod(ctx, 'cluster.overview', {});
    for (const s of overview.shards) {
      const page = await callMethod(ctx, 'tenants.list', { shard: s.shard, limit: 500 });
      expect(page.total).toBe(s.websites);
      expect(page.items.every((i) => i.shard === s.shard)).toBe(true);
    }
    const desc = await callMethod(ctx, 'tenants.list', { sort: 'subdomain', direction: 'desc', limit: 20 });
    const subs = desc.items.map((i) => i.subdomain ?? '');
    expect(subs).toEqual([...subs].sort().reverse());
    const byShard = await callMethod(ctx, 'tenants.list', { sort: 'shard', limit: 500 });
    const shards = byShard.items.map((i) => i.shard);
    expect(shards).toEqual([...shards].sort());
  });
});

describe('tenant detail', () => {
  it('reports per-table rows equal to count(*) on the database that holds the website, FK-chained tables included', async () => {
    const primary = await directClient('default');
    let checked = 0;
    try {
      const sites = (
        await primary.query(
          `SELECT DISTINCT ON (coalesce(shard_name, 'default')) id, coalesce(shard_name, 'default') AS shard FROM pwb_websites ORDER BY coalesce(shard_name, 'default'), id`,
        )
      ).rows;
      expect(sites.map((s) => s.shard).sort()).toEqual(['default', 'shard_1', 'shard_2']);
      for (const site of sites) {
        const detail = await callMethod(ctx, 'tenants.detail', { id: site.id });
        expect(detail.shard).toBe(site.shard);
        expect(detail.database).toBe(site.shard);
        expect(detail.tables.map((t) => t.table).sort()).toEqual(Object.keys(membership).sort());
        const holder = await directClient(site.shard);
        try {
          for (const t of detail.tables) {
            const r = await holder.query(`SELECT count(*)::int AS n FROM ${t.table} WHERE ${membership[t.table]}`, [site.id]);
            expect({ table: t.table, rows: t.rows }).toEqual({ table: t.table, rows: r.rows[0].n });
            if (t.rows > 0) expect(t.bytes).toBeGreaterThan(0);
            checked += 1;
          }
        } finally {
          await holder.end();
        }
        expect(detail.totalRows).toBe(detail.tables.reduce((a, t) => a + t.rows, 0));
      }
    } finally {
      await primary.end();
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('shows how FK-only tables reach their website', async () => {
    const primary = await directClient('default');
    const id = (await primary.query('SELECT min(id) AS id FROM pwb_websites')).rows[0].id;
    await primary.end();
    const detail = await callMethod(ctx, 'tenants.detail', { id });
    expect(detail.tables.find((t) => t.table === 'pwb_prop_photos')?.via).toBe('realty_asset_id -> pwb_realty_assets.website_id');
    expect(detail.tables.find((t) => t.table === 'pwb_field_keys')?.via).toBe('pwb_website_id');
  });

  it('refuses an unknown website id with WEBSITE_NOT_FOUND and changes nothing', async () => {
    const before = await clusterFingerprint();
    await expect(callMethod(ctx, 'tenants.detail', { id: 987654 })).rejects.toMatchObject({
      code: 'WEBSITE_NOT_FOUND',
      message: expect.stringContaining('No website with id 987654'),
    });
    expect(await clusterFingerprint()).toEqual(before);
  });
});

describe('catalog', () => {
  it('classifies tenant, global and unscoped tables the same way on every database', async () => {
    const { databases } = await callMethod(ctx, 'catalog.tables', {});
    const tenantSets = databases.map((d) =>
      d.tables
        .filter((t) => t.kind === 'tenant')
        .map((t) => t.table)
        .sort(),
    );
    expect(tenantSets[0]).toEqual(Object.keys(membership).sort());
    expect(tenantSets[1]).toEqual(tenantSets[0]);
    expect(tenantSets[2]).toEqual(tenantSets[0]);
    const primary = databases.find((d) => d.name === 'default')!;
    const globals = primary.tables.filter((t) => t.kind === 'global').map((t) => t.table);
    expect(globals).toEqual(expect.arrayContaining(['pwb_websites', 'pwb_users', 'pwb_agencies']));
    expect(primary.tables.find((t) => t.table === 'pwb_ticket_messages')?.path).toEqual(['pwb_ticket_messages', 'pwb_support_tickets']);
  });
});
