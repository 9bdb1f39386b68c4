import { copyFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleError } from '../../../shared/errors.ts';
import { runRestoreSteps } from '../../../electron/core/restore/restore-runner.ts';
import { clusterContent, largestWebsite, startRestoreFixture, websiteState, type RestoreFixture } from '../../support/restore-fixture.ts';

/*
 * Replace: a website whose listings, photos, features, ticket messages and media folders were changed
 * after the backup gets exactly its backed-up rows back, under the fence, verified table by table; the
 * rows it had go to holding tables that a rollback puts back and a discard drops. No other website's
 * rows change, sequences end past every restored id, and the audit log records each action.
 */

let f: RestoreFixture;
let site: number;
let archive: string;
/** The website's rows when the backup was taken, and after the damage done to them since. */
let backedUp: Awaited<ReturnType<typeof websiteState>>;
let damaged: Awaited<ReturnType<typeof websiteState>>;

/** What an operator comes to undo: listings deleted, a property renamed, a folder tree moved, new rows written. */
async function damage(database: string, id: number): Promise<void> {
  await f.sql(database, `DELETE FROM pwb_sale_listings WHERE realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)`, [id]);
  await f.sql(database, `DELETE FROM pwb_prop_photos WHERE realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1 ORDER BY id LIMIT 3)`, [
    id,
  ]);
  await f.sql(database, `DELETE FROM pwb_features WHERE realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1 ORDER BY id LIMIT 2)`, [id]);
  await f.sql(database, `UPDATE pwb_realty_assets SET title = 'renamed', count_bedrooms = 99 WHERE website_id = $1`, [id]);
  await f.sql(database, `DELETE FROM pwb_ticket_messages WHERE support_ticket_id IN (SELECT id FROM pwb_support_tickets WHERE website_id = $1)`, [id]);
  await f.sql(database, `UPDATE pwb_media_folders SET parent_id = NULL WHERE website_id = $1`, [id]);
  await f.sql(
    database,
    `INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) SELECT $1, 'new since the backup', now(), now() FROM generate_series(1, 5)`,
    [id],
  );
}

beforeAll(async () => {
  f = await startRestoreFixture({ websites: 7 });
  site = await largestWebsite(f, 'shard_1');
  // A tree of media folders (self-referencing) with media in them, so parents must land before children.
  await f.sql(
    'shard_1',
    `UPDATE pwb_media_folders c SET parent_id = (SELECT min(p.id) FROM pwb_media_folders p WHERE p.website_id = c.website_id AND p.id < c.id) WHERE website_id = $1`,
    [site],
  );
  backedUp = await websiteState(f.pc, site);
  archive = await f.dump('shard_1', 'shard_1.dump', { timeZone: 'America/St_Johns' });
  await damage('shard_1', site);
  damaged = await websiteState(f.pc, site);
}, 240_000);
afterAll(() => f?.stop());

