import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClusterProfile } from '../../../electron/core/config/resolve-profile-source.ts';
import { memorySecretStore } from '../../../electron/core/config/secret-store.ts';
import { openConsole, type ConsoleContext } from '../../../electron/core/console-context.ts';
import { tenantRowsByTable } from '../../../electron/core/doctor/tenant-key-totals.ts';
import { estimateTenantSizes } from '../../../electron/core/shards/tenant-size-estimates.ts';
import { tenantRowWidths } from '../../../electron/core/shards/tenant-row-widths.ts';
import { TREND_POINTS } from '../../../electron/core/shards/size-snapshots.ts';
import { startTestCluster, testPool, type TestCluster } from '../../harness/test-cluster.ts';
import { callMethod } from '../../support/test-console.ts';
import { membership } from '../../support/tenant-membership.ts';

/*
 * Sizes write snapshots into shard_console on the primary, so these tests run on a cluster of their own.
 */

let cluster: TestCluster;
let ctx: ConsoleContext;
const pools = new Map<string, pg.Pool>();
const sql = async <R extends pg.QueryResultRow = any>(database: string, text: string, params: unknown[] = []) =>
  (await pools.get(database)!.query<R>(text, params)).rows;

async function shardOf(id: number): Promise<string> {
  return (await sql<{ s: string }>('default', `SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [id]))[0]!.s;
}

beforeAll(async () => {
  cluster = await startTestCluster({ websites: 40, scale: 0.05, seed: 11 });
  for (const server of cluster.servers) pools.set(server.name, testPool(server, cluster.password));
  const profile = await loadClusterProfile(
    { profile: cluster.profilePath },
    { env: { ...process.env, SC_TEST_PASSWORD: cluster.password }, secrets: memorySecretStore() },
  );
  ctx = openConsole(profile);
});

afterAll(async () => {
  await ctx?.close();
  await Promise.all([...pools.values()].map((p) => p.end()));
  await cluster?.stop();
});

describe('sizes per database', () => {
  it('reports every table with heap, index and TOAST bytes that add up to what PostgreSQL says, and websites per shard', async () => {
    const result = await callMethod(ctx, 'shards.sizes', {});
    expect(result.databases.map((d) => d.name).sort()).toEqual(['default', 'shard_1', 'shard_2']);
    const routed = await sql<{ s: string; n: number }>(
      'default',
      `SELECT coalesce(shard_name, 'default') AS s, count(*)::int AS n FROM pwb_websites GROUP BY 1`,
    );
    for (const db of result.databases) {
      expect(db.reachable).toBe(true);
      expect(db.websites).toBe(routed.find((r) => r.s === db.name)?.n ?? 0);
      const direct = await sql<{ t: string; total: string; idx: string; toast: string }>(
        db.name,
        `SELECT c.relname AS t, pg_total_relation_size(c.oid)::text AS total, pg_indexes_size(c.oid)::text AS idx,
                coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)::text AS toast
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')`,
      );
      expect(direct.length).toBeGreaterThan(15);
      for (const row of direct) {
        const table = db.tables.find((t) => t.table === row.t);
        expect(table, `${db.name}.${row.t}`).toBeDefined();
        expect(table!.heapBytes + table!.indexBytes + table!.toastBytes).toBe(table!.totalBytes);
        expect({ t: row.t, total: table!.totalBytes, index: table!.indexBytes, toast: table!.toastBytes }).toEqual({
          t: row.t,
          total: Number(row.total),
          index: Number(row.idx),
          toast: Number(row.toast),
        });
      }
      const pages = db.tables.find((t) => t.table === 'pwb_pages')!;
      expect(pages.kind).toBe('tenant');
      const [{ n }] = await sql(db.name, `SELECT count(*)::int AS n FROM pwb_pages`);
      expect(pages.rowsEstimate).toBe(n);
      expect(db.tables.find((t) => t.table === 'pwb_properties')?.kind).toBe('view');
    }
    expect(result.databases.find((d) => d.name === 'default')!.tables.find((t) => t.table === 'pwb_websites')?.kind).toBe('global');
  });

  it('a partitioned tenant table is one row holding what its partitions hold (its own row has no storage)', async () => {
    await sql(
      'shard_1',
      `CREATE TABLE pwb_events (website_id integer NOT NULL, id integer NOT NULL, body text, PRIMARY KEY (website_id, id)) PARTITION BY LIST (website_id);
       CREATE TABLE pwb_events_a PARTITION OF pwb_events FOR VALUES IN (1, 2, 3);
       CREATE TABLE pwb_events_rest PARTITION OF pwb_events DEFAULT PARTITION BY RANGE (id);
       CREATE TABLE pwb_events_rest_low PARTITION OF pwb_events_rest FOR VALUES FROM (0) TO (5000);
       CREATE TABLE pwb_events_rest_high PARTITION OF pwb_events_rest FOR VALUES FROM (5000) TO (MAXVALUE);
       INSERT INTO pwb_events SELECT 1 + g % 9, g, repeat('event ', 20) FROM generate_series(1, 10000) g;
       ANALYZE pwb_events;`,
    );
    try {
      ctx.catalog.invalidate('shard_1');
      const result = await callMethod(ctx, 'shards.sizes', { database: 'shard_1' });
      const tables = result.databases[0]!.tables;
      expect(tables.filter((t) => t.table.startsWith('pwb_events')).map((t) => t.table)).toEqual(['pwb_events']);
      const [direct] = await sql<{ total: string }>(
        'shard_1',
        `SELECT sum(pg_total_relation_size(relid))::text AS total FROM pg_partition_tree('pwb_events') WHERE isleaf`,
      );
      const events = tables.find((t) => t.table === 'pwb_events')!;
      expect(events).toMatchObject({ kind: 'tenant', totalBytes: Number(direct!.total) });
      expect(events.totalBytes).toBeGreaterThan(0);
      // ANALYZE of the partitioned table gives it (and the partitioned partition) an estimate of their
      // partitions' rows, on PostgreSQL 14 and later: counted once, at the leaves.
      const [parent] = await sql<{ n: string }>('shard_1', `SELECT reltuples::int8::text AS n FROM pg_class WHERE relname = 'pwb_events'`);
      expect(Number(parent!.n)).toBe(10_000);
      expect(events.rowsEstimate).toBe(10_000);
    } finally {
      await sql('shard_1', 'DROP TABLE pwb_events');
      ctx.catalog.invalidate('shard_1');
    }
  });

  it('keeps at most one snapshot per interval and reports growth since the last one, with the trend', async () => {
    await callMethod(ctx, 'shards.sizes', {});
    const again = await callMethod(ctx, 'shards.sizes', {});
    expect(again.snapshotTaken).toBe(false);
    expect(again.snapshotSkipped).toBe("each database's last snapshot is under 15 minutes old");
    expect(again.snapshotIntervalMinutes).toBe(15);
    const [{ n }] = await sql('default', `SELECT count(*)::int AS n FROM shard_console.size_snapshots WHERE database = 'shard_1'`);
    expect(n).toBe(1);

    // An hour later, a website has grown.
    await sql('default', `UPDATE shard_console.size_snapshots SET taken_at = taken_at - interval '1 hour'`);
    const [{ id }] = await sql('default', `SELECT min(id) AS id FROM pwb_websites WHERE shard_name = 'shard_1'`);
    await sql(
      'shard_1',
      `INSERT INTO pwb_contents (website_id, key, raw, created_at, updated_at) SELECT $1, 'grow-' || g, repeat('x', 500), now(), now() FROM generate_series(1, 3000) g`,
      [id],
    );
    const [before] = await sql(
      'default',
      `SELECT taken_at, size_bytes::text AS size, (table_bytes->>'pwb_contents')::int8 AS contents FROM shard_console.size_snapshots WHERE database = 'shard_1'`,
    );
    const later = await callMethod(ctx, 'shards.sizes', { database: 'shard_1' });
    expect(later).toMatchObject({ snapshotTaken: true, snapshotSkipped: null });
    const db = later.databases[0]!;
    expect(db.growth).toEqual({ sinceAt: before.taken_at.toISOString(), bytes: db.sizeBytes! - Number(before.size) });
    expect(db.growth!.bytes).toBeGreaterThan(1_000_000);
    const contents = db.tables.find((t) => t.table === 'pwb_contents')!;
    expect(contents.growthBytes).toBe(contents.totalBytes - Number(before.contents));
    expect(db.trend.map((p) => p.sizeBytes)).toEqual([Number(before.size), db.sizeBytes]);
    const [{ m }] = await sql('default', `SELECT count(*)::int AS m FROM shard_console.size_snapshots WHERE database = 'shard_1'`);
    expect(m).toBe(2);
    await sql('shard_1', `DELETE FROM pwb_contents WHERE key LIKE 'grow-%'`);
    await sql('shard_1', `ANALYZE pwb_contents`);
  });

  it("keeps the trend's points and no more: older snapshots go, and only the latest keeps its per-table bytes", async () => {
    // Months of looks: far more snapshots than the trend draws, each with its table bytes.
    await sql(
      'default',
      `INSERT INTO shard_console.size_snapshots (taken_at, database, size_bytes, websites, table_bytes)
       SELECT now() - interval '1 day' - g * interval '15 minutes', 'shard_1', 1000000 + g, 1, '{"pwb_contents": 1}'::jsonb FROM generate_series(1, 500) g`,
    );
    await sql('default', `UPDATE shard_console.size_snapshots SET taken_at = taken_at - interval '1 hour' WHERE taken_at > now() - interval '1 hour'`);
    const result = await callMethod(ctx, 'shards.sizes', { database: 'shard_1' });
    expect(result.snapshotTaken).toBe(true);
    const [kept] = await sql<{ n: number; with_tables: number; others: number }>(
      'default',
      `SELECT count(*) FILTER (WHERE database = 'shard_1')::int AS n,
              count(*) FILTER (WHERE database = 'shard_1' AND table_bytes <> '{}'::jsonb)::int AS with_tables,
              count(*) FILTER (WHERE database <> 'shard_1')::int AS others
         FROM shard_console.size_snapshots`,
    );
    expect(kept).toMatchObject({ n: TREND_POINTS, with_tables: 1 });
    // Only the database stored now is pruned; the others keep theirs.
    expect(kept!.others).toBeGreaterThan(0);
    const again = await callMethod(ctx, 'shards.sizes', { database: 'shard_1' });
    // The kept snapshots, then this look.
    expect(again.databases[0]!.trend).toHaveLength(TREND_POINTS + 1);
  });
});

