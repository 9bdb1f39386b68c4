import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodParams } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { openArchive } from '../../../electron/core/backups/archive/open-archive.ts';
import { tableRules } from '../../../electron/core/restore/restore-preflight.ts';
import { holdStayingKeys, planProbes, STAYING_HELD_ROWS } from '../../../electron/core/restore/restore-probes.ts';
import { rowsOnDatabase } from '../../../electron/core/moves/move-preflight.ts';
import { restoreTables } from '../../../electron/core/restore/restore-tables.ts';
import { clusterContent, largestWebsite, startRestoreFixture, websiteState, type RestoreFixture } from '../../support/restore-fixture.ts';

/*
 * Every refusal says why and what to do, and changes nothing: the content of every table on every
 * database (the console's own bookkeeping aside) and every sequence are the same after it, and no job
 * was recorded. Extra live columns that are nullable or have a default are no reason to refuse.
 */

let f: RestoreFixture;
let site: number;
let other: number;
let archive: string;
let widerArchive: string;

type Request = MethodParams<'restores.start'>;

/** Starts a restore that must be refused; returns the refusal codes (and the messages, for the reasons). */
async function refusedWith(request: Request): Promise<Array<{ code: string; message: string }>> {
  const before = await clusterContent(f.pc);
  const jobsBefore = (await f.call('restores.list', {})).jobs.length;
  const error = await f.call('restores.start', request).then(
    () => null,
    (e: unknown) => e as ConsoleError,
  );
  expect(error).toBeInstanceOf(ConsoleError);
  expect(error!.code).toBe('RESTORE_REFUSED');
  expect(await clusterContent(f.pc)).toEqual(before);
  expect((await f.call('restores.list', {})).jobs.length).toBe(jobsBefore);
  const preview = await f.call('restores.preflight', request);
  expect(preview).toMatchObject({ ok: false, plan: null });
  return (error!.details!.refusals as Array<{ code: string; message: string }>).map((r) => ({ code: r.code, message: r.message }));
}

/**
 * Runs `body` with the planner's row estimate of some tables on shard_1 set (autovacuum off there, so
 * nothing corrects it meanwhile), then analyzed again.
 */
