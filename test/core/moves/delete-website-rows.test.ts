import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { deleteWebsiteRows } from '../../../electron/core/moves/delete-website-rows.ts';
import { rowsOnDatabase } from '../../../electron/core/moves/move-preflight.ts';
import { scopedTables } from '../../../electron/core/moves/tenant-scope.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { otherWebsites, tenantSnapshot, websiteRows } from '../../support/tenant-snapshot.ts';

/*
 * The source cleanup on its own: batches (small here, so every table crosses batch boundaries, composite
 * keys included), children before parents, with the right to skip triggers (superuser) and without it
 * (an ordinary role), and a row of another website pointing at the website's rows stops it clearly.
 */

let pc: PrivateCluster;
let ctx: ConsoleContext;
let sites: number[]; // default tenants with realty assets, largest first

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 9, scale: 0.02 });
  ctx = await pc.open();
  const primary = await pc.client('default');
  try {
    sites = (
      await primary.query(
        `SELECT a.website_id AS id FROM pwb_realty_assets a JOIN pwb_websites w ON w.id = a.website_id AND coalesce(w.shard_name, 'default') = 'default' GROUP BY 1 ORDER BY count(*) DESC`,
      )
    ).rows.map((r) => r.id);
    // A tenant table keyed by two columns: its batches go by ctid.
    await primary.query(`CREATE TABLE pwb_tag_counts (website_id bigint NOT NULL, tag text NOT NULL, n int NOT NULL, PRIMARY KEY (website_id, tag))`);
    await primary.query(`INSERT INTO pwb_tag_counts SELECT w, 'tag' || g, g FROM unnest($1::bigint[]) w, generate_series(1, 23) g`, [sites]);
    // A partitioned one: each partition numbers its rows from (0,1), so a ctid names a row in both.
    await primary.query(
      `CREATE TABLE pwb_tag_parts (website_id bigint NOT NULL, tag text NOT NULL, n int NOT NULL, PRIMARY KEY (website_id, tag)) PARTITION BY HASH (website_id)`,
    );
    for (const r of [0, 1]) await primary.query(`CREATE TABLE pwb_tag_parts_${r} PARTITION OF pwb_tag_parts FOR VALUES WITH (MODULUS 2, REMAINDER ${r})`);
    await primary.query(`INSERT INTO pwb_tag_parts SELECT w, 'tag' || g, g FROM unnest($1::bigint[]) w, generate_series(1, 23) g`, [sites]);
    // An ordinary role: allowed to delete, not to skip triggers.
    await primary.query(`CREATE ROLE mover LOGIN PASSWORD '${pc.cluster.password}'`);
    await primary.query(
      `GRANT ALL ON ALL TABLES IN SCHEMA public TO mover; GRANT CREATE, USAGE ON SCHEMA public TO mover; GRANT TEMPORARY ON DATABASE ${primary.database} TO mover`,
    );
  } finally {
    await primary.end();
  }
});
afterAll(() => pc.stop());

/** A console whose primary is reached as the ordinary role `mover` (may delete, may not skip triggers). */
async function openAsMover(): Promise<ConsoleContext> {
  const profile = JSON.parse(await readFile(pc.cluster.profilePath, 'utf8'));
  profile.primary.user = 'mover';
  const file = path.join(pc.cluster.dir, 'mover-profile.json');
  await writeFile(file, JSON.stringify(profile));
  return pc.open(file);
}

async function left(context: ConsoleContext, site: number): Promise<Array<{ table: string; rows: number }>> {
  const catalog = await context.catalog.get('default', { refresh: true });
  return (await rowsOnDatabase(context.pools.get('default'), catalog, scopedTables(catalog), site)).filter((r) => r.rows > 0);
}

/** Rows of pwb_tag_parts per website (the tenant snapshot knows only PWB's tables). */
async function partCounts(): Promise<Record<string, number>> {
  const primary = await pc.client('default');
  try {
    const r = await primary.query(`SELECT website_id::text AS w, count(*)::int AS n FROM pwb_tag_parts GROUP BY 1`);
    return Object.fromEntries(r.rows.map((x) => [x.w, x.n]));
  } finally {
    await primary.end();
  }
}

/** Clears the website's rows and checks pwb_tag_parts: its rows gone, every other website's untouched. */
async function clearChecked(context: ConsoleContext, site: number, fenced: boolean): Promise<void> {
  const parts = await partCounts();
  expect(parts[String(site)]).toBe(23);
  await clear(context, site, fenced);
  delete parts[String(site)];
  expect(await partCounts()).toEqual(parts);
}