describe('restore --replace', () => {
  it('has FK-chain rows to restore and damage to undo', () => {
    for (const table of ['pwb_sale_listings', 'pwb_prop_photos', 'pwb_features', 'pwb_ticket_messages', 'pwb_media_folders', 'pwb_media'])
      expect(backedUp.tables[table]?.rows, table).toBeGreaterThan(0);
    expect(damaged.tables).not.toEqual(backedUp.tables);
  });

  it('plans without changing anything: archive rows and rows now, per table in FK order', async () => {
    const before = await clusterContent(f.pc);
    const preview = await f.call('restores.preflight', { websiteId: site, path: archive, mode: 'replace' });
    expect(preview.refusals).toEqual([]);
    const plan = preview.plan!;
    expect(plan).toMatchObject({ target: 'shard_1', routedTo: 'shard_1', mode: 'replace', source: { chosenBy: 'only', format: 'custom (gzip)' } });
    const rows = Object.fromEntries(plan.tables.map((t) => [t.table, t.archiveRows]));
    for (const [table, { rows: n }] of Object.entries(backedUp.tables)) expect(rows[table], table).toBe(n);
    expect(plan.tables.find((t) => t.table === 'pwb_sale_listings')!.liveRows).toBe(0);
    const level = Object.fromEntries(plan.tables.map((t) => [t.table, t.level]));
    expect(level.pwb_sale_listings).toBeGreaterThan(level.pwb_realty_assets!);
    expect(await clusterContent(f.pc)).toEqual(before);
  }, 120_000);

  it('brings back exactly the backed-up rows, verified, other websites untouched; rollback puts the replaced rows back', async () => {
    const started = await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' });
    expect(started).toMatchObject({ mode: 'replace', target: 'shard_1', holding: expect.stringMatching(/^shard_console\.hold_/) });
    const job = await f.settle(started.jobId);
    expect(job.error).toBeNull();
    expect(job).toMatchObject({ state: 'succeeded', verified: true, step: 'done', actions: ['rollback', 'discard'] });
    expect(job.tables.every((t) => t.ok && t.archiveRows === t.targetRows && t.archiveHash === t.targetHash)).toBe(true);
    const restored = await websiteState(f.pc, site);
    expect(restored.tables).toEqual(backedUp.tables);
    expect(restored.databases).toEqual(['shard_1']);
    expect(restored.others).toEqual(backedUp.others);
    // No fence left, sequences past every restored id.
    expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    const [seq] = await f.sql('shard_1', `SELECT (SELECT last_value FROM pwb_media_folders_id_seq) >= (SELECT max(id) FROM pwb_media_folders) AS ok`);
    expect(seq.ok).toBe(true);

    const rolling = await f.call('restores.rollback', { jobId: job.jobId });
    expect(rolling.live).toBe(true);
    const rolledBack = await f.settle(job.jobId);
    expect(rolledBack.error).toBeNull();
    expect(rolledBack).toMatchObject({ state: 'rolled_back', step: 'rolled_back', actions: [] });
    const back = await websiteState(f.pc, site);
    expect(back.tables).toEqual(damaged.tables);
    expect(back.others).toEqual(damaged.others);
    expect(await f.sql('shard_1', `SELECT relname FROM pg_class WHERE relname LIKE 'hold\\_%'`)).toEqual([]);
    const audit = await f.sql('default', `SELECT action, outcome FROM shard_console.audit_log WHERE action LIKE 'restore.%' ORDER BY id`);
    expect(audit.map((a) => `${a.action} ${a.outcome}`)).toEqual(
      expect.arrayContaining(['restore.create succeeded', 'restore.run succeeded', 'restore.rollback succeeded']),
    );
  }, 240_000);

  it('stops before lifting the fence when the rows read back differ, names the first differing keys, and rolls back', async () => {
    const before = await websiteState(f.pc, site);
    // A trigger that fires even under session_replication_role = replica rewrites what the load writes.
    await f.sql(
      'shard_1',
      `CREATE FUNCTION test_mangle() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.title := 'mangled'; RETURN NEW; END $$;
       CREATE TRIGGER test_mangle BEFORE INSERT ON pwb_realty_assets FOR EACH ROW EXECUTE FUNCTION test_mangle();
       ALTER TABLE pwb_realty_assets ENABLE ALWAYS TRIGGER test_mangle`,
    );
    try {
      const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
      expect(job).toMatchObject({ state: 'failed', step: 'verify', verified: false, actions: ['resume', 'rollback'] });
      expect(job.error).toMatch(/^Verification failed, so the fence stays up/);
      const assets = job.tables.find((t) => t.table === 'pwb_realty_assets')!;
      expect(assets).toMatchObject({ ok: false });
      expect(assets.archiveRows).toBe(assets.targetRows);
      expect(assets.firstDifferences.length).toBeGreaterThan(0);
      expect(assets.firstDifferences[0]).toMatch(/^\([0-9a-f-]{36}\) differs$/);
      expect(job.tables.filter((t) => !t.ok).map((t) => t.table)).toEqual(['pwb_realty_assets']);
      // Still fenced: the website's writes are refused until the job is resumed or rolled back.
      expect(await f.sql('shard_1', `SELECT website_id FROM shard_console.fenced_websites`)).toEqual([{ website_id: String(site) }]);
      await expect(f.sql('shard_1', `UPDATE pwb_pages SET slug = slug WHERE website_id = $1`, [site])).rejects.toThrow(/paused/);

      // The operator finds the cause, then rolls back.
      await f.sql('shard_1', `DROP TRIGGER test_mangle ON pwb_realty_assets`);
      await f.call('restores.rollback', { jobId: job.jobId });
      expect(await f.settle(job.jobId)).toMatchObject({ state: 'rolled_back' });
      expect(await websiteState(f.pc, site)).toEqual(before);
      expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    } finally {
      await f.sql('shard_1', `DROP TRIGGER IF EXISTS test_mangle ON pwb_realty_assets; DROP FUNCTION test_mangle()`);
    }
  }, 240_000);

  it('refuses to roll back a finished replace once the website was written since, naming what changed and changing nothing; discardChanges rolls back', async () => {
    const beforeRestore = await websiteState(f.pc, site);
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
    expect(job).toMatchObject({ state: 'succeeded', verified: true });
    // The fence is lifted: the application writes to the website again.
    await f.sql('shard_1', `INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, 'written after the restore', now(), now())`, [
      site,
    ]);
    const written = await websiteState(f.pc, site);
    const refused = (await f.call('restores.rollback', { jobId: job.jobId }).catch((e: unknown) => e)) as { code: string; message: string };
    expect(refused).toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
    expect(refused.message).toContain(`pwb_contacts (${backedUp.tables.pwb_contacts!.rows} rows restored, ${backedUp.tables.pwb_contacts!.rows + 1} now)`);
    expect(refused.message).not.toContain('pwb_pages');
    expect(refused.message).toContain('--discard-changes');
    // Nothing changed: the rows, no fence left (writes go on), the job still offers both ways.
    expect(await websiteState(f.pc, site)).toEqual(written);
    expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    expect(await f.settle(job.jobId)).toMatchObject({ state: 'succeeded', actions: ['rollback', 'discard'] });

    // The operator copied out what mattered and says the changes may go.
    await f.call('restores.rollback', { jobId: job.jobId, discardChanges: true });
    expect(await f.settle(job.jobId)).toMatchObject({ state: 'rolled_back' });
    expect(await websiteState(f.pc, site)).toEqual(beforeRestore);
  }, 240_000);

  it('with the backup moved away the rollback cannot check for changes: refused saying why, changing nothing; discardChanges rolls back', async () => {
    const beforeRestore = await websiteState(f.pc, site);
    const copy = `${archive}.moved-later`;
    await copyFile(archive, copy);
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: copy, mode: 'replace' })).jobId);
    expect(job).toMatchObject({ state: 'succeeded', verified: true });
    await rm(copy);
    const restored = await websiteState(f.pc, site);
    const refused = (await f.call('restores.rollback', { jobId: job.jobId }).catch((e: unknown) => e)) as ConsoleError;
    expect(refused).toMatchObject({ code: 'ACTION_NOT_ALLOWED', details: { unchecked: expect.any(String) } });
    expect(refused.message).toContain('cannot check whether website');
    expect(refused.message).toContain('Roll back anyway');
    expect(await websiteState(f.pc, site)).toEqual(restored);
    await f.call('restores.rollback', { jobId: job.jobId, discardChanges: true });
    expect(await f.settle(job.jobId)).toMatchObject({ state: 'rolled_back' });
    expect(await websiteState(f.pc, site)).toEqual(beforeRestore);
  }, 240_000);

  it("counts a write to a column the backup lacked (a later migration's) as a change a rollback would lose", async () => {
    await f.sql('shard_1', `ALTER TABLE pwb_links ADD COLUMN later_note text`);
    try {
      const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
      expect(job).toMatchObject({ state: 'succeeded', verified: true });
      // The application fills the new column of a restored row; every column the backup had stays as restored.
      await f.sql('shard_1', `UPDATE pwb_links SET later_note = 'written after the restore' WHERE id = (SELECT min(id) FROM pwb_links WHERE website_id = $1)`, [
        site,
      ]);
      const refused = (await f.call('restores.rollback', { jobId: job.jobId }).catch((e: unknown) => e)) as { code: string; message: string };
      expect(refused).toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
      expect(refused.message).toContain(`pwb_links (${backedUp.tables.pwb_links!.rows} rows restored, ${backedUp.tables.pwb_links!.rows} now)`);
      expect(refused.message).not.toContain('pwb_contacts');
      expect(await f.sql('shard_1', `SELECT count(*)::int AS n FROM pwb_links WHERE later_note IS NOT NULL`)).toEqual([{ n: 1 }]);
      // Put back as it was, the rollback passes its check.
      await f.sql('shard_1', `UPDATE pwb_links SET later_note = NULL`);
      await f.call('restores.rollback', { jobId: job.jobId });
      expect(await f.settle(job.jobId)).toMatchObject({ state: 'rolled_back' });
    } finally {
      await f.sql('shard_1', `ALTER TABLE pwb_links DROP COLUMN later_note`);
    }
  }, 240_000);

  it('counts a column added after the restore as a change it cannot check: refused, changing nothing; discardChanges rolls back', async () => {
    const beforeRestore = await websiteState(f.pc, site);
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
    expect(job).toMatchObject({ state: 'succeeded', verified: true });
    // A later migration adds a column, and a backfill (leaving updated_at alone) fills it for the website.
    await f.sql('shard_1', `ALTER TABLE pwb_links ADD COLUMN added_later text`);
    try {
      await f.sql('shard_1', `UPDATE pwb_links SET added_later = 'backfilled' WHERE website_id = $1`, [site]);
      const restored = await websiteState(f.pc, site);
      const refused = (await f.call('restores.rollback', { jobId: job.jobId }).catch((e: unknown) => e)) as { code: string; message: string };
      expect(refused).toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
      expect(refused.message).toContain('pwb_links (column(s) added_later added since the restore');
      expect(await websiteState(f.pc, site)).toEqual(restored);
      expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
      await f.call('restores.rollback', { jobId: job.jobId, discardChanges: true });
      expect(await f.settle(job.jobId)).toMatchObject({ state: 'rolled_back' });
    } finally {
      await f.sql('shard_1', `ALTER TABLE pwb_links DROP COLUMN added_later`);
    }
    expect(await websiteState(f.pc, site)).toEqual(beforeRestore);
  }, 240_000);

  it('a rollback of a finished replace that cannot fence the website again goes back to done, the website unfenced and restored', async () => {
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
    expect(job).toMatchObject({ state: 'succeeded', verified: true });
    const restored = await websiteState(f.pc, site);
    // Another job (a move of the website, say) holds its fence.
    const other = '00000000-0000-4000-8000-00000000f00d';
    await f.sql('shard_1', `INSERT INTO shard_console.fenced_websites (website_id, job_id) VALUES ($1, $2)`, [site, other]);
    try {
      const refused = (await f.call('restores.rollback', { jobId: job.jobId }).catch((e: unknown) => e)) as { code: string; message: string };
      expect(refused).toMatchObject({ code: 'ACTION_NOT_ALLOWED', message: expect.stringContaining('Nothing was rolled back, and the fence is lifted again') });
      expect(await f.settle(job.jobId)).toMatchObject({ state: 'succeeded', step: 'done', actions: ['rollback', 'discard'] });
      expect(await websiteState(f.pc, site)).toEqual(restored);
      // Without its check ("Roll back anyway"), the rollback answered before its fence step: the job says why it did not run.
      await f.call('restores.rollback', { jobId: job.jobId, discardChanges: true }).catch(() => null);
      const told = await f.settle(job.jobId);
      expect(told).toMatchObject({ state: 'succeeded', step: 'done', error: expect.stringContaining('Nothing was rolled back') });
      expect(await websiteState(f.pc, site)).toEqual(restored);
      // The other job's fence is its own: left as it was.
      expect(await f.sql('shard_1', `SELECT job_id FROM shard_console.fenced_websites`)).toEqual([{ job_id: other }]);
    } finally {
      await f.sql('shard_1', `DELETE FROM shard_console.fenced_websites WHERE job_id = $1`, [other]);
    }
    await f.call('restores.discard', { jobId: job.jobId });
  }, 240_000);

  it('a rollback refuses, changing nothing, while the website routes elsewhere or its held rows no longer fit the tables; then it rolls back', async () => {
    const beforeRestore = await websiteState(f.pc, site);
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
    expect(job).toMatchObject({ state: 'succeeded', verified: true });
    const restored = await websiteState(f.pc, site);
    const unchanged = async (tables = restored.tables) => {
      expect(await f.settle(job.jobId)).toMatchObject({ state: 'succeeded', step: 'done', actions: ['rollback', 'discard'] });
      expect((await websiteState(f.pc, site)).tables).toEqual(tables);
      expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    };
    // Someone points the website at the primary by hand: the rows on shard_1 may now be nobody's or a copy.
    await f.sql('default', `UPDATE pwb_websites SET shard_name = 'default' WHERE id = $1`, [site]);
    try {
      const refused = (await f.call('restores.rollback', { jobId: job.jobId, discardChanges: true }).catch((e: unknown) => e)) as {
        code: string;
        message: string;
      };
      expect(refused).toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
      expect(refused.message).toContain('now routes to "default", not "shard_1"');
      expect(refused.message).toContain('Nothing was changed. Put its shard_name back to "shard_1"');
      await unchanged();
    } finally {
      await f.sql('default', `UPDATE pwb_websites SET shard_name = 'shard_1' WHERE id = $1`, [site]);
    }
    // A migration since added a column the held rows lack, NOT NULL without a default.
    await f.sql('shard_1', `ALTER TABLE pwb_contacts ADD COLUMN probe_rank integer NOT NULL DEFAULT 0`);
    await f.sql('shard_1', `ALTER TABLE pwb_contacts ALTER COLUMN probe_rank DROP DEFAULT`);
    const migrated = (await websiteState(f.pc, site)).tables;
    try {
      const refused = (await f.call('restores.rollback', { jobId: job.jobId, discardChanges: true }).catch((e: unknown) => e)) as {
        code: string;
        message: string;
      };
      expect(refused).toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
      expect(refused.message).toContain('pwb_contacts has probe_rank, NOT NULL without a default, which the held rows lack');
      expect(refused.message).toContain('Nothing was changed. Keep the restored rows (discard the job)');
      await unchanged(migrated);
    } finally {
      await f.sql('shard_1', `ALTER TABLE pwb_contacts DROP COLUMN probe_rank`);
    }
    await f.call('restores.rollback', { jobId: job.jobId });
    expect(await f.settle(job.jobId)).toMatchObject({ state: 'rolled_back' });
    expect(await websiteState(f.pc, site)).toEqual(beforeRestore);
    expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
  }, 240_000);

  it('a rollback whose held rows can no longer go back (a unique value another website took since) is refused before any row is taken off', async () => {
    // A column every row fills uniquely, added before the restore: the held rows keep theirs, the restored ones (the backup lacks it) have none.
    await f.sql(
      'shard_1',
      `ALTER TABLE pwb_links ADD COLUMN ext_ref text; UPDATE pwb_links SET ext_ref = 'ref-' || id; CREATE UNIQUE INDEX sc_links_ext_ref ON pwb_links (ext_ref)`,
    );
    try {
      const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
      expect(job).toMatchObject({ state: 'succeeded', verified: true });
      // Another website takes one of the held rows' values, free since the restore.
      const [held] = await f.sql('shard_1', `SELECT min(id) AS id FROM pwb_links WHERE website_id = $1`, [site]);
      const [{ other }] = await f.sql('shard_1', `SELECT min(website_id) AS other FROM pwb_links WHERE website_id <> $1`, [site]);
      const [taken] = await f.sql(
        'shard_1',
        `INSERT INTO pwb_links (website_id, slug, ext_ref, created_at, updated_at) VALUES ($1, 'taker', 'ref-' || $2, now(), now()) RETURNING id`,
        [other, held.id],
      );
      try {
        const restored = await websiteState(f.pc, site);
        // Tried behind the rollback's fence, before any row is taken off: refused, the job back to done and saying why.
        await f.call('restores.rollback', { jobId: job.jobId, discardChanges: true });
        const refused = await f.settle(job.jobId);
        expect(refused).toMatchObject({ state: 'succeeded', step: 'done', actions: ['rollback', 'discard'] });
        expect(refused.error).toContain('held rows cannot go back on shard_1');
        expect(refused.error).toContain('sc_links_ext_ref');
        expect(refused.error).toContain('Nothing was removed.');
        expect(await websiteState(f.pc, site)).toEqual(restored);
        expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
      } finally {
        await f.sql('shard_1', `DELETE FROM pwb_links WHERE id = $1`, [taken.id]);
      }
      // Out of the way, it rolls back.
      await f.call('restores.rollback', { jobId: job.jobId, discardChanges: true });
      expect(await f.settle(job.jobId)).toMatchObject({ state: 'rolled_back' });
      expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    } finally {
      await f.sql('shard_1', `DROP INDEX IF EXISTS sc_links_ext_ref; ALTER TABLE pwb_links DROP COLUMN IF EXISTS ext_ref`);
    }
  }, 240_000);

  it('a rollback is refused behind its fence, nothing removed, while a row outside the website points at its rows', async () => {
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
    expect(job).toMatchObject({ state: 'succeeded', verified: true });
    const [contact] = await f.sql('shard_1', `SELECT min(id) AS id FROM pwb_contacts WHERE website_id = $1`, [site]);
    const [message] = await f.sql(
      'shard_1',
      `INSERT INTO pwb_messages (website_id, contact_id, title, created_at, updated_at) VALUES (NULL, $1, 'from outside', now(), now()) RETURNING id`,
      [contact.id],
    );
    try {
      const restored = await websiteState(f.pc, site);
      await f.call('restores.rollback', { jobId: job.jobId, discardChanges: true });
      const refused = await f.settle(job.jobId);
      expect(refused).toMatchObject({ state: 'succeeded', step: 'done' });
      expect(refused.error).toMatch(/rows of pwb_messages that are not website \d+'s point at its rows of pwb_contacts/);
      expect(await websiteState(f.pc, site)).toEqual(restored);
      expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    } finally {
      await f.sql('shard_1', `DELETE FROM pwb_messages WHERE id = $1`, [message.id]);
    }
    await f.call('restores.discard', { jobId: job.jobId });
    expect((await f.settle(job.jobId)).error).toBeNull();
  }, 240_000);

  it('a resume or rollback that reaches the lock after another console finished the job refuses there, changing nothing', async () => {
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
    await f.call('restores.rollback', { jobId: job.jobId });
    const rolledBack = await f.settle(job.jobId);
    expect(rolledBack).toMatchObject({ state: 'rolled_back', step: 'rolled_back' });
    const rows = await websiteState(f.pc, site);
    for (const direction of ['forward', 'rollback'] as const) {
      await expect(runRestoreSteps(f.ctx, null as never, job.jobId, null, direction)).rejects.toMatchObject({
        code: 'ACTION_NOT_ALLOWED',
        message: expect.stringContaining('is rolled_back at step rolled_back now (another console acted on it meanwhile)'),
      });
    }
    expect(await f.settle(job.jobId)).toEqual(rolledBack);
    expect(await websiteState(f.pc, site)).toEqual(rows);
  }, 240_000);

  it('discard drops the held rows and leaves the restored ones', async () => {
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
    expect(job).toMatchObject({ state: 'succeeded', verified: true });
    expect(
      Number((await f.sql('shard_1', `SELECT count(*) AS n FROM pg_class WHERE relname LIKE $1`, [`hold\\_${job.jobId.slice(0, 8)}\\_%`]))[0].n),
    ).toBeGreaterThan(0);
    const discarded = await f.call('restores.discard', { jobId: job.jobId });
    expect(discarded).toMatchObject({ discarded: true, holding: null, actions: [] });
    expect(Number((await f.sql('shard_1', `SELECT count(*) AS n FROM pg_class WHERE relname LIKE $1`, [`hold\\_${job.jobId.slice(0, 8)}\\_%`]))[0].n)).toBe(0);
    expect((await websiteState(f.pc, site)).tables).toEqual(backedUp.tables);
    await expect(f.call('restores.rollback', { jobId: job.jobId })).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
  }, 240_000);

  it('a rollback whose job was discarded between its request and its run refuses under the lock, leaving the rows and no fence', async () => {
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
    expect(job).toMatchObject({ state: 'succeeded', verified: true });
    // The race, in order: the rollback's request passes its checks, a discard from another window takes
    // the job's lock first, then the rollback runs.
    await f.call('restores.discard', { jobId: job.jobId });
    const rows = await websiteState(f.pc, site);
    await expect(runRestoreSteps(f.ctx, null as never, job.jobId, null, 'rollback')).rejects.toMatchObject({
      code: 'ACTION_NOT_ALLOWED',
      message: expect.stringContaining('was discarded meanwhile'),
    });
    expect(await websiteState(f.pc, site)).toEqual(rows);
    expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    expect(await f.settle(job.jobId)).toMatchObject({ state: 'succeeded', discarded: true });
  }, 240_000);
});