describe('tenant footprints', () => {
  it('exact bytes per table match a direct SQL sum of every row of the website, FK-chained tables included', async () => {
    for (const id of cluster.seed.largeWebsiteIds) {
      const shard = await shardOf(id);
      const exact = await callMethod(ctx, 'shards.tenantFootprint', { id, figure: 'exact' });
      expect(exact).toMatchObject({ id, database: shard, figure: 'exact' });
      expect(exact.tables.map((t) => t.table).sort()).toEqual(Object.keys(membership).sort());
      for (const t of exact.tables) {
        const [direct] = await sql(
          shard,
          `SELECT count(*)::int AS rows, coalesce(sum(pg_column_size(t.*)), 0)::int8::text AS bytes FROM ${t.table} t WHERE ${membership[t.table]}`,
          [id],
        );
        expect({ table: t.table, rows: t.rows, bytes: t.bytes }).toEqual({ table: t.table, rows: direct.rows, bytes: Number(direct.bytes) });
      }
      expect(exact.totalBytes).toBe(exact.tables.reduce((s, t) => s + t.bytes, 0));
      expect(exact.tables.find((t) => t.table === 'pwb_prop_photos')!.rows).toBeGreaterThan(0);
    }
  });

  it('measures on the database named, not the one the website routes to, when asked (rows left on another shard)', async () => {
    const id = cluster.seed.largeWebsiteIds[0]!;
    const routed = await shardOf(id);
    const elsewhere = ['default', 'shard_1', 'shard_2'].find((d) => d !== routed)!;
    // Rows of the website left on another database: a few pages, as a misplaced insert leaves them.
    await sql(
      elsewhere,
      `INSERT INTO pwb_pages (website_id, slug, created_at, updated_at) SELECT $1, 'left-' || g, now(), now() FROM generate_series(1, 3) g`,
      [id],
    );
    try {
      for (const figure of ['exact', 'estimate'] as const) {
        const there = await callMethod(ctx, 'shards.tenantFootprint', { id, figure, database: elsewhere });
        expect(there).toMatchObject({ id, database: elsewhere, shard: routed, figure, totalRows: 3 });
        expect(there.tables.find((t) => t.table === 'pwb_pages')!.rows).toBe(3);
      }
      const home = await callMethod(ctx, 'shards.tenantFootprint', { id, figure: 'exact' });
      expect(home.database).toBe(routed);
      expect(home.totalRows).toBeGreaterThan(3);
      await expect(callMethod(ctx, 'shards.tenantFootprint', { id, database: 'shard_9' })).rejects.toMatchObject({ code: 'SHARD_UNKNOWN' });
    } finally {
      await sql(elsewhere, `DELETE FROM pwb_pages WHERE website_id = $1 AND slug LIKE 'left-%'`, [id]);
    }
  });

  it('estimates count the same rows and come within a sane factor of the exact bytes', async () => {
    for (const id of cluster.seed.largeWebsiteIds) {
      const [estimate, exact] = await Promise.all([
        callMethod(ctx, 'shards.tenantFootprint', { id }),
        callMethod(ctx, 'shards.tenantFootprint', { id, figure: 'exact' }),
      ]);
      expect(estimate.figure).toBe('estimate');
      expect(estimate.tables.map((t) => [t.table, t.rows])).toEqual(exact.tables.map((t) => [t.table, t.rows]));
      const ratio = estimate.totalBytes / exact.totalBytes;
      expect(ratio, `website ${id}: estimate ${estimate.totalBytes} vs exact ${exact.totalBytes}`).toBeGreaterThan(0.7);
      expect(ratio).toBeLessThan(1.6);
      expect(estimate.share).toBeGreaterThan(0);
      expect(estimate.share).toBeLessThanOrEqual(1);
    }
  });

  it('a small pool while tables are locked: counting a website per table waits its turn on the server, never reported as an unreachable database', async () => {
    const id = cluster.seed.largeWebsiteIds[0]!;
    const database = await shardOf(id);
    const profile = JSON.parse(await readFile(cluster.profilePath, 'utf8'));
    profile.pool = { ...profile.pool, max: 3, connectTimeoutMs: 200 };
    const smallPath = cluster.profilePath.replace(/\.json$/, '-small-pool.json');
    await writeFile(smallPath, JSON.stringify(profile));
    const small = openConsole(
      await loadClusterProfile({ profile: smallPath }, { env: { ...process.env, SC_TEST_PASSWORD: cluster.password }, secrets: memorySecretStore() }),
    );
    const catalog = await small.catalog.get(database);
    const locker = await pools.get(database)!.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE pwb_pages, pwb_links, pwb_contents IN ACCESS EXCLUSIVE MODE');
      // The doctor's breakdown of stray keys, one statement per tenant table: three of them wait for the lock.
      const counting = tenantRowsByTable(small.pools.get(database), catalog, [id]);
      await new Promise((r) => setTimeout(r, 1000));
      await locker.query('COMMIT');
      const byTable = await counting;
      expect(byTable.get('pwb_pages')?.get(id)).toBeGreaterThan(0);
      expect(byTable.size).toBeGreaterThan(5);
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      locker.release();
      await small.close();
    }
  });

  it('ranks the large tenants first on their databases, with their share and the same numbers as one footprint', async () => {
    const result = await callMethod(ctx, 'shards.largestTenants', { limit: 5 });
    expect(result.figure).toBe('estimate');
    for (const id of cluster.seed.largeWebsiteIds) {
      const shard = await shardOf(id);
      const on = result.databases.find((d) => d.name === shard)!;
      expect(on.error).toBeNull();
      expect(on.largest[0]!.id).toBe(id);
      expect(on.largest[0]!.shard).toBe(shard);
      const footprint = await callMethod(ctx, 'shards.tenantFootprint', { id });
      expect(on.largest[0]!.rows).toBe(footprint.totalRows);
      expect(Math.abs(on.largest[0]!.bytes - footprint.totalBytes)).toBeLessThanOrEqual(footprint.tables.length);
      expect(on.largest[0]!.share).toBeCloseTo(on.largest[0]!.bytes / on.tenantDataBytes, 3);
      expect(on.largest.map((t) => t.bytes)).toEqual([...on.largest.map((t) => t.bytes)].sort((a, b) => b - a));
      expect(on.sampledTables).toEqual([]);
    }
  });

  it('a block sample of big tables still puts the large tenant first, within a sane factor of exact', async () => {
    const id = cluster.seed.largeWebsiteIds[0]!;
    const shard = await shardOf(id);
    const catalog = await ctx.catalog.get(shard);
    const sampled = await estimateTenantSizes(ctx.pools.get(shard), catalog, 3, { sampleRowsPerTable: 1000 });
    expect(sampled.sampledTables.length).toBeGreaterThan(2);
    expect(sampled.largest[0]!.id).toBe(id);
    const exact = await callMethod(ctx, 'shards.tenantFootprint', { id, figure: 'exact' });
    const ratio = sampled.largest[0]!.bytes / exact.totalBytes;
    expect(ratio, `sampled ${sampled.largest[0]!.bytes} vs exact ${exact.totalBytes}`).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});

describe('a sparse column in the estimates', () => {
  it('weighs a column by how often it is not NULL: a website whose rows leave it empty is not sized as if they filled it', async () => {
    const shard = 'shard_1';
    await sql(
      shard,
      `CREATE TABLE pwb_sparse_probe (id bigserial PRIMARY KEY, website_id integer NOT NULL, body text);
       CREATE INDEX sparse_probe_site ON pwb_sparse_probe (website_id);
       INSERT INTO pwb_sparse_probe (website_id, body) SELECT 900001, NULL FROM generate_series(1, 10000);
       INSERT INTO pwb_sparse_probe (website_id, body)
         SELECT 900002, (SELECT string_agg(md5(g::text || ':' || k), '') FROM generate_series(1, 30) k) FROM generate_series(1, 1000) g;
       ANALYZE pwb_sparse_probe;`,
    );
    try {
      ctx.catalog.invalidate(shard);
      const catalog = await ctx.catalog.get(shard);
      const widths = await tenantRowWidths(ctx.pools.get(shard), catalog);
      const [exact] = await sql<{ bytes: string; rows: string }>(
        shard,
        'SELECT sum(pg_column_size(t.*))::text AS bytes, count(*)::text AS rows FROM pwb_sparse_probe t',
      );
      const estimated = widths.get('pwb_sparse_probe')!.width * Number(exact!.rows);
      const ratio = estimated / Number(exact!.bytes);
      expect(ratio, `estimated ${estimated} vs exact ${exact!.bytes}`).toBeGreaterThan(0.7);
      expect(ratio).toBeLessThan(1.6);
    } finally {
      await sql(shard, 'DROP TABLE pwb_sparse_probe');
      ctx.catalog.invalidate(shard);
    }
  });
});

describe('a tenant table never analyzed, its counters reset', () => {
  it('is weighed by the planner from its column types and bytes, not as 0 bytes a row of 0 rows', async () => {
    const shard = 'shard_1';
    // The index first: building one on a table with rows would record its row count (reltuples).
    await sql(
      shard,
      `CREATE TABLE pwb_unanalyzed_probe (id bigserial PRIMARY KEY, website_id integer NOT NULL, body text) WITH (autovacuum_enabled = false);
       CREATE INDEX unanalyzed_probe_site ON pwb_unanalyzed_probe (website_id);
       INSERT INTO pwb_unanalyzed_probe (website_id, body) SELECT 900000 + g % 3, md5(g::text) FROM generate_series(1, 20000) g;
       SELECT pg_stat_reset_single_table_counters('pwb_unanalyzed_probe'::regclass);`,
    );
    try {
      const [state] = await sql<{ reltuples: number; live: string }>(
        shard,
        `SELECT c.reltuples, s.n_live_tup::text AS live FROM pg_class c JOIN pg_stat_all_tables s ON s.relid = c.oid WHERE c.relname = 'pwb_unanalyzed_probe'`,
      );
      expect(state).toEqual({ reltuples: -1, live: '0' });
      ctx.catalog.invalidate(shard);
      const catalog = await ctx.catalog.get(shard);
      const probe = (await tenantRowWidths(ctx.pools.get(shard), catalog)).get('pwb_unanalyzed_probe')!;
      const [exact] = await sql<{ bytes: string }>(shard, 'SELECT sum(pg_column_size(t.*))::text AS bytes FROM pwb_unanalyzed_probe t');
      expect(probe.rows / 20000, `rows ${probe.rows}`).toBeGreaterThan(0.5);
      expect(probe.rows / 20000).toBeLessThan(2);
      const ratio = (probe.width * 20000) / Number(exact!.bytes);
      expect(ratio, `width ${probe.width}`).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2.5);
    } finally {
      await sql(shard, 'DROP TABLE pwb_unanalyzed_probe');
      ctx.catalog.invalidate(shard);
    }
  });
});