async function tagCount(site: number): Promise<number> {
  const primary = await pc.client('default');
  try {
    return (await primary.query(`SELECT count(*)::int AS n FROM pwb_tag_counts WHERE website_id = $1`, [site])).rows[0].n;
  } finally {
    await primary.end();
  }
}

/** `fenced`: batches by ctid, as the move's cleanup under its fence; otherwise by key (the copy's rerun, a rollback). */
async function clear(context: ConsoleContext, site: number, fenced: boolean): Promise<void> {
  const catalog = await context.catalog.get('default', { refresh: true });
  const tables = scopedTables(catalog);
  expect(tables.map((t) => t.name)).toContain('pwb_tag_counts');
  const deleted = new Map<string, number>();
  const batches: Array<[number, number]> = [];
  await deleteWebsiteRows(context.pools.get('default'), catalog, tables, site, {
    batch: 3,
    fenced,
    onDeleted: (table) => deleted.set(table, (deleted.get(table) ?? 0) + 1),
    onBatch: (table, b) => {
      if (table === 'pwb_tag_counts') batches.push([b.picked, b.deleted]);
    },
  });
  // Small batches: 23 tag rows took 8, each deleting what it set out to, and the PWB tables crossed
  // batch boundaries too. The short eighth batch was the last statement: no ninth one went looking for
  // rows that were not there.
  expect(deleted.get('pwb_tag_counts')).toBe(8);
  expect(batches).toEqual([...Array.from({ length: 7 }, () => [3, 3]), [2, 2]]);
  expect(Math.max(...[...deleted].filter(([table]) => table !== 'pwb_tag_counts').map(([, n]) => n))).toBeGreaterThan(1);
}

