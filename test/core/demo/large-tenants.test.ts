import { describe, expect, inject, it } from 'vitest';
import { seedDemo } from '../../../electron/core/demo/seed-demo.ts';
import { countTenantRows, totalRows } from './count-tenant-rows.ts';
import { createScratchDatabase } from './scratch-database.ts';

const cluster = inject('cluster');

describe('seedDemo at scale 1', () => {
  it('creates at least three large tenants of 50k+ rows, each on a different database', async () => {
    const scratch = await Promise.all(
      cluster.servers.map(async (server) => ({
        name: server.name,
        db: await createScratchDatabase(server, cluster.password, 'large_tenants', server.name === 'default' ? 'primary' : 'tenant-shard'),
      })),
    );
    try {
      const byName = new Map(scratch.map((entry) => [entry.name, entry.db.pool]));
      const primary = byName.get('default');
      if (!primary) throw new Error('no default server');
      const shards = Object.fromEntries([...byName].filter(([name]) => name !== 'default'));
      const started = Date.now();
      const result = await seedDemo({ primary, shards }, { websites: 9, scale: 1 });
      console.log(`seeded 9 websites at scale 1 in ${Date.now() - started} ms`);
      expect(result.largeWebsiteIds.length).toBeGreaterThanOrEqual(3);

      const routes = await primary.query<{ id: number; db: string }>(`SELECT id, COALESCE(shard_name, 'default') AS db FROM pwb_websites`);
      const route = new Map(routes.rows.map((row) => [row.id, row.db]));
      expect(new Set(result.largeWebsiteIds.map((id) => route.get(id))).size).toBe(3);
      for (const id of result.largeWebsiteIds) {
        const db = byName.get(route.get(id) ?? '');
        if (!db) throw new Error(`website ${id} routes nowhere`);
        const counts = await countTenantRows(db, [id]);
        expect(totalRows(counts.get(id)), `website ${id}`).toBeGreaterThanOrEqual(50_000);
      }
    } finally {
      await Promise.all(scratch.map((entry) => entry.db.drop()));
    }
  });
});