async function withEstimates(estimates: Record<string, number>, body: () => Promise<void>): Promise<void> {
  for (const [table, rows] of Object.entries(estimates)) {
    await f.sql('shard_1', `ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    await f.sql('shard_1', `UPDATE pg_class SET reltuples = $2 WHERE oid = $1::regclass`, [table, rows]);
  }
  try {
    await body();
  } finally {
    for (const table of Object.keys(estimates)) {
      await f.sql('shard_1', `ALTER TABLE ${table} RESET (autovacuum_enabled)`);
      await f.sql('shard_1', `ANALYZE ${table}`);
    }
  }
}

/**
 * Per table, per unique index the console checks in memory, whose keys it holds once it has read what it
 * reads before the table's lines pass: the rows that stay ('staying') or the website's ('website').
 */
async function heldSides(): Promise<Record<string, Array<'staying' | 'website'>>> {
  const ctx = await f.pc.open();
  const archived = await openArchive(archive);
  const client = await ctx.pools.get('shard_1').longSession();
  try {
    await client.query('BEGIN');
    const catalog = await ctx.catalog.get('shard_1', { refresh: true });
    const { tables } = restoreTables(catalog, archived, tableRules(ctx), new Set());
    const live = await rowsOnDatabase(
      ctx.pools.get('shard_1'),
      catalog,
      tables.map((t) => t.scoped),
      site,
    );
    const probes = await planProbes(client, catalog, tables, site, new Map(live.map((r) => [r.table, r.rows])));
    const session = { client, catalog, websiteId: site, encoding: archived.info.encoding };
    const sides: Record<string, Array<'staying' | 'website'>> = {};
    for (const p of probes.filter((x) => x.keys.length > 0)) {
      await holdStayingKeys(session, p);
      sides[p.table.name] = p.keys.map((k) => (k.staying?.keys ? 'staying' : 'website'));
    }
    return sides;
  } finally {
    await client.query('ROLLBACK');
    client.release();
    await archived.close();
    await ctx.close();
  }
}

/** Another website took a realty asset's slug and a ticket's number after the backup: both refused, named. */
async function collisionsRefused(): Promise<void> {
  const [asset] = await f.sql('shard_1', `SELECT id, slug FROM pwb_realty_assets WHERE website_id = $1 ORDER BY id LIMIT 1`, [site]);
  const [others] = await f.sql('shard_1', `SELECT id, slug FROM pwb_realty_assets WHERE website_id = $1 ORDER BY id LIMIT 1`, [other]);
  const [ticket] = await f.sql('shard_1', `SELECT ticket_number FROM pwb_support_tickets WHERE website_id = $1 ORDER BY id LIMIT 1`, [site]);
  // Since the backup: the website renamed its own, another website took the old values.
  await f.sql('shard_1', `UPDATE pwb_realty_assets SET slug = slug || '-renamed' WHERE id = $1`, [asset.id]);
  await f.sql('shard_1', `UPDATE pwb_realty_assets SET slug = $2 WHERE id = $1`, [others.id, asset.slug]);
  await f.sql('shard_1', `UPDATE pwb_support_tickets SET ticket_number = ticket_number || '-renamed' WHERE website_id = $1`, [site]);
  await f.sql(
    'shard_1',
    `INSERT INTO pwb_support_tickets (website_id, ticket_number, subject, created_at, updated_at) VALUES ($1, $2, 'taken', now(), now())`,
    [other, ticket.ticket_number],
  );
  try {
    const refusals = await refusedWith({ websiteId: site, path: archive, mode: 'replace' });
    expect(refusals.map((r) => r.code)).toEqual(['KEY_COLLISION', 'KEY_COLLISION']);
    expect(refusals[0]!.message).toMatch(new RegExp(`pwb_realty_assets .*index_pwb_realty_assets_on_slug \\(slug\\), e\\.g\\. \\(${asset.slug}\\)`));
    expect(refusals[1]!.message).toMatch(/pwb_support_tickets .*index_pwb_support_tickets_on_ticket_number/);
  } finally {
    // Back as they were, so the scenario can run again.
    await f.sql('shard_1', `UPDATE pwb_realty_assets SET slug = $2 WHERE id = $1`, [others.id, others.slug]);
    await f.sql('shard_1', `UPDATE pwb_realty_assets SET slug = $2 WHERE id = $1`, [asset.id, asset.slug]);
    await f.sql('shard_1', `DELETE FROM pwb_support_tickets WHERE ticket_number = $1`, [ticket.ticket_number]);
    await f.sql('shard_1', `UPDATE pwb_support_tickets SET ticket_number = left(ticket_number, -length('-renamed')) WHERE website_id = $1`, [site]);
  }
}

beforeAll(async () => {
  f = await startRestoreFixture({ websites: 9 });
  site = await largestWebsite(f, 'shard_1');
  other = (await f.sql('shard_1', `SELECT website_id AS id FROM pwb_realty_assets WHERE website_id <> $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, [site]))[0]
    .id;
  archive = await f.dump('shard_1', 'shard_1.dump');
  // An archive from when pwb_links had a column the live table has since dropped.
  await f.sql('shard_1', `ALTER TABLE pwb_links ADD COLUMN legacy_note text; UPDATE pwb_links SET legacy_note = 'old'`);
  widerArchive = await f.dump('shard_1', 'wider.dump');
  await f.sql('shard_1', `ALTER TABLE pwb_links DROP COLUMN legacy_note`);
}, 240_000);
afterAll(() => f?.stop());