describe('the largest tenants with the primary down', () => {
  it('are measured on their shard but not named, and never called orphaned', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const profile = JSON.parse(await readFile(cluster.profilePath, 'utf8'));
    profile.primary = { ...profile.primary, port: closed };
    profile.pool = { ...profile.pool, connectTimeoutMs: 500 };
    const downPath = cluster.profilePath.replace(/\.json$/, '-primary-down.json');
    await writeFile(downPath, JSON.stringify(profile));
    const down = openConsole(
      await loadClusterProfile({ profile: downPath }, { env: { ...process.env, SC_TEST_PASSWORD: cluster.password }, secrets: memorySecretStore() }),
    );
    try {
      const shard = 'shard_1';
      const result = await callMethod(down, 'shards.largestTenants', { database: shard, limit: 5 });
      expect(result.databases[0]!.error).toBeNull();
      expect(result.databases[0]!.largest.length).toBeGreaterThan(0);
      expect(result.websitesError).toMatchObject({ code: 'DATABASE_UNREACHABLE' });
      expect(result.websitesError!.message).toContain('default');
      const named = await callMethod(ctx, 'shards.largestTenants', { database: shard, limit: 5 });
      expect(named.websitesError).toBeNull();
    } finally {
      await down.close();
    }
  });
});

describe('a partitioned tenant table in the estimates', () => {
  it("weighs a website's rows with its partitions' widths, also when the table is block-sampled", async () => {
    const id = cluster.seed.largeWebsiteIds[0]!;
    const shard = await shardOf(id);
    await sql(
      shard,
      `CREATE TABLE pwb_events (website_id integer NOT NULL, id integer NOT NULL, body text, PRIMARY KEY (website_id, id)) PARTITION BY RANGE (id);
       CREATE TABLE pwb_events_low PARTITION OF pwb_events FOR VALUES FROM (0) TO (20000);
       CREATE TABLE pwb_events_high PARTITION OF pwb_events FOR VALUES FROM (20000) TO (MAXVALUE) PARTITION BY RANGE (id);
       CREATE TABLE pwb_events_high_a PARTITION OF pwb_events_high FOR VALUES FROM (20000) TO (MAXVALUE);
       INSERT INTO pwb_events SELECT CASE WHEN g % 4 = 0 THEN $1::int ELSE 100000 + g % 7 END, g, repeat('event ', 30) FROM generate_series(1, 40000) g;
       ANALYZE pwb_events_low, pwb_events_high_a;`.replace('$1::int', String(id)),
    );
    try {
      ctx.catalog.invalidate(shard);
      const [estimate, exact] = await Promise.all([
        callMethod(ctx, 'shards.tenantFootprint', { id }),
        callMethod(ctx, 'shards.tenantFootprint', { id, figure: 'exact' }),
      ]);
      const events = estimate.tables.find((t) => t.table === 'pwb_events')!;
      const exactEvents = exact.tables.find((t) => t.table === 'pwb_events')!;
      expect(events.rows).toBe(10_000);
      const ratio = events.bytes / exactEvents.bytes;
      expect(ratio, `estimate ${events.bytes} vs exact ${exactEvents.bytes}`).toBeGreaterThan(0.7);
      expect(ratio).toBeLessThan(1.6);
      const sampled = await estimateTenantSizes(ctx.pools.get(shard), await ctx.catalog.get(shard), 3, { sampleRowsPerTable: 3000 });
      expect(sampled.sampledTables).toContain('pwb_events');
      expect(sampled.largest[0]!.id).toBe(id);
    } finally {
      await sql(shard, 'DROP TABLE pwb_events');
      ctx.catalog.invalidate(shard);
    }
  });
});

