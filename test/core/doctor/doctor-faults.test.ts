import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClusterProfile } from '../../../electron/core/config/resolve-profile-source.ts';
import { memorySecretStore } from '../../../electron/core/config/secret-store.ts';
import { openConsole, type ConsoleContext } from '../../../electron/core/console-context.ts';
import { findFreePort } from '../../../electron/core/demo/embedded-cluster.ts';
import type { DoctorResult, Finding } from '../../../shared/contract.ts';
import { startTestCluster, testPool, type TestCluster } from '../../harness/test-cluster.ts';
import { callMethod } from '../../support/test-console.ts';
import { previewMove } from '../../../electron/core/moves/move-service.ts';

/*
 * Each finding kind is produced by a deliberate fault on a cluster of our own and is gone once the
 * fault is fixed. The doctor must never change anything, so every fault is made and undone here by SQL.
 */

let cluster: TestCluster;
let ctx: ConsoleContext;
const pools = new Map<string, pg.Pool>();

async function sql<R extends pg.QueryResultRow = any>(database: string, text: string, params: unknown[] = []): Promise<R[]> {
  return (await pools.get(database)!.query<R>(text, params)).rows;
}

async function open(profilePath: string): Promise<ConsoleContext> {
  const profile = await loadClusterProfile(
    { profile: profilePath },
    { env: { ...process.env, SC_TEST_PASSWORD: cluster.password }, secrets: memorySecretStore() },
  );
  return openConsole(profile);
}

const doctor = (c: ConsoleContext = ctx): Promise<DoctorResult> => callMethod(c, 'doctor.run', {});
const ofKind = (result: DoctorResult, kind: Finding['kind']) => result.findings.filter((f) => f.kind === kind);

/** A website whose shard_name routes to `shard`, with rows there. */
async function websiteOn(shard: string): Promise<number> {
  const [row] = await sql<{ id: number }>('default', `SELECT id FROM pwb_websites WHERE shard_name = $1 ORDER BY id LIMIT 1`, [shard]);
  return row!.id;
}

beforeAll(async () => {
  cluster = await startTestCluster({ websites: 24, scale: 0.01, seed: 5 });
  for (const server of cluster.servers) pools.set(server.name, testPool(server, cluster.password));
  // Give pwb_website_integrations disjoint ids per database (nothing references it), so the id-range
  // check has one table that starts clean.
  await sql('shard_1', `UPDATE pwb_website_integrations SET id = id + 2000000`);
  await sql('shard_2', `UPDATE pwb_website_integrations SET id = id + 1000000`);
  ctx = await open(cluster.profilePath);
});

afterAll(async () => {
  await ctx?.close();
  await Promise.all([...pools.values()].map((p) => p.end()));
  await cluster?.stop();
});

describe('doctor on a healthy cluster', () => {
  it('finds no errors, says what it checked, and changes nothing', async () => {
    const before = await sql('default', `SELECT count(*)::int AS n FROM pwb_websites`);
    const result = await doctor();
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(ofKind(result, 'orphaned-rows')).toEqual([]);
    expect(ofKind(result, 'stale-materialized-view')).toEqual([]);
    expect(ofKind(result, 'id-range-overlap').filter((f) => f.table === 'pwb_website_integrations')).toEqual([]);
    expect(result.checks.map((c) => c.check)).toEqual(
      expect.arrayContaining(['misplaced, split and orphaned rows', 'id ranges between databases', 'pending migrations', 'schema drift']),
    );
    expect(result.databases.map((d) => d.name).sort()).toEqual(['default', 'shard_1', 'shard_2']);
    expect(await sql('default', `SELECT count(*)::int AS n FROM pwb_websites`)).toEqual(before);
  });
});

