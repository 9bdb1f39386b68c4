import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { findFreePort } from '../../../electron/core/demo/embedded-cluster.ts';
import { createMove, previewMove } from '../../../electron/core/moves/move-service.ts';
import { preflightMove } from '../../../electron/core/moves/move-preflight.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { otherWebsites, tenantSnapshot } from '../../support/tenant-snapshot.ts';

/*
 * Every preflight refusal: the message says what is wrong and what to do, no job is recorded, and no
 * row anywhere changes (the cluster snapshot before and after is identical, the fault's own row aside).
 */

let pc: PrivateCluster;
let ctx: ConsoleContext;
let site: number; // a default tenant with realty assets and contacts

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 9, scale: 0.02 });
  ctx = await pc.open();
  const primary = await pc.client('default');
  site = (
    await primary.query(
      `SELECT a.website_id AS id FROM pwb_realty_assets a JOIN pwb_websites w ON w.id = a.website_id AND coalesce(w.shard_name, 'default') = 'default' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    )
  ).rows[0].id;
  await primary.end();
});
afterAll(() => pc.stop());

async function jobCount(): Promise<number> {
  const primary = await pc.client('default');
  try {
    const exists = await primary.query(`SELECT to_regclass('shard_console.move_jobs') IS NOT NULL AS e`);
    if (!exists.rows[0].e) return 0;
    return (await primary.query(`SELECT count(*)::int AS n FROM shard_console.move_jobs`)).rows[0].n;
  } finally {
    await primary.end();
  }
}

/** Runs a refused move and checks: refused with the code, the message matches, nothing changed, no job. */
async function expectRefusal(target: string, code: string, message: RegExp, source?: string, context = ctx) {
  const before = otherWebsites(await tenantSnapshot(pc), []);
  const jobs = await jobCount();
  const preview = await previewMove(context, site, target, { source });
  expect(preview.ok).toBe(false);
  expect(preview.refusals.map((r) => r.code)).toContain(code);
  expect(preview.refusals.map((r) => r.message).join('\n')).toMatch(message);
  await expect(createMove(context, site, target, { source })).rejects.toMatchObject({ code: 'MOVE_REFUSED', message: expect.stringMatching(message) });
  expect(otherWebsites(await tenantSnapshot(pc), [])).toEqual(before);
  expect(await jobCount()).toBe(jobs);
}

describe('move preflight refuses and changes nothing', () => {
  it('accepts a clean move and lists every table with rows and bytes in FK order', async () => {
    const preview = await previewMove(ctx, site, 'shard_1');
    expect(preview.refusals).toEqual([]);
    const plan = preview.plan!;
    expect(plan.tables.length).toBe(19);
    const level = (t: string) => plan.tables.find((x) => x.table === t)!.level;
    expect(level('pwb_prop_photos')).toBeGreaterThan(level('pwb_realty_assets'));
    expect(level('pwb_messages')).toBeGreaterThan(level('pwb_contacts'));
    expect(plan.totalRows).toBe(plan.tables.reduce((a, t) => a + t.rows, 0));
    expect(plan.tables.every((t) => t.rows === 0 || t.bytes > 0)).toBe(true);
    expect(plan.materializedViews).toEqual(['pwb_properties']);
  });

  it('an unreachable target', async () => {
    const profile = JSON.parse(await readFile(pc.cluster.profilePath, 'utf8'));
    profile.shards.shard_9 = { host: '127.0.0.1', port: await findFreePort(), database: 'pwb_shard_9', user: 'postgres', password: '${SC_TEST_PASSWORD}' };
    const path = join(await mkdtemp(join(tmpdir(), 'sc-move-')), 'profile.json');
    await writeFile(path, JSON.stringify(profile));
    const withDead = await pc.open(path);
    await expectRefusal('shard_9', 'DATABASE_UNREACHABLE', /shard_9 .* is unreachable/, undefined, withDead);
  });

  it("the website's shard_name is not the source the operator named", async () => {
    await expectRefusal('shard_2', 'WRONG_SOURCE', /routes to "default" \(its shard_name\), not "shard_1"/, 'shard_1');
  });

  it('an unknown target shard', async () => {
    await expectRefusal('shard_7', 'SHARD_UNKNOWN', /No database named "shard_7"/);
  });

  it('an unknown source shard (--from): a typo, not a website that moved', async () => {
    await expectRefusal('shard_1', 'SHARD_UNKNOWN', /No database named "nope" is configured \(configured: default, shard_1/, 'nope');
  });

  it('tenant tables that differ between source and target', async () => {
    const shard = await pc.client('shard_1');
    try {
      await shard.query(`ALTER TABLE pwb_links ALTER COLUMN link_path TYPE text`);
      await expectRefusal('shard_1', 'SCHEMA_DIFFERS', /pwb_links\.link_path is .* on default but text on shard_1/);
    } finally {
      await shard.query(`ALTER TABLE pwb_links ALTER COLUMN link_path TYPE varchar`).catch(() => {});
      await shard.end();
    }
  });

  it('rows of the website already on the target', async () => {
    const shard = await pc.client('shard_1');
    try {
      await shard.query(`INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, 'stray', now(), now())`, [site]);
      await expectRefusal('shard_1', 'TARGET_HAS_ROWS', /shard_1 already holds 1 row\(s\) of website \d+ in pwb_contacts/);
    } finally {
      await shard.query(`DELETE FROM pwb_contacts WHERE first_name = 'stray' AND website_id = $1`, [site]);
      await shard.end();
    }
  });

  it('a copied primary key or a globally unique value already on the target', async () => {
    const source = await pc.client('default');
    const shard = await pc.client('shard_2');
    try {
      const contact = (await source.query(`SELECT id FROM pwb_contacts WHERE website_id = $1 LIMIT 1`, [site])).rows[0].id;
      const other = (await shard.query(`SELECT website_id FROM pwb_contacts LIMIT 1`)).rows[0].website_id;
      await shard.query(`INSERT INTO pwb_contacts (id, website_id, first_name, created_at, updated_at) VALUES ($1, $2, 'same-id', now(), now())`, [
        contact,
        other,
      ]);
      await expectRefusal('shard_2', 'KEY_COLLISION', /in pwb_contacts would collide with rows already on shard_2 on pwb_contacts_pkey \(id\), e\.g\. \(\d+\)/);
      await shard.query(`DELETE FROM pwb_contacts WHERE first_name = 'same-id'`);
      const slug = (await source.query(`SELECT slug FROM pwb_realty_assets WHERE website_id = $1 LIMIT 1`, [site])).rows[0].slug;
      await shard.query(`UPDATE pwb_realty_assets SET slug = $1 WHERE id = (SELECT id FROM pwb_realty_assets LIMIT 1)`, [slug]);
      await expectRefusal('shard_2', 'KEY_COLLISION', new RegExp(`pwb_realty_assets would collide .* \\(slug\\), e\\.g\\. \\(${slug}\\)`));
    } finally {
      await shard.query(`DELETE FROM pwb_contacts WHERE first_name = 'same-id'`);
      await shard.query(`UPDATE pwb_realty_assets SET slug = slug || '-x' WHERE slug IN (SELECT slug FROM pwb_realty_assets GROUP BY 1)`).catch(() => {});
      await source.end();
      await shard.end();
    }
  });

  it("finds a collision whichever side is smaller (the website's keys go to the target, or the target's to the source)", async () => {
    const clients = await Promise.all(['default', 'shard_1', 'shard_2'].map((n) => pc.client(n)));
    const [source, shard] = [clients[0]!, clients[1]!];
    try {
      for (const c of clients) await c.query(`CREATE TABLE pwb_probe_log (id uuid PRIMARY KEY, website_id integer NOT NULL, path text)`);
      await ctx.catalog.invalidate();
      const ids = (
        await source.query(`INSERT INTO pwb_probe_log SELECT gen_random_uuid(), $1, 'p' || i FROM generate_series(1, 40) i RETURNING id`, [site])
      ).rows.map((r) => r.id as string);
      const collision = new RegExp(
        `1 row\\(s\\) of website ${site} in pwb_probe_log would collide with rows already on shard_1 on pwb_probe_log_pkey \\(id\\), e\\.g\\. \\(${ids[7]}\\)`,
      );
      const probed = async () => {
        const seen: string[] = [];
        await preflightMove(ctx, site, 'shard_1', undefined, 'concurrently', (p) => p.index === 'pwb_probe_log_pkey' && seen.push(p.direction));
        return seen;
      };
      // The target's table far smaller than the website's rows: its one key streams to the source.
      await shard.query(`INSERT INTO pwb_probe_log VALUES ($1, $2, 'theirs')`, [ids[7], site + 1000]);
      await shard.query('ANALYZE pwb_probe_log');
      await expectRefusal('shard_1', 'KEY_COLLISION', collision);
      expect(await probed()).toEqual(['to-source']);
      // Far larger: the website's 40 keys stream to the target.
      await shard.query(`INSERT INTO pwb_probe_log SELECT gen_random_uuid(), $1, 'theirs' FROM generate_series(1, 2000)`, [site + 1000]);
      await shard.query('ANALYZE pwb_probe_log');
      await expectRefusal('shard_1', 'KEY_COLLISION', collision);
      expect(await probed()).toEqual(['to-target']);
      // And no collision either way once the key differs.
      await shard.query(`UPDATE pwb_probe_log SET id = gen_random_uuid() WHERE id = $1`, [ids[7]]);
      expect((await previewMove(ctx, site, 'shard_1')).refusals).toEqual([]);
      await shard.query(`DELETE FROM pwb_probe_log`);
      await shard.query('ANALYZE pwb_probe_log');
      expect((await previewMove(ctx, site, 'shard_1')).refusals).toEqual([]);
    } finally {
      for (const c of clients) {
        await c.query(`DROP TABLE IF EXISTS pwb_probe_log`);
        await c.end();
      }
      await ctx.catalog.invalidate();
    }
  });

  it('a collision on an expression index, on a key whatever its INCLUDE columns hold, and on NULLs under NULLS NOT DISTINCT', async () => {
    const clients = await Promise.all(['default', 'shard_1', 'shard_2'].map((n) => pc.client(n)));
    const [source, shard] = [clients[0]!, clients[1]!];
    const row = `INSERT INTO pwb_probe_keys (website_id, email, code, note, badge) VALUES ($1, $2, $3, $4, $5)`;
    try {
      for (const c of clients) {
        await c.query(
          `CREATE TABLE pwb_probe_keys (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), website_id integer NOT NULL, email text, code text, note text, badge text)`,
        );
        await c.query(`CREATE UNIQUE INDEX pwb_probe_keys_email ON pwb_probe_keys (lower(email))`);
        await c.query(`CREATE UNIQUE INDEX pwb_probe_keys_code ON pwb_probe_keys (code) INCLUDE (note)`);
        await c.query(`CREATE UNIQUE INDEX pwb_probe_keys_badge ON pwb_probe_keys (badge) NULLS NOT DISTINCT`);
      }
      await ctx.catalog.invalidate();
      await source.query(row, [site, 'Ann@Example.org', 'c-1', 'ours', 'gold']);
      await source.query(row, [site, 'bob@example.org', 'c-2', 'ours', null]);
      const theirs = site + 1000;
      // Each row below would fail the move's COPY after the fence went up; the preflight finds it first.
      await shard.query(row, [theirs, 'ann@example.ORG', 'c-9', null, 'silver']);
      await expectRefusal(
        'shard_1',
        'KEY_COLLISION',
        /pwb_probe_keys would collide .* on pwb_probe_keys_email \(lower\(email\)\), e\.g\. \(ann@example\.org\)/,
      );
      await shard.query(`DELETE FROM pwb_probe_keys`);
      await shard.query(row, [theirs, 'carol@example.org', 'c-1', 'theirs', 'silver']);
      await expectRefusal('shard_1', 'KEY_COLLISION', /pwb_probe_keys would collide .* on pwb_probe_keys_code \(code\), e\.g\. \(c-1\)/);
      await shard.query(`DELETE FROM pwb_probe_keys`);
      await shard.query(row, [theirs, 'carol@example.org', 'c-9', 'theirs', null]);
      await expectRefusal('shard_1', 'KEY_COLLISION', /pwb_probe_keys would collide .* on pwb_probe_keys_badge \(badge\), e\.g\. \(\)/);
      // A NULL of an index whose NULLs are distinct collides with nothing.
      await shard.query(`UPDATE pwb_probe_keys SET badge = 'silver', email = NULL`);
      await source.query(`UPDATE pwb_probe_keys SET email = NULL WHERE email LIKE 'bob%'`);
      expect((await previewMove(ctx, site, 'shard_1')).refusals).toEqual([]);
    } finally {
      for (const c of clients) {
        await c.query(`DROP TABLE IF EXISTS pwb_probe_keys`);
        await c.end();
      }
      await ctx.catalog.invalidate();
    }
  });

  it("probes the target's unique indexes, which the copy must pass, not the source's", async () => {
    const clients = await Promise.all(['default', 'shard_1', 'shard_2'].map((n) => pc.client(n)));
    const [source, shard] = [clients[0]!, clients[1]!];
    const row = `INSERT INTO pwb_probe_slugs (website_id, slug) VALUES ($1, $2)`;
    try {
      for (const c of clients)
        await c.query(`CREATE TABLE pwb_probe_slugs (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), website_id integer NOT NULL, slug text)`);
      // Unique per website on the source; unique across websites on the target (indexes are no part of the schema comparison).
      await source.query(`CREATE UNIQUE INDEX pwb_probe_slugs_per_site ON pwb_probe_slugs (website_id, slug)`);
      await shard.query(`CREATE UNIQUE INDEX pwb_probe_slugs_global ON pwb_probe_slugs (slug)`);
      await ctx.catalog.invalidate();
      await source.query(row, [site, 'home']);
      await shard.query(row, [site + 1000, 'home']);
      await expectRefusal('shard_1', 'KEY_COLLISION', /pwb_probe_slugs would collide .* on pwb_probe_slugs_global \(slug\), e\.g\. \(home\)/);
      // The other way round the target enforces nothing across websites: no refusal.
      await shard.query(`DROP INDEX pwb_probe_slugs_global`);
      await shard.query(`CREATE UNIQUE INDEX pwb_probe_slugs_per_site ON pwb_probe_slugs (website_id, slug)`);
      await source.query(`DROP INDEX pwb_probe_slugs_per_site`);
      await source.query(`CREATE UNIQUE INDEX pwb_probe_slugs_global ON pwb_probe_slugs (slug)`);
      await ctx.catalog.invalidate();
      expect((await previewMove(ctx, site, 'shard_1')).refusals).toEqual([]);
    } finally {
      for (const c of clients) {
        await c.query(`DROP TABLE IF EXISTS pwb_probe_slugs`);
        await c.end();
      }
      await ctx.catalog.invalidate();
    }
  });

  it('a conflict under an exclusion constraint, on a column and on an expression inside its predicate', async () => {
    const clients = await Promise.all(['default', 'shard_1', 'shard_2'].map((n) => pc.client(n)));
    const [source, shard] = [clients[0]!, clients[1]!];
    const row = `INSERT INTO pwb_probe_bookings (website_id, room, starts, ends, cancelled) VALUES ($1, $2::int4range, $3, $4, $5)`;
    try {
      for (const c of clients) {
        await c.query(
          `CREATE TABLE pwb_probe_bookings (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), website_id integer NOT NULL, room int4range, starts timestamptz, ends timestamptz, cancelled boolean NOT NULL DEFAULT false,
             CONSTRAINT pwb_probe_bookings_room EXCLUDE USING gist (room WITH &&),
             CONSTRAINT pwb_probe_bookings_slot EXCLUDE USING gist (tstzrange(starts, ends) WITH &&) WHERE (NOT cancelled),
             CONSTRAINT pwb_probe_bookings_own EXCLUDE USING btree (website_id WITH =, starts WITH =))`,
        );
      }
      await ctx.catalog.invalidate();
      await source.query(row, [site, '[1,3)', '2026-12-01 10:00Z', '2026-12-01 11:00Z', false]);
      const theirs = site + 1000;
      // Each row below would fail the move's COPY after the fence went up; the preflight finds it first.
      await shard.query(row, [theirs, '[2,4)', '2026-12-02 10:00Z', '2026-12-02 11:00Z', false]);
      await expectRefusal(
        'shard_1',
        'KEY_COLLISION',
        /1 pair\(s\) of a row of website \d+ in pwb_probe_bookings and a row already on shard_1 would break the exclusion constraint pwb_probe_bookings_room \(room WITH &&\), e\.g\. website rows \("\[1,3\)"\)\. Change or remove the conflicting rows on shard_1 first\./,
      );
      await shard.query(`UPDATE pwb_probe_bookings SET room = '[3,5)', starts = '2026-12-01 10:30Z', ends = '2026-12-01 11:30Z'`);
      await expectRefusal('shard_1', 'KEY_COLLISION', /exclusion constraint pwb_probe_bookings_slot \(tstzrange\(starts, ends\) WITH &&\)/);
      // Outside the constraint's predicate, or not overlapping, nothing conflicts; nor does the same start of another website.
      await shard.query(`UPDATE pwb_probe_bookings SET cancelled = true`);
      expect((await previewMove(ctx, site, 'shard_1')).refusals).toEqual([]);
      await shard.query(`UPDATE pwb_probe_bookings SET cancelled = false, starts = '2026-12-01 10:00Z', ends = '2026-12-01 10:00Z'`);
      expect((await previewMove(ctx, site, 'shard_1')).refusals).toEqual([]);
    } finally {
      for (const c of clients) {
        await c.query(`DROP TABLE IF EXISTS pwb_probe_bookings`);
        await c.end();
      }
      await ctx.catalog.invalidate();
    }
  });

  it("a row of the website naming another website's row, and a row not the website's naming one of its rows", async () => {
    const source = await pc.client('default');
    try {
      const contactOf = async (which: string) =>
        (await source.query(`SELECT id, website_id FROM pwb_contacts WHERE website_id ${which} $1 ORDER BY id LIMIT 1`, [site])).rows[0];
      const [ours, theirs] = [await contactOf('='), await contactOf('<>')];
      expect(Number(theirs.website_id)).not.toBe(site);
      const message = `INSERT INTO pwb_messages (website_id, contact_id, title, created_at, updated_at) VALUES ($1, $2, 'cross-probe', now(), now())`;
      // Its message names another website's contact: the copy would be rejected on the target.
      await source.query(message, [site, theirs.id]);
      await expectRefusal(
        'shard_1',
        'MISSING_REFERENCE',
        new RegExp(
          `1 row\\(s\\) of website ${site} in pwb_messages reference 1 pwb_contacts row\\(s\\) that shard_1 does not have, through fk_rails_pwb_messages_contact \\(contact_id = \\(${theirs.id}\\)\\); .*not website ${site}'s`,
        ),
      );
      await source.query(`DELETE FROM pwb_messages WHERE title = 'cross-probe'`);
      // A message of no website names its contact: the cleanup could not remove the contact after the switch.
      await source.query(message, [null, ours.id]);
      await expectRefusal(
        'shard_1',
        'MISSING_REFERENCE',
        new RegExp(
          `1 row\\(s\\) of pwb_messages that are not website ${site}'s point at its rows of pwb_contacts, through fk_rails_pwb_messages_contact \\(contact_id = \\(${ours.id}\\)\\)`,
        ),
      );
      await source.query(`DELETE FROM pwb_messages WHERE title = 'cross-probe'`);
      expect((await previewMove(ctx, site, 'shard_1')).refusals).toEqual([]);
    } finally {
      await source.query(`DELETE FROM pwb_messages WHERE title = 'cross-probe'`);
      await source.end();
    }
  });

  it("a row of a global table naming one of the website's rows", async () => {
    const source = await pc.client('default');
    try {
      // A user's saved contact: pwb_users stays on the primary, so the move would leave it pointing at nothing.
      await source.query(`ALTER TABLE pwb_users ADD COLUMN probe_contact_id bigint REFERENCES pwb_contacts (id) ON DELETE CASCADE`);
      await ctx.catalog.invalidate();
      const ours = (await source.query(`SELECT id FROM pwb_contacts WHERE website_id = $1 ORDER BY id LIMIT 1`, [site])).rows[0];
      const user = (await source.query(`SELECT id FROM pwb_users WHERE website_id IS DISTINCT FROM $1 ORDER BY id LIMIT 1`, [site])).rows[0];
      await source.query(`UPDATE pwb_users SET probe_contact_id = $1 WHERE id = $2`, [ours.id, user.id]);
      await expectRefusal(
        'shard_1',
        'MISSING_REFERENCE',
        new RegExp(
          `1 row\\(s\\) of pwb_users \\(not a tenant table: they stay where they are\\) point at its rows of pwb_contacts, through pwb_users_probe_contact_id_fkey \\(probe_contact_id = \\(${ours.id}\\)\\)`,
        ),
      );
      // The user's row is still there, still naming the contact.
      expect((await source.query(`SELECT probe_contact_id FROM pwb_users WHERE id = $1`, [user.id])).rows[0].probe_contact_id).toBe(String(ours.id));
      await source.query(`UPDATE pwb_users SET probe_contact_id = NULL`);
      expect((await previewMove(ctx, site, 'shard_1')).refusals).toEqual([]);
    } finally {
      await source.query(`ALTER TABLE pwb_users DROP COLUMN IF EXISTS probe_contact_id`);
      await ctx.catalog.invalidate();
      await source.end();
    }
  });

  it('a tenant table without a primary key', async () => {
    const clients = await Promise.all(['default', 'shard_1', 'shard_2'].map((n) => pc.client(n)));
    try {
      for (const c of clients) await c.query(`CREATE TABLE pwb_visit_log (website_id integer NOT NULL, path text)`);
      await ctx.catalog.invalidate();
      await expectRefusal('shard_1', 'NO_PRIMARY_KEY', /pwb_visit_log has no primary key/);
    } finally {
      for (const c of clients) {
        await c.query(`DROP TABLE IF EXISTS pwb_visit_log`);
        await c.end();
      }
    }
  });

  it('a tenant table with INHERITS children: reading it brings theirs too, so it is refused by name', async () => {
    const clients = await Promise.all(['default', 'shard_1', 'shard_2'].map((n) => pc.client(n)));
    try {
      for (const c of clients)
        await c.query(
          `CREATE TABLE pwb_visit_logs (id bigserial PRIMARY KEY, website_id integer NOT NULL); CREATE TABLE pwb_visit_logs_2026 (PRIMARY KEY (id)) INHERITS (pwb_visit_logs)`,
        );
      await clients[0]!.query(`INSERT INTO pwb_visit_logs_2026 (website_id) VALUES ($1)`, [site]);
      await ctx.catalog.invalidate();
      await expectRefusal('shard_1', 'INHERITED_TABLE', /pwb_visit_logs has inheritance children \(pwb_visit_logs_2026, made with INHERITS, not partitions\)/);
    } finally {
      for (const c of clients) {
        await c.query(`DROP TABLE IF EXISTS pwb_visit_logs CASCADE`);
        await c.end();
      }
      await ctx.catalog.invalidate();
    }
  });

  it('does not count column order as a difference, and copies by column name', async () => {
    const clients = await Promise.all(['default', 'shard_1', 'shard_2'].map((n) => pc.client(n)));
    const [source, shard1] = clients;
    try {
      await source!.query(`CREATE TABLE pwb_order_probe (id bigserial PRIMARY KEY, website_id integer NOT NULL, label text, score integer)`);
      for (const c of clients.slice(1))
        await c.query(`CREATE TABLE pwb_order_probe (score integer, label text, website_id integer NOT NULL, id bigserial PRIMARY KEY)`);
      await source!.query(`INSERT INTO pwb_order_probe (website_id, label, score) VALUES ($1, 'kept by name', 42)`, [site]);
      ctx.catalog.invalidate();
      const preview = await previewMove(ctx, site, 'shard_1');
      expect(preview.refusals).toEqual([]);
      const { runMove } = await import('../../../electron/core/moves/move-service.ts');
      const job = await createMove(ctx, site, 'shard_1');
      const done = await runMove(ctx, job.id);
      expect(done.state).toBe('succeeded');
      const row = await shard1!.query(`SELECT label, score FROM pwb_order_probe WHERE website_id = $1`, [site]);
      expect(row.rows).toEqual([{ label: 'kept by name', score: 42 }]);
    } finally {
      for (const c of clients) await c.end();
    }
  });

  it('a read-only profile refuses every mutating method on every path and changes nothing', async () => {
    const profile = JSON.parse(await readFile(pc.cluster.profilePath, 'utf8'));
    profile.readOnly = true;
    const path = join(await mkdtemp(join(tmpdir(), 'sc-ro-')), 'profile.json');
    await writeFile(path, JSON.stringify(profile));
    const readOnly = await pc.open(path);
    const { createDispatcher } = await import('../../../electron/core/dispatch/dispatcher.ts');
    const { createHandlers } = await import('../../../electron/core/dispatch/handlers.ts');
    const dispatch = createDispatcher(createHandlers(readOnly), { readOnly: () => readOnly.profile.readOnly });
    const jobs = await jobCount();
    expect(await dispatch('session.info', {})).toMatchObject({ ok: true, result: { readOnly: true } });
    expect(await dispatch('moves.start', { websiteId: site, target: 'shard_1' })).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
    expect(await dispatch('migrations.up', {})).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
    expect(await dispatch('moves.preflight', { websiteId: site, target: 'shard_1' })).toMatchObject({ ok: true });
    await expect(createMove(readOnly, site, 'shard_1')).rejects.toMatchObject({ code: 'READ_ONLY' });
    expect(await jobCount()).toBe(jobs);
  });
});