describe('removing a website from a database', () => {
  it('as a superuser, skipping triggers, batches by ctid under the fence: every row goes, no other website changes', async () => {
    const before = await tenantSnapshot(pc);
    const others = [23, 23];
    await clearChecked(ctx, sites[0]!, true);
    expect(await left(ctx, sites[0]!)).toEqual([]);
    expect(await tagCount(sites[0]!)).toBe(0);
    expect(await tagCount(sites[1]!)).toBe(others[1]);
    const after = await tenantSnapshot(pc);
    expect(websiteRows(after, sites[0]!).databases).toEqual([]);
    expect(otherWebsites(after, [sites[0]!])).toEqual(otherWebsites(before, [sites[0]!]));
  });

  it('under the fence, a table rewritten between batches (VACUUM FULL) has its rows found again: every row goes, no other website changes', async () => {
    // A website of its own, whose 23 rows sit after everyone else's (the other tests keep theirs).
    const site = 999_999;
    const primary = await pc.client('default');
    await primary.query(`INSERT INTO pwb_tag_counts SELECT $1, 'tag' || g, g FROM generate_series(1, 23) g`, [site]);
    const before = await tenantSnapshot(pc);
    const catalog = await ctx.catalog.get('default', { refresh: true });
    const filenode = async () => (await primary.query(`SELECT pg_relation_filenode('pwb_tag_counts') AS f`)).rows[0].f as string;
    const picked: number[] = [];
    const deletedByBatch: number[] = [];
    const was = await filenode();
    try {
      await deleteWebsiteRows(ctx.pools.get('default'), catalog, scopedTables(catalog), site, {
        batch: 3,
        fenced: true,
        onBatch: async (table, b) => {
          if (table !== 'pwb_tag_counts') return;
          picked.push(b.picked);
          deletedByBatch.push(b.deleted);
          // After the first batch: every row left moves to a new place (and a new relfilenode), so the
          // ctids found before point at other rows, some of them another website's.
          if (picked.length === 1) await primary.query('VACUUM FULL pwb_tag_counts');
        },
      });
      expect(await filenode()).not.toBe(was);
    } finally {
      await primary.end();
    }
    // The batch after the rewrite was called off and the 20 rows left found again: each batch deleted
    // all it listed (with the ctids read before the rewrite, some would have found other rows).
    expect(picked).toEqual([3, 3, 3, 3, 3, 3, 3, 2]);
    expect(deletedByBatch).toEqual(picked);
    expect(await tagCount(site)).toBe(0);
    expect(await left(ctx, site)).toEqual([]);
    const after = await tenantSnapshot(pc);
    expect(otherWebsites(after, [site])).toEqual(otherWebsites(before, [site]));
  });

  it('as an ordinary role, with the foreign-key triggers firing, batches by key: the same result', async () => {
    const mover = await openAsMover();
    const role = await mover.pools.get('default').query(`SELECT current_user AS u, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS s`);
    expect(role.rows[0]).toEqual({ u: 'mover', s: false });
    await expect(mover.pools.get('default').pool.query('SET session_replication_role = replica')).rejects.toMatchObject({ code: '42501' });
    const before = await tenantSnapshot(pc);
    await clearChecked(mover, sites[1]!, false);
    expect(await left(mover, sites[1]!)).toEqual([]);
    expect(await tagCount(sites[1]!)).toBe(0);
    expect(otherWebsites(await tenantSnapshot(pc), [sites[1]!])).toEqual(otherWebsites(before, [sites[1]!]));
  });

  it("stops, naming the rows, when another website's row points at one being removed", async () => {
    const primary = await pc.client('default');
    const pick = async (sql: string, not: number[]) =>
      Number((await primary.query(`${sql} AND website_id <> ALL($1::int[]) ORDER BY website_id LIMIT 1`, [not])).rows[0].website_id);
    const site = await pick(`SELECT website_id FROM pwb_contacts WHERE website_id IN (SELECT website_id FROM pwb_media_folders)`, sites.slice(0, 2));
    const other = await pick(`SELECT website_id FROM pwb_messages WHERE website_id IN (SELECT website_id FROM pwb_media)`, [...sites.slice(0, 2), site]);
    const count = async (sql: string) => (await primary.query(sql, [site])).rows[0].n as number;
    const attempt = async (website: number) => {
      const catalog = await ctx.catalog.get('default', { refresh: true });
      return deleteWebsiteRows(ctx.pools.get('default'), catalog, scopedTables(catalog), website).catch((e: unknown) => e);
    };
    try {
      // Through the set-based check (pwb_contacts has no self-reference): another website's message.
      const contact = (await primary.query(`SELECT min(id) AS id FROM pwb_contacts WHERE website_id = $1`, [site])).rows[0].id;
      const message = (await primary.query(`SELECT min(id) AS id FROM pwb_messages WHERE website_id = $1`, [other])).rows[0].id;
      expect(contact).not.toBeNull();
      expect(message).not.toBeNull();
      const previous = (
        await primary.query(`UPDATE pwb_messages m SET contact_id = $1 FROM pwb_messages o WHERE o.id = m.id AND m.id = $2 RETURNING o.contact_id`, [
          contact,
          message,
        ])
      ).rows[0].contact_id;
      const contacts = await count(`SELECT count(*)::int AS n FROM pwb_contacts WHERE website_id = $1`);
      const first = await attempt(site);
      expect(first).toMatchObject({ code: 'MOVE_FAILED' });
      expect(String((first as Error).message)).toMatch(
        new RegExp(
          `1 row\\(s\\) of pwb_messages still point at website ${site}'s rows of pwb_contacts .*\\(${contact}\\).*run the job again \\(resume the move or restore, or its rollback\\)`,
        ),
      );
      // The batch that found the reference rolled back: the contacts and the other website's message are there.
      expect(await count(`SELECT count(*)::int AS n FROM pwb_contacts WHERE website_id = $1`)).toBe(contacts);
      expect((await primary.query(`SELECT contact_id FROM pwb_messages WHERE id = $1`, [message])).rows[0].contact_id).toBe(contact);
      await primary.query(`UPDATE pwb_messages SET contact_id = $1 WHERE id = $2`, [previous, message]);

      // Through the ordinary FK trigger (pwb_media_folders references itself, so it goes in one statement),
      // on a website of its own: the first attempt cleared the tables it could.
      const site2 = await pick(`SELECT website_id FROM pwb_media_folders WHERE true`, [...sites.slice(0, 2), site, other]);
      const folder = (await primary.query(`SELECT min(id) AS id FROM pwb_media_folders WHERE website_id = $1`, [site2])).rows[0].id;
      const media = (await primary.query(`SELECT min(id) AS id FROM pwb_media WHERE website_id = $1`, [other])).rows[0].id;
      expect(folder).not.toBeNull();
      await primary.query(`UPDATE pwb_media SET folder_id = $1 WHERE id = $2`, [folder, media]);
      const second = await attempt(site2);
      expect(second).toMatchObject({ code: 'MOVE_FAILED' });
      expect(String((second as Error).message)).toMatch(
        new RegExp(
          `Row\\(s\\) of pwb_media still point at website ${site2}'s rows of pwb_media_folders .*\\(${folder}\\).*run the job again \\(resume the move or restore, or its rollback\\)`,
        ),
      );
      expect((await primary.query(`SELECT count(*)::int AS n FROM pwb_media_folders WHERE website_id = $1`, [site2])).rows[0].n).toBeGreaterThan(0);
      expect((await primary.query(`SELECT folder_id FROM pwb_media WHERE id = $1`, [media])).rows[0].folder_id).toBe(folder);
    } finally {
      await primary.end();
    }
  });

  it("stops rather than let an ON DELETE CASCADE or SET NULL key take rows outside the website along; the website's own rows may go", async () => {
    const primary = await pc.client('default');
    const mover = await openAsMover();
    // Websites the other tests leave alone (the last ones): one with folders, another with contacts, a third for a cycle.
    const pick = async (sql: string, not: number[]) =>
      Number((await primary.query(`${sql} WHERE website_id <> ALL($1::int[]) ORDER BY website_id DESC LIMIT 1`, [not])).rows[0].website_id);
    const folderSite = await pick(`SELECT website_id FROM pwb_media_folders`, sites.slice(0, 2));
    const site = await pick(`SELECT website_id FROM pwb_contacts`, [...sites.slice(0, 2), folderSite]);
    const attempt = async (context: ConsoleContext, fenced: boolean, website = site) => {
      const catalog = await context.catalog.get('default', { refresh: true });
      return deleteWebsiteRows(context.pools.get('default'), catalog, scopedTables(catalog), website, { fenced }).catch((e: unknown) => e);
    };
    const refusal = (website: number, table: string, what: string) =>
      new RegExp(
        `Removing website ${website}'s rows of ${table} on default would also remove or change rows that are not the website's: ${what}.*Nothing of this batch was removed`,
      );
    try {
      // Users (a global table: no website's rows) keep a contact.
      await primary.query(
        `ALTER TABLE pwb_users ADD COLUMN probe_contact_id bigint REFERENCES pwb_contacts (id) ON DELETE CASCADE,
                               ADD COLUMN probe_note_contact_id bigint REFERENCES pwb_contacts (id) ON DELETE SET NULL`,
      );
      const contact = (await primary.query(`SELECT min(id) AS id FROM pwb_contacts WHERE website_id = $1`, [site])).rows[0].id;
      // Two staff users of their own (no memberships, so nothing else holds them).
      const [kept, noted] = (
        await primary.query(
          `INSERT INTO pwb_users (email, created_at, updated_at) VALUES ('probe-kept@example.test', now(), now()), ('probe-noted@example.test', now(), now()) RETURNING id`,
        )
      ).rows.map((r) => r.id);
      const contacts = async () => (await primary.query(`SELECT count(*)::int AS n FROM pwb_contacts WHERE website_id = $1`, [site])).rows[0].n;
      const before = await contacts();
      for (const fenced of [false, true]) {
        // CASCADE: the user would go with the contact.
        await primary.query(`UPDATE pwb_users SET probe_contact_id = $1 WHERE id = $2`, [contact, kept]);
        expect(await attempt(mover, fenced)).toMatchObject({
          code: 'MOVE_FAILED',
          message: expect.stringMatching(
            refusal(
              site,
              'pwb_contacts',
              'rows of pwb_users \\(not a tenant table: they stay where they are\\) point at them through pwb_users_probe_contact_id_fkey',
            ),
          ),
        });
        expect((await primary.query(`SELECT probe_contact_id FROM pwb_users WHERE id = $1`, [kept])).rows[0].probe_contact_id).toBe(contact);
        expect(await contacts()).toBe(before);
        // SET NULL: the note's reference would be blanked.
        await primary.query(`UPDATE pwb_users SET probe_contact_id = NULL`);
        await primary.query(`UPDATE pwb_users SET probe_note_contact_id = $1 WHERE id = $2`, [contact, noted]);
        expect(String((await attempt(mover, fenced)) as Error)).toMatch(
          refusal(site, 'pwb_contacts', 'rows of pwb_users .* through pwb_users_probe_note_contact_id_fkey'),
        );
        expect((await primary.query(`SELECT probe_note_contact_id FROM pwb_users WHERE id = $1`, [noted])).rows[0].probe_note_contact_id).toBe(contact);
        await primary.query(`UPDATE pwb_users SET probe_note_contact_id = NULL`);
      }
      // Written between the look and the DELETE (here by a trigger of the DELETE itself): the
      // transaction's own counts show the cascade, and the batch is rolled back.
      await primary.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO mover; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO mover`);
      // (An INSERT, which the counts of deleted and updated rows do not see: only the key's cascade moves them.)
      await primary.query(`CREATE FUNCTION probe_refer() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO pwb_users (email, probe_contact_id, created_at, updated_at) VALUES ('probe-written@example.test', OLD.id, now(), now()); RETURN OLD; END $$`);
      await primary.query(
        `CREATE TRIGGER probe_refer BEFORE DELETE ON pwb_contacts FOR EACH ROW WHEN (OLD.id = ${Number(contact)}) EXECUTE FUNCTION probe_refer()`,
      );
      try {
        expect(String((await attempt(mover, false)) as Error)).toMatch(
          refusal(site, 'pwb_contacts', '1 row\\(s\\) of pwb_users \\(not a tenant table\\) were written since and point at them'),
        );
        expect(await contacts()).toBe(before);
        expect((await primary.query(`SELECT count(*)::int AS n FROM pwb_users WHERE email = 'probe-written@example.test'`)).rows[0].n).toBe(0);
      } finally {
        await primary.query(`DROP TRIGGER probe_refer ON pwb_contacts; DROP FUNCTION probe_refer()`);
      }
      // Another website's folder inside one of the site's, under a cascading self-reference: removed in
      // one statement, with the triggers whatever the role (the superuser too).
      await primary.query(
        `ALTER TABLE pwb_media_folders DROP CONSTRAINT fk_rails_pwb_media_folders_parent,
           ADD CONSTRAINT fk_rails_pwb_media_folders_parent FOREIGN KEY (parent_id) REFERENCES pwb_media_folders (id) ON DELETE CASCADE`,
      );
      const folder = (await primary.query(`SELECT min(id) AS id FROM pwb_media_folders WHERE website_id = $1`, [folderSite])).rows[0].id;
      const theirs = (
        await primary.query(
          `SELECT min(id) AS id FROM pwb_media_folders WHERE website_id <> $1 AND id NOT IN (SELECT parent_id FROM pwb_media_folders WHERE parent_id IS NOT NULL)`,
          [folderSite],
        )
      ).rows[0].id;
      const parent = (await primary.query(`SELECT parent_id FROM pwb_media_folders WHERE id = $1`, [theirs])).rows[0].parent_id;
      await primary.query(`UPDATE pwb_media_folders SET parent_id = $1 WHERE id = $2`, [folder, theirs]);
      try {
        for (const context of [mover, ctx]) {
          expect(String((await attempt(context, false, folderSite)) as Error)).toMatch(
            refusal(
              folderSite,
              'pwb_media_folders',
              `rows of pwb_media_folders that are not website ${folderSite}'s point at them through fk_rails_pwb_media_folders_parent`,
            ),
          );
          expect((await primary.query(`SELECT parent_id FROM pwb_media_folders WHERE id = $1`, [theirs])).rows[0].parent_id).toBe(folder);
        }
      } finally {
        await primary.query(`UPDATE pwb_media_folders SET parent_id = $1 WHERE id = $2`, [parent, theirs]);
        await primary.query(
          `ALTER TABLE pwb_media_folders DROP CONSTRAINT fk_rails_pwb_media_folders_parent,
             ADD CONSTRAINT fk_rails_pwb_media_folders_parent FOREIGN KEY (parent_id) REFERENCES pwb_media_folders (id)`,
        );
      }
      // Two tenant tables naming each other, the keys' actions falling on the website's own rows only:
      // the website's removal, not a refusal.
      await primary.query(`CREATE TABLE pwb_probe_props (id bigserial PRIMARY KEY, website_id bigint NOT NULL, cover_id bigint)`);
      await primary.query(
        `CREATE TABLE pwb_probe_photos (id bigserial PRIMARY KEY, website_id bigint NOT NULL, prop_id bigint REFERENCES pwb_probe_props (id) ON DELETE CASCADE)`,
      );
      await primary.query(`ALTER TABLE pwb_probe_props ADD FOREIGN KEY (cover_id) REFERENCES pwb_probe_photos (id) ON DELETE SET NULL`);
      await primary.query(`GRANT ALL ON pwb_probe_props, pwb_probe_photos TO mover; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO mover`);
      for (const w of [site, folderSite]) {
        const prop = (await primary.query(`INSERT INTO pwb_probe_props (website_id) VALUES ($1) RETURNING id`, [w])).rows[0].id;
        const photo = (await primary.query(`INSERT INTO pwb_probe_photos (website_id, prop_id) VALUES ($1, $2) RETURNING id`, [w, prop])).rows[0].id;
        await primary.query(`UPDATE pwb_probe_props SET cover_id = $1 WHERE id = $2`, [photo, prop]);
      }
      try {
        expect(await attempt(mover, false)).toEqual(expect.any(Number));
        expect((await primary.query(`SELECT count(*)::int AS n FROM pwb_probe_props WHERE website_id = $1`, [site])).rows[0].n).toBe(0);
        expect((await primary.query(`SELECT count(*)::int AS n FROM pwb_probe_photos WHERE website_id = $1`, [site])).rows[0].n).toBe(0);
        // The other website's pair is untouched.
        expect((await primary.query(`SELECT count(cover_id)::int AS n FROM pwb_probe_props WHERE website_id = $1`, [folderSite])).rows[0].n).toBe(1);
      } finally {
        await primary.query(`DROP TABLE pwb_probe_photos, pwb_probe_props CASCADE`);
      }
    } finally {
      await primary.query(`DELETE FROM pwb_users WHERE email LIKE 'probe-%@example.test'`);
      await primary.query(`ALTER TABLE pwb_users DROP COLUMN IF EXISTS probe_contact_id, DROP COLUMN IF EXISTS probe_note_contact_id`);
      await ctx.catalog.invalidate();
      await mover.close();
      await primary.end();
    }
  });

  it("under the fence, each batch looks at its own rows: another website's row pointing at one of them, written between batches, stops the next one", async () => {
    const primary = await pc.client('default');
    const mover = await openAsMover();
    // A website the earlier tests left alone (the last test of the file), given two contacts of its own to be sure.
    const site = sites[2]!;
    await primary.query(
      `INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, 'batch-probe-a', now(), now()), ($1, 'batch-probe-b', now(), now())`,
      [site],
    );
    const other = sites[3]!;
    await primary.query(
      `ALTER TABLE pwb_messages DROP CONSTRAINT fk_rails_pwb_messages_contact,
         ADD CONSTRAINT fk_rails_pwb_messages_contact FOREIGN KEY (contact_id) REFERENCES pwb_contacts (id) ON DELETE CASCADE`,
    );
    let written: number | null = null;
    try {
      const catalog = await mover.catalog.get('default', { refresh: true });
      const failed = await deleteWebsiteRows(mover.pools.get('default'), catalog, scopedTables(catalog), site, {
        batch: 1,
        fenced: true,
        parallel: 1,
        onBatch: async (table) => {
          if (table !== 'pwb_contacts' || written !== null) return;
          // Between the contacts' first batch and the next: another website's message names a contact still there.
          const contact = (await primary.query(`SELECT id FROM pwb_contacts WHERE website_id = $1 LIMIT 1`, [site])).rows[0].id;
          written = (
            await primary.query(
              `INSERT INTO pwb_messages (website_id, contact_id, title, created_at, updated_at) VALUES ($1, $2, 'between-batches', now(), now()) RETURNING id`,
              [other, contact],
            )
          ).rows[0].id;
        },
      }).catch((e: unknown) => e);
      expect(written).not.toBeNull();
      expect(String(failed)).toMatch(
        new RegExp(
          `Removing website ${site}'s rows of pwb_contacts on default would also remove or change rows that are not the website's: rows of pwb_messages that are not website ${site}'s`,
        ),
      );
      // The other website's message is still there.
      expect((await primary.query(`SELECT count(*)::int AS n FROM pwb_messages WHERE id = $1`, [written])).rows[0].n).toBe(1);
    } finally {
      await primary.query(`DELETE FROM pwb_messages WHERE title = 'between-batches'`);
      await primary.query(
        `ALTER TABLE pwb_messages DROP CONSTRAINT fk_rails_pwb_messages_contact,
           ADD CONSTRAINT fk_rails_pwb_messages_contact FOREIGN KEY (contact_id) REFERENCES pwb_contacts (id)`,
      );
      await ctx.catalog.invalidate();
      await mover.close();
      await primary.end();
    }
  });
});