describe('each fault becomes a finding and goes away once fixed', () => {
  it("a website's rows left on the wrong shard: misplaced-rows and website-on-several-databases", async () => {
    const id = await websiteOn('shard_1');
    const [asset] = await sql<{ id: string }>(
      'shard_2',
      `INSERT INTO pwb_realty_assets (website_id, reference, slug, created_at, updated_at) VALUES ($1::int, 'LEFT-1', 'left-over-' || $1::int, now(), now()) RETURNING id::text`,
      [id],
    );
    await sql(
      'shard_2',
      `INSERT INTO pwb_prop_photos (realty_asset_id, image, created_at, updated_at) VALUES ($1, 'a.jpg', now(), now()), ($1, 'b.jpg', now(), now())`,
      [asset!.id],
    );
    try {
      const result = await doctor();
      const misplaced = ofKind(result, 'misplaced-rows').find((f) => f.website === id);
      expect(misplaced).toMatchObject({ severity: 'error', database: 'shard_2', rows: 3, table: 'pwb_prop_photos, pwb_realty_assets' });
      expect(misplaced!.message).toContain('shard_1');
      expect(misplaced!.message).toContain('leftover');
      expect(misplaced!.fix).toMatch(/delete its rows from shard_2/);
      expect(misplaced!.link).toMatchObject({ action: 'cleanup', websiteId: id, href: `#/tenants/${id}` });
      const split = ofKind(result, 'website-on-several-databases').find((f) => f.website === id);
      expect(split).toMatchObject({ severity: 'error', database: null });
      expect(split!.message).toMatch(/shard_1 \d+, shard_2 3|shard_2 3, shard_1/);
      expect(result.databases.find((d) => d.name === 'shard_2')!.errors).toBeGreaterThanOrEqual(1);
    } finally {
      await sql('shard_2', `DELETE FROM pwb_prop_photos WHERE realty_asset_id = $1`, [asset!.id]);
      await sql('shard_2', `DELETE FROM pwb_realty_assets WHERE id = $1`, [asset!.id]);
    }
    const fixed = await doctor();
    expect(ofKind(fixed, 'misplaced-rows')).toEqual([]);
    expect(ofKind(fixed, 'website-on-several-databases')).toEqual([]);
  });

  it('a routed copy short of some tables (a mover that copied only the website_id tables): nothing is called a leftover to delete', async () => {
    const id = await websiteOn('shard_2');
    // The website's realty assets alone copied to shard_1 and its routing switched; its photos and the rest stay on shard_2.
    const [asset] = await sql<{ id: string }>('shard_2', `SELECT id::text FROM pwb_realty_assets WHERE website_id = $1 ORDER BY id LIMIT 1`, [id]);
    const photos = await sql<{ n: number }>('shard_2', `SELECT count(*)::int AS n FROM pwb_prop_photos WHERE realty_asset_id = $1`, [asset!.id]);
    expect(photos[0]!.n).toBeGreaterThan(0);
    await sql(
      'shard_1',
      `INSERT INTO pwb_realty_assets (id, website_id, reference, slug, created_at, updated_at) VALUES ($1, $2::int, 'COPIED', 'copied-' || $2::int, now(), now())`,
      [asset!.id, id],
    );
    // More of its rows there in all than on shard_2 (contacts made since), none of its photos: totals alone would call shard_2's a leftover.
    await sql(
      'shard_1',
      `INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) SELECT $1, 'since', now(), now() FROM generate_series(1, 2000)`,
      [id],
    );
    await sql('default', `UPDATE pwb_websites SET shard_name = 'shard_1' WHERE id = $1`, [id]);
    try {
      const result = await doctor();
      const stray = ofKind(result, 'misplaced-rows').find((f) => f.website === id)!;
      expect(stray).toMatchObject({ database: 'shard_2' });
      expect(stray.rows).toBeLessThan(2000);
      expect(stray.message).toMatch(/but it holds fewer in .*pwb_prop_photos \d+ here, 0 there/);
      expect(stray.message).not.toContain('leftover');
      expect(stray.fix).toMatch(/^Delete nothing: /);
      expect(stray.link?.action).not.toBe('cleanup');
      const split = ofKind(result, 'website-on-several-databases').find((f) => f.website === id)!;
      expect(split.fix).toMatch(/^Delete nothing yet: its shard_name names shard_1, which may not hold all of it/);
      expect(split.link?.action).not.toBe('cleanup');
    } finally {
      await sql('default', `UPDATE pwb_websites SET shard_name = 'shard_2' WHERE id = $1`, [id]);
      await sql('shard_1', `DELETE FROM pwb_realty_assets WHERE id = $1`, [asset!.id]);
      await sql('shard_1', `DELETE FROM pwb_contacts WHERE website_id = $1 AND first_name = 'since'`, [id]);
    }
  });

  it('a website whose shard_name points at a database without its data: its routing goes back first, then a move can run', async () => {
    const id = await websiteOn('shard_1');
    await sql('default', `UPDATE pwb_websites SET shard_name = 'shard_2' WHERE id = $1`, [id]);
    try {
      const finding = ofKind(await doctor(), 'misplaced-rows').find((f) => f.website === id);
      expect(finding).toMatchObject({ database: 'shard_1', severity: 'error' });
      expect(finding!.message).toContain('holds none of it');
      expect(finding!.fix).toContain(`Set website ${id}'s shard_name back to 'shard_1'`);
      expect(finding!.fix).toContain(`shard-console move ${id} --to shard_2`);
      expect(finding!.link).toMatchObject({ action: 'routing' });
      // A move while shard_name names shard_2 starts from shard_2, which holds nothing: it cannot be the fix.
      expect((await previewMove(ctx, id, 'shard_2', { source: 'shard_1' })).refusals.map((r) => r.code)).toContain('WRONG_SOURCE');
    } finally {
      await sql('default', `UPDATE pwb_websites SET shard_name = 'shard_1' WHERE id = $1`, [id]);
    }
    // Routing put back as the fix says, the move it then names starts from the right database (this
    // cluster's shards keep their own pwb_websites, so a move may still ask for its row there first).
    expect(ofKind(await doctor(), 'misplaced-rows')).toEqual([]);
    const codes = (await previewMove(ctx, id, 'shard_2')).refusals.map((r) => r.code);
    expect(codes.filter((c) => c === 'WRONG_SOURCE' || c === 'SAME_DATABASE')).toEqual([]);
  });

  it('pwb_websites unreadable on a primary that answers: an error finding, never a clean exit', async () => {
    await sql('default', 'ALTER TABLE pwb_websites RENAME TO pwb_websites_hidden');
    try {
      const result = await doctor();
      expect(result.checks.find((c) => c.check === 'misplaced, split and orphaned rows')).toMatchObject({ status: 'unavailable' });
      expect(ofKind(result, 'unreachable-database')).toEqual([
        expect.objectContaining({
          severity: 'error',
          database: 'default',
          message: expect.stringContaining('pwb_websites could not be read on default'),
        }),
      ]);
    } finally {
      await sql('default', 'ALTER TABLE pwb_websites_hidden RENAME TO pwb_websites');
    }
    expect(ofKind(await doctor(), 'unreachable-database')).toEqual([]);
  });

  it('a website split between databases its shard_name does not name: nothing is to be deleted until the whole copy is known', async () => {
    const id = await websiteOn('shard_1');
    // A copy of one of its pages on default too, and shard_name naming a database no profile carries.
    await sql('default', `INSERT INTO pwb_pages (website_id, slug, created_at, updated_at) VALUES ($1, 'split-probe', now(), now())`, [id]);
    await sql('default', `UPDATE pwb_websites SET shard_name = 'shard_9' WHERE id = $1`, [id]);
    try {
      const split = ofKind(await doctor(), 'website-on-several-databases').find((f) => f.website === id);
      expect(split!.fix).toMatch(/^Delete nothing yet: its shard_name names shard_9, which no configured database is/);
      expect(split!.fix).not.toMatch(/delete its rows from/);
      expect(split!.link).toMatchObject({ action: 'routing' });
      // Named a database that was read and holds none of it: so said, and no copy's finding tells to route to itself.
      await sql('default', `UPDATE pwb_websites SET shard_name = 'shard_2' WHERE id = $1`, [id]);
      const result = await doctor();
      expect(ofKind(result, 'website-on-several-databases').find((f) => f.website === id)!.fix).toMatch(
        /which holds none of it, so which copy is whole is not known/,
      );
      for (const f of ofKind(result, 'misplaced-rows').filter((x) => x.website === id)) expect(f.fix).toMatch(/^Find which copy is whole first/);
    } finally {
      await sql('default', `UPDATE pwb_websites SET shard_name = 'shard_1' WHERE id = $1`, [id]);
      await sql('default', `DELETE FROM pwb_pages WHERE slug = 'split-probe'`);
    }
  });

  it('a bogus shard_name: unknown-shard-name, and its rows reported where they are', async () => {
    const id = await websiteOn('shard_2');
    await sql('default', `UPDATE pwb_websites SET shard_name = 'shard_9' WHERE id = $1`, [id]);
    try {
      const result = await doctor();
      expect(ofKind(result, 'unknown-shard-name')).toEqual([
        expect.objectContaining({
          severity: 'error',
          database: null,
          table: 'pwb_websites',
          rows: 1,
          link: expect.objectContaining({ href: '#/tenants?shard=shard_9' }),
        }),
      ]);
      expect(ofKind(result, 'unknown-shard-name')[0]!.message).toContain("'shard_9'");
      const stray = ofKind(result, 'misplaced-rows').find((f) => f.website === id);
      expect(stray).toMatchObject({ database: 'shard_2' });
      // Its live data may be on the database the profile lacks: no routing change comes first.
      expect(stray!.fix).toMatch(/^Change and delete nothing yet: if "shard_9" is a database the application uses, add it to the profile/);
      expect(stray!.fix).toContain(`Only if no database "shard_9" exists, set website ${id}'s shard_name to 'shard_2'`);
    } finally {
      await sql('default', `UPDATE pwb_websites SET shard_name = 'shard_2' WHERE id = $1`, [id]);
    }
    const fixed = await doctor();
    expect(ofKind(fixed, 'unknown-shard-name')).toEqual([]);
    expect(ofKind(fixed, 'misplaced-rows')).toEqual([]);
  });

  it("a blank shard_name routes to the primary, as PWB's shard_name.presence does: no finding, and the website is listed there", async () => {
    const [row] = await sql<{ id: number }>('default', `SELECT id FROM pwb_websites WHERE shard_name IS NULL OR shard_name = 'default' ORDER BY id LIMIT 1`);
    const site = row!.id;
    const [before] = await sql<{ shard_name: string | null }>('default', 'SELECT shard_name FROM pwb_websites WHERE id = $1', [site]);
    await sql('default', `UPDATE pwb_websites SET shard_name = '  ' WHERE id = $1`, [site]);
    try {
      const result = await doctor();
      expect(ofKind(result, 'unknown-shard-name')).toEqual([]);
      expect(result.findings.filter((f) => f.website === site)).toEqual([]);
      const listed = await callMethod(ctx, 'tenants.list', { shard: 'default', search: String(site), limit: 50, offset: 0, sort: 'id', direction: 'asc' });
      expect(listed.items.find((t) => t.id === site)).toMatchObject({ shard: 'default', configured: true });
      expect((await callMethod(ctx, 'tenants.detail', { id: site })).database).toBe('default');
    } finally {
      await sql('default', 'UPDATE pwb_websites SET shard_name = $2 WHERE id = $1', [site, before!.shard_name]);
    }
  });

  it("a table with INHERITS children counts its own rows, each child its own: the website's page and the doctor count a row once", async () => {
    const [row] = await sql<{ id: number }>('default', `SELECT id FROM pwb_websites WHERE shard_name IS NULL OR shard_name = 'default' ORDER BY id LIMIT 1`);
    const site = row!.id;
    await sql(
      'default',
      `CREATE TABLE pwb_visit_logs (id bigserial PRIMARY KEY, website_id integer NOT NULL); CREATE TABLE pwb_visit_logs_2026 () INHERITS (pwb_visit_logs)`,
    );
    try {
      await sql('default', 'INSERT INTO pwb_visit_logs_2026 (website_id) VALUES ($1), ($1)', [site]);
      await ctx.catalog.invalidate();
      const detail = await callMethod(ctx, 'tenants.detail', { id: site });
      const rows = Object.fromEntries(detail.tables.filter((t) => t.table.startsWith('pwb_visit_logs')).map((t) => [t.table, t.rows]));
      expect(rows).toEqual({ pwb_visit_logs: 0, pwb_visit_logs_2026: 2 });
      expect(ofKind(await doctor(), 'misplaced-rows').filter((f) => f.website === site)).toEqual([]);
    } finally {
      await sql('default', 'DROP TABLE pwb_visit_logs CASCADE');
      await ctx.catalog.invalidate();
    }
  });

  it('two shards recording one block of ids (one copied from the other): shared-sequence-block, with a slot to record instead', async () => {
    expect(ofKind(await doctor(), 'shared-sequence-block')).toEqual([]);
    await sql('shard_2', 'UPDATE shard_console.sequence_slot SET slot = 1');
    try {
      const result = await doctor();
      expect(ofKind(result, 'shared-sequence-block')).toEqual([
        expect.objectContaining({
          severity: 'warning',
          database: 'shard_2',
          message: expect.stringContaining('shard_1 and shard_2 record the same block of ids (slot 1'),
          fix: expect.stringContaining('UPDATE shard_console.sequence_slot SET slot = 3'),
        }),
      ]);
      expect(result.checks).toContainEqual({ check: 'sequence blocks', status: 'ran', note: null });
    } finally {
      await sql('shard_2', 'UPDATE shard_console.sequence_slot SET slot = 2');
    }
    expect(ofKind(await doctor(), 'shared-sequence-block')).toEqual([]);
  });

  it('an orphan: tenant rows whose key matches no website', async () => {
    await sql(
      'shard_1',
      `INSERT INTO pwb_pages (website_id, slug, created_at, updated_at) VALUES (777777, 'ghost-a', now(), now()), (777777, 'ghost-b', now(), now())`,
    );
    await sql('shard_1', `INSERT INTO pwb_field_keys (pwb_website_id, global_key, created_at, updated_at) VALUES (777777, 'ghost.key', now(), now())`);
    try {
      const orphans = ofKind(await doctor(), 'orphaned-rows');
      expect(orphans).toEqual([
        expect.objectContaining({ severity: 'warning', database: 'shard_1', website: 777777, rows: 3, table: 'pwb_pages, pwb_field_keys' }),
      ]);
      expect(orphans[0]!.message).toContain('no website has');
      expect(orphans[0]!.fix).toContain('delete these rows from shard_1');
    } finally {
      await sql('shard_1', `DELETE FROM pwb_pages WHERE website_id = 777777`);
      await sql('shard_1', `DELETE FROM pwb_field_keys WHERE pwb_website_id = 777777`);
    }
    expect(ofKind(await doctor(), 'orphaned-rows')).toEqual([]);
  });

  it('overlapping ids: a row on a shard with an id the primary also hands out', async () => {
    const [range] = await sql<{ lo: number }>('default', `SELECT min(id)::int AS lo FROM pwb_website_integrations`);
    // The shard whose ids start lowest: an id below them widens its range over the primary's only.
    const starts = await Promise.all(
      ['shard_1', 'shard_2'].map(async (name) => ({ name, min: Number((await sql(name, `SELECT min(id)::text AS m FROM pwb_website_integrations`))[0].m) })),
    );
    const shard = starts.sort((a, b) => a.min - b.min)[0]!.name;
    const id = await websiteOn(shard);
    await sql(
      shard,
      `INSERT INTO pwb_website_integrations (id, website_id, category, provider, created_at, updated_at) VALUES ($1, $2, 'crm', 'zoho-x', now(), now())`,
      [range!.lo, id],
    );
    try {
      const overlaps = ofKind(await doctor(), 'id-range-overlap').filter((f) => f.table === 'pwb_website_integrations');
      expect(overlaps.map((f) => f.database).sort(), JSON.stringify(overlaps.map((f) => f.message))).toEqual(['default', shard]);
      const mine = overlaps.find((f) => f.database === shard)!;
      expect(mine).toMatchObject({ severity: 'warning', rows: expect.any(Number) });
      expect(mine.message).toMatch(/overlap default/);
      expect(mine.fix).toContain('setval');
    } finally {
      await sql(shard, `DELETE FROM pwb_website_integrations WHERE id = $1`, [range!.lo]);
    }
    expect(ofKind(await doctor(), 'id-range-overlap').filter((f) => f.table === 'pwb_website_integrations')).toEqual([]);
  });

  it("re-runs a materialized view's query read-only: a function in it that writes does not write", async () => {
    await sql(
      'shard_2',
      `CREATE TABLE doctor_probe_log (n int);
       CREATE FUNCTION doctor_probe() RETURNS int LANGUAGE plpgsql VOLATILE AS $$ BEGIN INSERT INTO public.doctor_probe_log VALUES (1); RETURN 1; END $$;
       CREATE MATERIALIZED VIEW doctor_probe_view AS SELECT doctor_probe() AS n;
       TRUNCATE doctor_probe_log`,
    );
    try {
      const result = await doctor();
      expect(ofKind(result, 'unreachable-database')).toEqual([]);
      expect(ofKind(result, 'stale-materialized-view')).toEqual([]);
      expect(await sql('shard_2', 'SELECT count(*)::int AS n FROM doctor_probe_log')).toEqual([{ n: 0 }]);
    } finally {
      await sql('shard_2', 'DROP MATERIALIZED VIEW doctor_probe_view; DROP FUNCTION doctor_probe(); DROP TABLE doctor_probe_log');
    }
  });

  it('a materialized view not refreshed after its tables changed', async () => {
    const id = await websiteOn('shard_1');
    const [asset] = await sql<{ id: string }>(
      'shard_1',
      `INSERT INTO pwb_realty_assets (website_id, reference, slug, created_at, updated_at) VALUES ($1::int, 'NEW-1', 'fresh-' || $1::int, now(), now()) RETURNING id::text`,
      [id],
    );
    try {
      const stale = ofKind(await doctor(), 'stale-materialized-view');
      expect(stale).toEqual([expect.objectContaining({ severity: 'warning', database: 'shard_1', table: 'pwb_properties', website: id, rows: 1 })]);
      expect(stale[0]!.fix).toContain('REFRESH MATERIALIZED VIEW CONCURRENTLY pwb_properties');
      await sql('shard_1', `REFRESH MATERIALIZED VIEW CONCURRENTLY pwb_properties`);
      expect(ofKind(await doctor(), 'stale-materialized-view')).toEqual([]);
    } finally {
      await sql('shard_1', `DELETE FROM pwb_realty_assets WHERE id = $1`, [asset!.id]);
      await sql('shard_1', `REFRESH MATERIALIZED VIEW CONCURRENTLY pwb_properties`);
    }
  });

  it('an unreachable database: reported, its checks marked partial, the rest still checked', async () => {
    const profile = JSON.parse(await readFile(cluster.profilePath, 'utf8'));
    profile.shards.shard_2.port = await findFreePort();
    const brokenPath = cluster.profilePath.replace(/\.json$/, '-broken.json');
    await writeFile(brokenPath, JSON.stringify(profile));
    const broken = await open(brokenPath);
    try {
      const result = await doctor(broken);
      expect(ofKind(result, 'unreachable-database')).toEqual([expect.objectContaining({ severity: 'error', database: 'shard_2' })]);
      expect(result.databases.find((d) => d.name === 'shard_2')).toMatchObject({ reachable: false, errors: 1 });
      expect(result.checks.find((c) => c.check === 'misplaced, split and orphaned rows')).toMatchObject({ status: 'partial' });
    } finally {
      await broken.close();
    }
    expect(ofKind(await doctor(), 'unreachable-database')).toEqual([]);
  });

  it("one database under two names (a pooler's port in front of it): an error of its own, its rows judged once, never called misplaced", async () => {
    const shard1 = cluster.servers.find((s) => s.name === 'shard_1')!;
    // A port of its own in front of shard_1's server, as a pooler or a second listener would be.
    const proxy = createServer((socket) => {
      const upstream = connect(shard1.port, shard1.host);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const profile = JSON.parse(await readFile(cluster.profilePath, 'utf8'));
    profile.shards.shard_9 = { ...profile.shards.shard_1, port: (proxy.address() as AddressInfo).port };
    const aliasPath = cluster.profilePath.replace(/\.json$/, '-alias.json');
    await writeFile(aliasPath, JSON.stringify(profile));
    const aliased = await open(aliasPath);
    // A website routed by the second name: its rows are where that name says, and judged so.
    const routedByAlias = await websiteOn('shard_1');
    await sql('default', `UPDATE pwb_websites SET shard_name = 'shard_9' WHERE id = $1`, [routedByAlias]);
    try {
      const result = await doctor(aliased);
      expect(ofKind(result, 'same-database')).toEqual([expect.objectContaining({ severity: 'error', database: 'shard_9' })]);
      expect(ofKind(result, 'same-database')[0]!.message).toContain('is the same database as shard_1');
      expect(ofKind(result, 'misplaced-rows').filter((f) => f.database === 'shard_9' || f.database === 'shard_1' || f.website === routedByAlias)).toEqual([]);
      expect(result.checks.find((c) => c.check === 'misplaced, split and orphaned rows')).toMatchObject({ status: 'partial' });
      // Its ids are not compared with its own under the other name (all of them would overlap), nor its views judged twice.
      expect(ofKind(result, 'id-range-overlap').filter((f) => `${f.database} ${f.message}`.includes('shard_9'))).toEqual([]);
      expect(result.findings.filter((f) => f.database === 'shard_9' && f.kind !== 'same-database')).toEqual([]);
    } finally {
      await sql('default', `UPDATE pwb_websites SET shard_name = 'shard_1' WHERE id = $1`, [routedByAlias]);
      await aliased.close();
      proxy.close();
    }
    expect(ofKind(await doctor(), 'same-database')).toEqual([]);
  });

  it('rows left on one shard of a website routed to a shard that did not answer: not called "served from an empty database"', async () => {
    const id = await websiteOn('shard_2');
    const profile = JSON.parse(await readFile(cluster.profilePath, 'utf8'));
    profile.shards.shard_2.port = await findFreePort();
    const brokenPath = cluster.profilePath.replace(/\.json$/, '-down.json');
    await writeFile(brokenPath, JSON.stringify(profile));
    const broken = await open(brokenPath);
    await sql('shard_1', `INSERT INTO pwb_pages (website_id, slug, created_at, updated_at) VALUES ($1, 'left-behind', now(), now())`, [id]);
    try {
      const stray = ofKind(await doctor(broken), 'misplaced-rows').find((f) => f.website === id);
      expect(stray).toMatchObject({ database: 'shard_1', rows: 1, table: 'pwb_pages', link: null });
      expect(stray!.message).toContain('shard_2, which could not be read this time');
      expect(stray!.message).not.toContain('holds none');
      expect(stray!.fix).toContain('Get shard_2 answering again');
    } finally {
      await sql('shard_1', `DELETE FROM pwb_pages WHERE website_id = $1 AND slug = 'left-behind'`, [id]);
      await broken.close();
    }
  });

  it("rows per website that cannot be counted on a database are an error of their own, never only a check's note", async () => {
    const profile = JSON.parse(await readFile(cluster.profilePath, 'utf8'));
    profile.pool = { ...profile.pool, statementTimeoutMs: 1000 };
    const slowPath = cluster.profilePath.replace(/\.json$/, '-count.json');
    await writeFile(slowPath, JSON.stringify(profile));
    // A tenant table no id range or view reads, held by a session that never lets go.
    await sql('shard_1', 'CREATE TABLE pwb_count_probe (website_id integer, note text)');
    const holder = await pools.get('shard_1')!.connect();
    const slow = await open(slowPath);
    try {
      await slow.catalog.get('shard_1');
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE pwb_count_probe IN ACCESS EXCLUSIVE MODE');
      const result = await doctor(slow);
      const failed = ofKind(result, 'unreachable-database').find((f) => f.database === 'shard_1');
      expect(failed).toMatchObject({ severity: 'error', message: expect.stringContaining("shard_1's rows per website could not be counted") });
      expect(failed!.message).toContain('were not checked');
      expect(result.checks.find((c) => c.check === 'misplaced, split and orphaned rows')).toMatchObject({ status: 'partial' });
      expect(result.checks.find((c) => c.check === 'id ranges between databases')).toMatchObject({ status: 'ran' });
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      holder.release();
      await slow.close();
      await sql('shard_1', 'DROP TABLE pwb_count_probe');
    }
  });

  it('one reading failing on a database (a view slower than the statement timeout) leaves its other checks standing', async () => {
    const id = await websiteOn('shard_1');
    const profile = JSON.parse(await readFile(cluster.profilePath, 'utf8'));
    profile.pool = { ...profile.pool, statementTimeoutMs: 1000 };
    const slowPath = cluster.profilePath.replace(/\.json$/, '-slow.json');
    await writeFile(slowPath, JSON.stringify(profile));
    await sql('shard_1', `CREATE MATERIALIZED VIEW pwb_slow_probe AS SELECT pg_sleep(3)::text AS slept, 1 AS website_id`);
    await sql('shard_2', `INSERT INTO pwb_pages (website_id, slug, created_at, updated_at) VALUES ($1, 'left-over', now(), now())`, [id]);
    const slow = await open(slowPath);
    try {
      const result = await doctor(slow);
      expect(ofKind(result, 'unreachable-database')).toEqual([]);
      // shard_1 was counted: its website's rows are found, and shard_2's leftover is one.
      expect(ofKind(result, 'misplaced-rows').find((f) => f.website === id)).toMatchObject({ database: 'shard_2', rows: 1 });
      expect(result.checks.find((c) => c.check === 'misplaced, split and orphaned rows')).toMatchObject({ status: 'ran' });
      const views = result.checks.find((c) => c.check === 'materialized views refreshed')!;
      expect(views.status).toBe('partial');
      expect(views.note).toMatch(/shard_1's materialized views could not be read: .*statement timeout/);
    } finally {
      await slow.close();
      await sql('shard_2', `DELETE FROM pwb_pages WHERE website_id = $1 AND slug = 'left-over'`, [id]);
      await sql('shard_1', `DROP MATERIALIZED VIEW pwb_slow_probe`);
    }
  });
});

describe('doctor CLI', () => {
  const bin = fileURLToPath(new URL('../../../bin/shard-console.js', import.meta.url));
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [bin, ...args], { env: { ...process.env, SC_TEST_PASSWORD: cluster.password } }, (error, stdout) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });

  it('doctor --json carries the contract fields and exits 1 only when a finding is an error', async () => {
    const clean = await cli(['doctor', '--profile', cluster.profilePath, '--json']);
    expect(clean.code).toBe(0);
    const id = await websiteOn('shard_1');
    await sql('shard_2', `INSERT INTO pwb_pages (website_id, slug, created_at, updated_at) VALUES ($1, 'stray', now(), now())`, [id]);
    try {
      const faulty = await cli(['doctor', '--profile', cluster.profilePath, '--json']);
      expect(faulty.code).toBe(1);
      const out = JSON.parse(faulty.stdout);
      for (const f of out.findings) expect(Object.keys(f)).toEqual(expect.arrayContaining(['kind', 'database', 'table', 'website', 'rows', 'message', 'fix']));
      expect(out.findings).toContainEqual(expect.objectContaining({ kind: 'misplaced-rows', database: 'shard_2', table: 'pwb_pages', website: id, rows: 1 }));
    } finally {
      await sql('shard_2', `DELETE FROM pwb_pages WHERE website_id = $1 AND slug = 'stray'`, [id]);
    }
  });

  it('doctor exits 1 when a check could not run in full, with no error finding (nothing found is no clean bill then)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sc-doctor-migrations-'));
    await mkdir(join(dir, 'global'));
    await mkdir(join(dir, 'tenant'));
    // A file the migration set cannot read: the pending-migrations check is unavailable.
    await writeFile(join(dir, 'tenant', 'bad.sql'), 'SELECT 1;\n');
    const profile = JSON.parse(await readFile(cluster.profilePath, 'utf8'));
    const path = cluster.profilePath.replace(/\.json$/, '-badmigrations.json');
    await writeFile(path, JSON.stringify({ ...profile, migrationsDir: dir }));
    const run = await cli(['doctor', '--profile', path, '--json']);
    const out = JSON.parse(run.stdout);
    expect(out.findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
    expect(out.checks).toContainEqual(expect.objectContaining({ check: 'pending migrations', status: 'unavailable' }));
    expect(run.code).toBe(1);
  });
});