describe('a restore that must not run', () => {
  it('refuses a website with no pwb_websites row on the primary', async () => {
    const refusals = await refusedWith({ websiteId: 99_999, path: archive, mode: 'replace' });
    expect(refusals.map((r) => r.code)).toEqual(['WEBSITE_MISSING']);
    expect(refusals[0]!.message).toMatch(/Check the id; for a website deleted by mistake, recreate that row first/);
  }, 60_000);

  it('refuses an archive with a column the live table lacks', async () => {
    const refusals = await refusedWith({ websiteId: site, path: widerArchive, mode: 'replace' });
    expect(refusals).toEqual([{ code: 'SCHEMA_MISSING_COLUMN', message: expect.stringMatching(/pwb_links\.legacy_note.*Add it/) }]);
  }, 60_000);

  it('refuses a live NOT NULL column without a default the archive cannot fill', async () => {
    await f.sql('shard_1', `ALTER TABLE pwb_links ADD COLUMN must_have text NOT NULL DEFAULT 'x'; ALTER TABLE pwb_links ALTER COLUMN must_have DROP DEFAULT`);
    try {
      const refusals = await refusedWith({ websiteId: site, path: archive, mode: 'replace' });
      expect(refusals).toEqual([{ code: 'SCHEMA_MISSING_VALUE', message: expect.stringMatching(/pwb_links\.must_have .*NOT NULL without a default/) }]);
    } finally {
      await f.sql('shard_1', `ALTER TABLE pwb_links DROP COLUMN must_have`);
    }
  }, 60_000);

  for (const held of ['the rows that stay', "the website's"] as const) {
    it(`refuses archived keys and unique values other websites now hold, holding the keys of ${held}`, async () => {
      // Few rows stay here: their keys are held. With the estimates of a website alone on its shard turned
      // round (the others' rows many), the website's are.
      const estimates: Record<string, number> = held === 'the rows that stay' ? {} : { pwb_realty_assets: 1_000_000, pwb_support_tickets: 1_000_000 };
      await withEstimates(estimates, async () => {
        const side = held === 'the rows that stay' ? 'staying' : 'website';
        // Realty assets: the uuid key and the slug; tickets: the uuid key and the number.
        expect(await heldSides()).toMatchObject({ pwb_realty_assets: [side, side], pwb_support_tickets: [side, side] });
        await collisionsRefused();
      });
    }, 60_000);
  }

  it("holds the website's keys after all when more rows stay than the estimate said", async () => {
    // Statistics that say nothing stays (never analyzed), and 210,000 tickets of another website: more
    // than the console holds for them. The colliding one streams last, so keys held only up to the
    // limit would miss it.
    const [ticket] = await f.sql('shard_1', `SELECT id, ticket_number FROM pwb_support_tickets WHERE website_id = $1 ORDER BY id LIMIT 1`, [site]);
    const bulk = 2 * STAYING_HELD_ROWS + 10_000;
    await f.sql(
      'shard_1',
      `INSERT INTO pwb_support_tickets (website_id, ticket_number, subject, created_at, updated_at)
       SELECT $1, 'bulk-' || g, 'bulk', now(), now() FROM generate_series(1, ${bulk}) g`,
      [other],
    );
    await f.sql('shard_1', `UPDATE pwb_support_tickets SET ticket_number = ticket_number || '-renamed' WHERE id = $1`, [ticket.id]);
    await f.sql(
      'shard_1',
      `INSERT INTO pwb_support_tickets (website_id, ticket_number, subject, created_at, updated_at) VALUES ($1, $2, 'taken', now(), now())`,
      [other, ticket.ticket_number],
    );
    await withEstimates({ pwb_support_tickets: 0 }, async () => {
      try {
        expect((await heldSides()).pwb_support_tickets).toEqual(['website', 'website']);
        const refusals = await refusedWith({ websiteId: site, path: archive, mode: 'replace' });
        expect(refusals.map((r) => r.code)).toEqual(['KEY_COLLISION']);
        expect(refusals[0]!.message).toMatch(
          new RegExp(
            `1 archived row\\(s\\) of website ${site} in pwb_support_tickets .*index_pwb_support_tickets_on_ticket_number \\(ticket_number\\), e\\.g\\. \\(${ticket.ticket_number}\\)`,
          ),
        );
      } finally {
        // Back as they were before the statistics are read again.
        await f.sql('shard_1', `DELETE FROM pwb_support_tickets WHERE website_id = $1 AND (ticket_number LIKE 'bulk-%' OR ticket_number = $2)`, [
          other,
          ticket.ticket_number,
        ]);
        await f.sql('shard_1', `UPDATE pwb_support_tickets SET ticket_number = $2 WHERE id = $1`, [ticket.id, ticket.ticket_number]);
      }
    });
  }, 120_000);

  it('checks a partial unique index on the server, its predicate applied to both sides', async () => {
    const [contact] = await f.sql(
      'shard_1',
      `SELECT id, primary_email FROM pwb_contacts WHERE website_id = $1 AND primary_email IS NOT NULL ORDER BY id LIMIT 1`,
      [site],
    );
    await f.sql('shard_1', `UPDATE pwb_contacts SET primary_email = primary_email || '.old' WHERE id = $1`, [contact.id]);
    await f.sql('shard_1', `CREATE UNIQUE INDEX test_contacts_email ON pwb_contacts (primary_email) WHERE flags = 0`);
    try {
      // Another website's contact now has the archived address, but outside the index (flags 1): no collision.
      await f.sql('shard_1', `INSERT INTO pwb_contacts (website_id, primary_email, flags, created_at, updated_at) VALUES ($1, $2, 1, now(), now())`, [
        other,
        contact.primary_email,
      ]);
      const clear = await f.call('restores.preflight', { websiteId: site, path: archive, mode: 'replace' });
      expect(clear.refusals).toEqual([]);
      // Inside it (flags 0): the archived row (flags 0) would collide.
      await f.sql('shard_1', `UPDATE pwb_contacts SET flags = 0 WHERE website_id = $1 AND primary_email = $2`, [other, contact.primary_email]);
      const refusals = await refusedWith({ websiteId: site, path: archive, mode: 'replace' });
      expect(refusals).toEqual([
        {
          code: 'KEY_COLLISION',
          message: expect.stringMatching(
            new RegExp(`pwb_contacts .*test_contacts_email \\(primary_email\\), e\\.g\\. \\(${contact.primary_email.replace(/[.+]/g, '\\$&')}\\)`),
          ),
        },
      ]);
    } finally {
      await f.sql('shard_1', `DROP INDEX test_contacts_email`);
      await f.sql('shard_1', `DELETE FROM pwb_contacts WHERE website_id = $1 AND primary_email = $2`, [other, contact.primary_email]);
    }
  }, 60_000);

  it('checks a unique index on its key alone, whatever its INCLUDE columns hold', async () => {
    const [contact] = await f.sql(
      'shard_1',
      // Not the contact the partial index's check renamed: this one's address is the archived one.
      `SELECT id, primary_email, first_name FROM pwb_contacts WHERE website_id = $1 AND primary_email IS NOT NULL ORDER BY id DESC LIMIT 1`,
      [site],
    );
    await f.sql('shard_1', `UPDATE pwb_contacts SET primary_email = primary_email || '.old' WHERE id = $1`, [contact.id]);
    await f.sql('shard_1', `CREATE UNIQUE INDEX test_contacts_email_incl ON pwb_contacts (primary_email) INCLUDE (first_name)`);
    try {
      // Another website's contact has the archived address under another name: the key alone collides.
      await f.sql('shard_1', `INSERT INTO pwb_contacts (website_id, primary_email, first_name, created_at, updated_at) VALUES ($1, $2, $3, now(), now())`, [
        other,
        contact.primary_email,
        `${contact.first_name ?? ''}-not-the-same`,
      ]);
      const refusals = await refusedWith({ websiteId: site, path: archive, mode: 'replace' });
      expect(refusals).toEqual([
        {
          code: 'KEY_COLLISION',
          message: expect.stringMatching(
            new RegExp(`pwb_contacts .*test_contacts_email_incl \\(primary_email\\), e\\.g\\. \\(${contact.primary_email.replace(/[.+]/g, '\\$&')}\\)`),
          ),
        },
      ]);
    } finally {
      await f.sql('shard_1', `DROP INDEX test_contacts_email_incl`);
      await f.sql('shard_1', `DELETE FROM pwb_contacts WHERE website_id = $1 AND primary_email = $2`, [other, contact.primary_email]);
      await f.sql('shard_1', `UPDATE pwb_contacts SET primary_email = $2 WHERE id = $1`, [contact.id, contact.primary_email]);
    }
  }, 60_000);

  it('checks an expression unique index and a NULLS NOT DISTINCT one on the server, as the index compares keys', async () => {
    const [withEmail] = await f.sql(
      'shard_1',
      `SELECT id, primary_email FROM pwb_contacts WHERE website_id = $1 AND primary_email IS NOT NULL ORDER BY id DESC OFFSET 1 LIMIT 1`,
      [site],
    );
    const [withoutOther] = await f.sql('shard_1', `SELECT id FROM pwb_contacts WHERE website_id = $1 AND other_email IS NULL ORDER BY id LIMIT 1`, [site]);
    expect(withoutOther, 'the fixture has a contact without a second address').toBeDefined();
    const insert = `INSERT INTO pwb_contacts (website_id, primary_email, first_name, created_at, updated_at) VALUES ($1, $2, 'probe-other', now(), now())`;
    // The live rows of the website are replaced, so they may not hold the keys the other website's rows take.
    await f.sql('shard_1', `UPDATE pwb_contacts SET primary_email = primary_email || '.old' WHERE id = $1`, [withEmail.id]);
    await f.sql('shard_1', `UPDATE pwb_contacts SET other_email = 'live@example.org' WHERE id = $1`, [withoutOther.id]);
    try {
      await f.sql('shard_1', `CREATE UNIQUE INDEX test_contacts_lower_email ON pwb_contacts (lower(primary_email))`);
      await f.sql('shard_1', insert, [other, withEmail.primary_email.toUpperCase()]);
      const lower = await refusedWith({ websiteId: site, path: archive, mode: 'replace' });
      expect(lower).toEqual([
        {
          code: 'KEY_COLLISION',
          message: expect.stringMatching(/pwb_contacts .*test_contacts_lower_email \(lower\(primary_email::text\)\), e\.g\. \(/),
        },
      ]);
      expect(lower[0]!.message).toContain(withEmail.primary_email.toLowerCase());
      await f.sql('shard_1', `DROP INDEX test_contacts_lower_email`);
      await f.sql('shard_1', `DELETE FROM pwb_contacts WHERE first_name = 'probe-other'`);

      // NULL equals NULL under this index: the archived contact without a second address collides with the other website's.
      await f.sql(
        'shard_1',
        `CREATE UNIQUE INDEX test_contacts_nnd ON pwb_contacts (other_email) NULLS NOT DISTINCT WHERE id = ${Number(withoutOther.id)} OR first_name = 'probe-other'`,
      );
      await f.sql('shard_1', insert, [other, 'probe-other@example.org']);
      const nulls = await refusedWith({ websiteId: site, path: archive, mode: 'replace' });
      expect(nulls).toEqual([{ code: 'KEY_COLLISION', message: expect.stringMatching(/pwb_contacts .*test_contacts_nnd \(other_email\), e\.g\. \(\)/) }]);
    } finally {
      await f.sql('shard_1', `DROP INDEX IF EXISTS test_contacts_lower_email; DROP INDEX IF EXISTS test_contacts_nnd`);
      await f.sql('shard_1', `DELETE FROM pwb_contacts WHERE first_name = 'probe-other'`);
      await f.sql('shard_1', `UPDATE pwb_contacts SET primary_email = $2 WHERE id = $1`, [withEmail.id, withEmail.primary_email]);
      await f.sql('shard_1', `UPDATE pwb_contacts SET other_email = NULL WHERE id = $1`, [withoutOther.id]);
    }
  }, 60_000);

  it('checks an exclusion constraint on the server, inside its predicate, against the rows that stay', async () => {
    const [archived] = await f.sql(
      'shard_1',
      `SELECT id, primary_email FROM pwb_contacts WHERE website_id = $1 AND primary_email IS NOT NULL ORDER BY id DESC OFFSET 2 LIMIT 1`,
      [site],
    );
    const length = archived.primary_email.length;
    // Two contacts whose addresses are as long conflict (a stand-in for two bookings that overlap).
    const slot = `int4range(length(primary_email), length(primary_email), '[]')`;
    await f.sql('shard_1', `UPDATE pwb_contacts SET primary_email = primary_email || '.old' WHERE id = $1`, [archived.id]);
    try {
      await f.sql(
        'shard_1',
        `ALTER TABLE pwb_contacts ADD CONSTRAINT test_contacts_slot EXCLUDE USING gist ((${slot}) WITH &&) WHERE (id = ${Number(archived.id)} OR first_name = 'probe-slot')`,
      );
      const insert = `INSERT INTO pwb_contacts (website_id, primary_email, first_name, created_at, updated_at) VALUES ($1, $2, $3, now(), now())`;
      // Outside the predicate, an address as long conflicts with nothing.
      await f.sql('shard_1', insert, [other, 'x'.repeat(length), 'probe-free']);
      expect((await f.call('restores.preflight', { websiteId: site, path: archive, mode: 'replace' })).refusals).toEqual([]);
      await f.sql('shard_1', insert, [other, 'y'.repeat(length), 'probe-slot']);
      const refusals = await refusedWith({ websiteId: site, path: archive, mode: 'replace' });
      expect(refusals).toEqual([
        {
          code: 'KEY_COLLISION',
          message: expect.stringMatching(
            new RegExp(
              `^1 pair\\(s\\) of an archived row of website ${site} in pwb_contacts and another website's row on \\S+ would break the exclusion constraint test_contacts_slot \\(int4range\\(length\\(primary_email::text\\), length\\(primary_email::text\\), '\\[\\]'::text\\) WITH &&\\), e\\.g\\. archived rows \\("\\[${length},${length + 1}\\)"\\)\\. Change or remove`,
            ),
          ),
        },
      ]);
    } finally {
      await f.sql('shard_1', `ALTER TABLE pwb_contacts DROP CONSTRAINT IF EXISTS test_contacts_slot`);
      await f.sql('shard_1', `DELETE FROM pwb_contacts WHERE first_name IN ('probe-slot', 'probe-free')`);
      await f.sql('shard_1', `UPDATE pwb_contacts SET primary_email = $2 WHERE id = $1`, [archived.id, archived.primary_email]);
    }
  }, 60_000);

  it("refuses a message whose contact is in neither the archive's rows of the website nor the rows that stay", async () => {
    // A message of the website pointing at another website's contact when the backup was taken...
    const [contact] = await f.sql<{ id: string }>(
      'shard_1',
      `INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, 'borrowed', now(), now()) RETURNING id`,
      [other],
    );
    const [message] = await f.sql<{ id: string }>(
      'shard_1',
      `INSERT INTO pwb_messages (website_id, contact_id, title, created_at, updated_at) VALUES ($1, $2, 'to a borrowed contact', now(), now()) RETURNING id`,
      [site, contact!.id],
    );
    const borrowing = await f.dump('shard_1', 'borrowing.dump');
    // ...and that contact gone since.
    await f.sql('shard_1', `DELETE FROM pwb_messages WHERE id = $1`, [message!.id]);
    await f.sql('shard_1', `DELETE FROM pwb_contacts WHERE id = $1`, [contact!.id]);
    const refusals = await refusedWith({ websiteId: site, path: borrowing, mode: 'replace' });
    expect(refusals).toEqual([{ code: 'MISSING_REFERENCE', message: expect.stringMatching(/pwb_messages.*pwb_contacts/s) }]);
    expect(refusals[0]!.message).toContain(contact!.id);
  }, 60_000);

  it("refuses a replace while a row that is not the website's points at one of its rows: the replace could not take them off", async () => {
    const [contact] = await f.sql<{ id: string }>('shard_1', `SELECT id FROM pwb_contacts WHERE website_id = $1 ORDER BY id LIMIT 1`, [site]);
    // A message of no website naming the website's contact (as the move's preflight refuses it too).
    const [message] = await f.sql<{ id: string }>(
      'shard_1',
      `INSERT INTO pwb_messages (website_id, contact_id, title, created_at, updated_at) VALUES (NULL, $1, 'from outside', now(), now()) RETURNING id`,
      [contact!.id],
    );
    try {
      const refusals = await refusedWith({ websiteId: site, path: archive, mode: 'replace' });
      expect(refusals).toEqual([
        {
          code: 'MISSING_REFERENCE',
          message: expect.stringMatching(
            new RegExp(
              `1 row\\(s\\) of pwb_messages that are not website ${site}'s point at its rows of pwb_contacts.*\\(${contact!.id}\\).*A replace first takes.*--into-schema`,
              's',
            ),
          ),
        },
      ]);
      // Side by side touches no live row: nothing in the way.
      expect((await f.call('restores.preflight', { websiteId: site, path: archive, mode: 'side-by-side', intoSchema: 'sc_look' })).ok).toBe(true);
    } finally {
      await f.sql('shard_1', `DELETE FROM pwb_messages WHERE id = $1`, [message!.id]);
    }
  }, 60_000);

  it('refuses an empty-place restore of a website that has rows, and a replace into another database', async () => {
    const rows = await refusedWith({ websiteId: site, path: archive, mode: 'empty', target: 'shard_2' });
    expect(rows.map((r) => r.code)).toEqual(['WEBSITE_HAS_ROWS']);
    expect(rows[0]!.message).toMatch(/shard_1: pwb_pages .*--replace.*--into-schema/);
    const elsewhere = await refusedWith({ websiteId: site, path: archive, mode: 'replace', target: 'shard_2' });
    expect(elsewhere.map((r) => r.code)).toEqual(['TARGET_NOT_HOME']);
  }, 60_000);

  it("refuses a replace from an archive whose schema has a table but not its rows (dumped with --exclude-table-data): it would empty the website's table", async () => {
    const partial = await f.dump('shard_1', 'no-contacts-data.dump', { extraArgs: ['--exclude-table-data=pwb_contacts'] });
    const refusals = await refusedWith({ websiteId: site, path: partial, mode: 'replace' });
    expect(refusals).toEqual([{ code: 'ARCHIVE_LACKS_DATA', message: expect.stringMatching(/pwb_contacts.*not its rows.*--exclude-table-data/) }]);
    // Side by side, nothing live changes: its side table stays empty, and the plan says why.
    const side = await f.call('restores.preflight', { websiteId: site, path: partial, mode: 'side-by-side', intoSchema: 'r_partial' });
    expect(side.refusals).toEqual([]);
    expect(side.plan!.notes).toContainEqual(expect.stringMatching(/pwb_contacts.*not its rows/));
  }, 60_000);

  it('refuses an archive that holds none of the website', async () => {
    const home = (await f.sql('default', `SELECT id FROM pwb_websites WHERE coalesce(shard_name, 'default') = 'default' ORDER BY id LIMIT 1`))[0].id;
    const refusals = await refusedWith({ websiteId: home, path: archive, mode: 'replace' });
    expect(refusals.map((r) => r.code)).toEqual(['NOT_IN_ARCHIVE']);
  }, 60_000);

  it('holds and puts back the rows of a table with a NOT NULL generated column, and side by side fills an identity column the archive lacks', async () => {
    await f.sql('shard_1', `ALTER TABLE pwb_links ADD COLUMN link_weight int GENERATED ALWAYS AS (7) STORED NOT NULL`);
    try {
      const before = await websiteState(f.pc, site);
      const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
      expect(job.error).toBeNull();
      expect(job).toMatchObject({ state: 'succeeded', verified: true });
      await f.call('restores.rollback', { jobId: job.jobId });
      expect(await f.settle(job.jobId)).toMatchObject({ state: 'rolled_back' });
      expect(await websiteState(f.pc, site)).toEqual(before);
    } finally {
      await f.sql('shard_1', `ALTER TABLE pwb_links DROP COLUMN link_weight`);
    }
    await f.sql('shard_1', `ALTER TABLE pwb_links ADD COLUMN seq_no bigint GENERATED ALWAYS AS IDENTITY`);
    try {
      const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'side-by-side', intoSchema: 'ident_side' })).jobId);
      expect(job.error).toBeNull();
      expect(job).toMatchObject({ state: 'succeeded', verified: true });
      const [side] = await f.sql('shard_1', `SELECT count(*)::int AS n, count(seq_no)::int AS numbered FROM ident_side.pwb_links`);
      expect(side.n).toBeGreaterThan(0);
      expect(side.numbered).toBe(side.n);
      await f.call('restores.dropSchema', { schema: 'ident_side', database: 'shard_1' });
    } finally {
      await f.sql('shard_1', `ALTER TABLE pwb_links DROP COLUMN seq_no`);
    }
  }, 120_000);

  it('restores into live tables with extra nullable and defaulted columns', async () => {
    await f.sql('shard_1', `ALTER TABLE pwb_links ADD COLUMN extra_note text, ADD COLUMN extra_rank int NOT NULL DEFAULT 7`);
    const before = await websiteState(f.pc, site);
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
    expect(job.error).toBeNull();
    expect(job).toMatchObject({ state: 'succeeded', verified: true });
    expect(await f.sql('shard_1', `SELECT DISTINCT extra_note, extra_rank FROM pwb_links WHERE website_id = $1`, [site])).toEqual([
      { extra_note: null, extra_rank: 7 },
    ]);
    expect((await websiteState(f.pc, site)).others).toEqual(before.others);
  }, 120_000);
});