describe('sizes CLI', () => {
  const bin = fileURLToPath(new URL('../../../bin/shard-console.js', import.meta.url));
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [bin, ...args], { env: { ...process.env, SC_TEST_PASSWORD: cluster.password } }, (error, stdout) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });

  it('sizes --json carries the contract fields; --database picks one', async () => {
    const all = await cli(['sizes', '--profile', cluster.profilePath, '--json']);
    expect(all.code).toBe(0);
    const out = JSON.parse(all.stdout);
    expect(out.databases.map((d: { name: string }) => d.name).sort()).toEqual(['default', 'shard_1', 'shard_2']);
    for (const db of out.databases) {
      expect(db).toEqual(
        expect.objectContaining({ name: expect.any(String), sizeBytes: expect.any(Number), tables: expect.any(Array), largestTenants: expect.any(Array) }),
      );
      for (const t of db.tables) expect(Object.keys(t)).toEqual(expect.arrayContaining(['table', 'heapBytes', 'indexBytes', 'toastBytes', 'rowsEstimate']));
      expect(db.largestTenants.length).toBeGreaterThan(0);
      for (const t of db.largestTenants)
        expect(t).toEqual(expect.objectContaining({ id: expect.any(Number), bytes: expect.any(Number), rows: expect.any(Number) }));
    }
    const one = await cli(['sizes', '--database', 'shard_2', '--profile', cluster.profilePath, '--json']);
    expect(JSON.parse(one.stdout).databases.map((d: { name: string }) => d.name)).toEqual(['shard_2']);
    const human = await cli(['sizes', '--database', 'shard_2', '--profile', cluster.profilePath]);
    expect(human.stdout).toMatch(/^shard_2 \(shard\): \d+(\.\d+)? MB/);
    expect(human.stdout).toMatch(/largest tenants on shard_2 \(estimate/);
  });
});
