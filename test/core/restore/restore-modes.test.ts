import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordVerified } from '../../../electron/core/backups/backup-folder.ts';
import { TENANT_TABLES } from '../../support/tenant-snapshot.ts';
import { newestRestoreJob, runCli } from '../../support/restore-cli.ts';
import { jobLockKey } from '../../../electron/core/jobs/job-lock.ts';
import { discardKept } from '../../../electron/core/restore/restore-service.ts';
import { clusterContent, largestWebsite, purgeWebsite, startRestoreFixture, websiteState, type RestoreFixture } from '../../support/restore-fixture.ts';

/*
 * The other two modes, from a backup folder made with the console's own backup.create (its manifest's
 * routing says which archive holds each website):
 * - side by side: a marked schema of tables shaped like the live ones holds the website's backed-up
 *   rows; live data and routing are untouched; restore drop-schema (or discard) removes it and nothing else;
 * - empty place: a website whose rows are all gone is loaded on another shard, verified, then its
 *   shard_name switched there, the materialized view refreshed.
 */

let f: RestoreFixture;
let backup: string;
let side: number;
let gone: number;
let sideState: Awaited<ReturnType<typeof websiteState>>;
let goneState: Awaited<ReturnType<typeof websiteState>>;

/** Per tenant table: rows and content hash of a website's rows (live) or of a side schema's table, the same way. */
async function contentOf(database: string, from: (table: string) => string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TENANT_TABLES) {
    const [r] = await f.sql(database, `SELECT count(*) AS n, coalesce(sum(hashtextextended(to_jsonb(t)::text, 1)::numeric), 0) AS h FROM ${from(table)} t`);
    out[table] = `${r.n}/${r.h}`;
  }
  return out;
}

const websiteFilter: Record<string, string> = {
  pwb_sale_listings: 'realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)',
  pwb_rental_listings: 'realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)',
  pwb_prop_photos: 'realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)',
  pwb_features: 'realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)',
  pwb_field_keys: 'pwb_website_id = $1',
  pwb_ticket_messages: 'support_ticket_id IN (SELECT id FROM pwb_support_tickets WHERE website_id = $1)',
  pwb_search_alerts: 'saved_search_id IN (SELECT id FROM pwb_saved_searches WHERE website_id = $1)',
};

beforeAll(async () => {
  f = await startRestoreFixture({ websites: 9 });
  side = await largestWebsite(f, 'shard_2');
  gone = await largestWebsite(f, 'default');
  sideState = await websiteState(f.pc, side);
  goneState = await websiteState(f.pc, gone);
  backup = (await f.call('backup.create', { dir: f.dir, format: 'custom' })).backup;
  await purgeWebsite(f, 'default', gone);
  await f.sql('default', 'REFRESH MATERIALIZED VIEW pwb_properties');
}, 300_000);
afterAll(() => f?.stop());

describe('restore --into-schema (side by side)', () => {
  it('loads the backed-up rows into a marked schema shaped like the live tables; live data and routing untouched', async () => {
    const before = await clusterContent(f.pc);
    const job = await f.settle((await f.call('restores.start', { websiteId: side, path: backup, mode: 'side-by-side', intoSchema: 'restored_42' })).jobId);
    expect(job.error).toBeNull();
    expect(job).toMatchObject({
      state: 'succeeded',
      verified: true,
      target: 'shard_2',
      schema: 'restored_42',
      source: { chosenBy: 'routing', database: 'shard_2' },
      actions: ['discard'],
    });
    const after = await clusterContent(f.pc);
    const untouched = (content: Record<string, string>) =>
      Object.fromEntries(Object.entries(content).filter(([k]) => !k.startsWith('shard_2:restored_42.') && k !== 'shard_2:schemas'));
    expect(untouched(after)).toEqual(untouched(before));
    expect(after['shard_2:schemas']).toBe(`${before['shard_2:schemas']!.split(',').concat('restored_42').sort().join(',')}`);
    // The side tables hold exactly the website's rows as they are live (nothing changed since the backup).
    const live = await contentOfWebsite('shard_2', side);
    const restored = await contentOf('shard_2', (t) => `restored_42.${t}`);
    expect(restored).toEqual(live);
    expect(Object.values(sideState.tables).reduce((n, t) => n + t.rows, 0)).toBe(job.plan.totalArchiveRows);
    // The side tables are no live tenant tables to a later restore.
    const preview = await f.call('restores.preflight', { websiteId: side, path: backup, mode: 'replace' });
    expect(preview.plan!.tables.map((t) => t.table).filter((t) => t.startsWith('restored_42.'))).toEqual([]);
    expect(preview.plan!.tables.length).toBe(TENANT_TABLES.length);
    // Nor to drift, the doctor or a move's schema check: the side schema is no tenant schema out of step.
    expect((await f.call('schema.drift', {})).drift).toEqual([]);
    const doctor = await f.call('doctor.run', {});
    expect(doctor.findings.filter((x) => `${x.table} ${x.message} ${x.fix}`.includes('restored_42'))).toEqual([]);
    const move = await f.call('moves.preflight', { websiteId: side, target: 'default' });
    expect(move.refusals).toEqual([]);
    // The side tables' serial columns draw from sequences of the side schema, not the live tables' own:
    // an insert there uses up no live id, and a migration dropping a live table is not refused for them.
    const tied = await f.sql(
      'shard_2',
      `SELECT c.relname AS side, s.relnamespace::regnamespace::text AS seq_schema
         FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
         JOIN pg_depend dep ON dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid AND dep.refclassid = 'pg_class'::regclass
         JOIN pg_class s ON s.oid = dep.refobjid AND s.relkind = 'S'
        WHERE c.relnamespace = 'restored_42'::regnamespace`,
    );
    expect(tied.length).toBeGreaterThan(0);
    expect(tied.filter((t) => t.seq_schema !== 'restored_42')).toEqual([]);
    const [liveSeq] = await f.sql('shard_2', `SELECT last_value::text AS v FROM pwb_contacts_id_seq`);
    await f.sql('shard_2', `INSERT INTO restored_42.pwb_contacts (website_id, created_at, updated_at) VALUES ($1, now(), now())`, [side]);
    expect(await f.sql('shard_2', `SELECT last_value::text AS v FROM pwb_contacts_id_seq`)).toEqual([liveSeq]);
    await f.sql('shard_2', `DELETE FROM restored_42.pwb_contacts WHERE id NOT IN (SELECT id FROM pwb_contacts)`);
  }, 240_000);

  it("refuses a backup whose last verification failed on the website's archive, changing nothing, until a verification passes", async () => {
    const request = { websiteId: side, path: backup, mode: 'side-by-side', intoSchema: 'restored_unverified' } as const;
    const before = await clusterContent(f.pc);
    // As an older console recorded it: failed, without saying which archive.
    await writeFile(join(backup, 'verified.json'), JSON.stringify({ at: new Date().toISOString(), ok: false }));
    try {
      const preview = await f.call('restores.preflight', request);
      expect(preview).toMatchObject({ ok: false, plan: null, refusals: [{ code: 'BACKUP_FAILED_VERIFICATION' }] });
      expect(preview.refusals[0]!.message).toMatch(/Verify it again/);
      await expect(f.call('restores.start', request)).rejects.toMatchObject({ code: 'RESTORE_REFUSED' });
      expect(await clusterContent(f.pc)).toEqual(before);
      // Only another database's archive failed: this one's restores.
      await recordVerified(backup, false, ['default']);
      expect(await f.call('restores.preflight', request)).toMatchObject({ ok: true });
      await recordVerified(backup, false, ['shard_2']);
      expect(await f.call('restores.preflight', request)).toMatchObject({ ok: false, refusals: [{ code: 'BACKUP_FAILED_VERIFICATION' }] });
      // Named by its own file's path, the damaged archive is refused all the same.
      const manifest = JSON.parse(await readFile(join(backup, 'manifest.json'), 'utf8')) as { databases: Array<{ name: string; file: string }> };
      const file = join(backup, manifest.databases.find((d) => d.name === 'shard_2')!.file);
      expect(await f.call('restores.preflight', { ...request, path: file })).toMatchObject({
        ok: false,
        refusals: [{ code: 'BACKUP_FAILED_VERIFICATION', message: expect.stringContaining('the archive of shard_2') }],
      });
      await f.call('backup.verify', { path: backup });
      expect(await f.call('restores.preflight', request)).toMatchObject({ ok: true });
      // A record cut short (a crash while it was written) is no verification that passed.
      await writeFile(join(backup, 'verified.json'), '{"at":"2026-12-07T10:00:00.000Z","ok":fal');
      expect(await f.call('restores.preflight', request)).toMatchObject({
        ok: false,
        refusals: [{ code: 'BACKUP_FAILED_VERIFICATION', message: expect.stringContaining('verified.json') }],
      });
      await f.call('backup.verify', { path: backup });
      expect(await f.call('restores.preflight', request)).toMatchObject({ ok: true });
      expect(JSON.parse(await readFile(join(backup, 'verified.json'), 'utf8'))).toMatchObject({ ok: true });
    } finally {
      await rm(join(backup, 'verified.json'), { force: true });
    }
  });

  it('refuses a schema name in use, and drop-schema drops only restore schemas', async () => {
    const taken = await f.call('restores.preflight', { websiteId: side, path: backup, mode: 'side-by-side', intoSchema: 'restored_42' });
    expect(taken.refusals.map((r) => r.code)).toEqual(['SCHEMA_EXISTS']);
    await expect(f.call('restores.dropSchema', { schema: 'public' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await f.sql('shard_2', 'CREATE SCHEMA scratch_notes; CREATE TABLE scratch_notes.n (id int)');
    await expect(f.call('restores.dropSchema', { schema: 'scratch_notes' })).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
    expect(await f.sql('shard_2', `SELECT count(*)::int AS n FROM scratch_notes.n`)).toEqual([{ n: 0 }]);
    // A restore's mark copied onto a schema of someone's own is no proof: the job's record is.
    const mark = (await f.sql('shard_2', `SELECT obj_description('restored_42'::regnamespace, 'pg_namespace') AS c`))[0].c as string;
    await f.sql('shard_2', `COMMENT ON SCHEMA scratch_notes IS '${mark.replace(/'/g, "''")}'`);
    await expect(f.call('restores.dropSchema', { schema: 'scratch_notes' })).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
    const forged = mark.replace(/[0-9a-f]{8}-/, '00000000-');
    await f.sql('shard_2', `COMMENT ON SCHEMA scratch_notes IS '${forged.replace(/'/g, "''")}'`);
    await expect(f.call('restores.dropSchema', { schema: 'scratch_notes' })).rejects.toThrow(/has no such job/);
    // A mark whose id is no uuid is no mark (its id would have been a job's lock key).
    const dashes = mark.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, '-'.repeat(36));
    await f.sql('shard_2', `COMMENT ON SCHEMA scratch_notes IS '${dashes.replace(/'/g, "''")}'`);
    await expect(f.call('restores.dropSchema', { schema: 'scratch_notes' })).rejects.toMatchObject({
      code: 'ACTION_NOT_ALLOWED',
      message: expect.stringContaining('No side-by-side restore schema named scratch_notes'),
    });
    expect(await f.sql('shard_2', `SELECT count(*)::int AS n FROM scratch_notes.n`)).toEqual([{ n: 0 }]);
    // What the restore did not make is never dropped with it: a view elsewhere over a side table, a table
    // someone added in the schema. Each refusal names it, and changes nothing.
    const tables = `SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'restored_42'::regnamespace AND relkind = 'r'`;
    await f.sql('shard_2', 'CREATE VIEW scratch_notes.compare_links AS SELECT count(*) AS n FROM restored_42.pwb_links');
    const feeding = await f.call('restores.dropSchema', { schema: 'restored_42' }).catch((e: unknown) => e);
    expect(feeding).toMatchObject({
      code: 'ACTION_NOT_ALLOWED',
      message: expect.stringContaining('view scratch_notes.compare_links depends on table restored_42.pwb_links'),
    });
    expect(await f.sql('shard_2', tables)).toEqual([{ n: TENANT_TABLES.length }]);
    await f.sql('shard_2', 'DROP VIEW scratch_notes.compare_links; CREATE TABLE restored_42.my_notes (id int)');
    await expect(f.call('restores.dropSchema', { schema: 'restored_42' })).rejects.toThrow(/table restored_42\.my_notes/);
    expect(await f.sql('shard_2', tables)).toEqual([{ n: TENANT_TABLES.length + 1 }]);
    await f.sql('shard_2', 'DROP TABLE restored_42.my_notes');
    const dropped = await f.call('restores.dropSchema', { schema: 'restored_42' });
    expect(dropped).toEqual({ database: 'shard_2', schema: 'restored_42', tables: TENANT_TABLES.length });
    expect(await f.sql('shard_2', `SELECT nspname FROM pg_namespace WHERE nspname = 'restored_42'`)).toEqual([]);
    const jobs = await f.call('restores.list', { websiteId: side });
    expect(jobs.jobs[0]).toMatchObject({ discarded: true, actions: [] });
  }, 120_000);

  it('restores side by side on another database (--to), and discard drops the schema', async () => {
    const job = await f.settle(
      (await f.call('restores.start', { websiteId: side, path: backup, mode: 'side-by-side', intoSchema: 'look_here', target: 'default' })).jobId,
    );
    expect(job).toMatchObject({ state: 'succeeded', verified: true, target: 'default' });
    expect(await contentOf('default', (t) => `look_here.${t}`)).toEqual(await contentOfWebsite('shard_2', side));
    // While another console runs the job (it holds the job's lock), neither drop-schema nor discard touches it.
    const other = await f.pc.client('default');
    try {
      await other.query('SELECT pg_advisory_lock($1::int8)', [jobLockKey(job.jobId)]);
      await expect(f.call('restores.dropSchema', { schema: 'look_here' })).rejects.toMatchObject({ code: 'JOB_BUSY' });
      await expect(f.call('restores.discard', { jobId: job.jobId })).rejects.toMatchObject({ code: 'JOB_BUSY' });
    } finally {
      await other.end();
    }
    expect(await contentOf('default', (t) => `look_here.${t}`)).toEqual(await contentOfWebsite('shard_2', side));
    await f.call('restores.discard', { jobId: job.jobId });
    expect(await f.sql('default', `SELECT nspname FROM pg_namespace WHERE nspname = 'look_here'`)).toEqual([]);
  }, 240_000);

  it("drop-schema leaves an unfinished restore's schema to its rollback; a discard refused under the lock leaves the job as it is", async () => {
    const killed = await runCli(f.pc, ['restore', String(side), '--from', backup, '--into-schema', 'half_done', '--yes'], { failpoint: 'after:load' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const half = (await newestRestoreJob(f.pc))!;
    const refused = await f.call('restores.dropSchema', { schema: 'half_done' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ACTION_NOT_ALLOWED', message: expect.stringContaining('is interrupted at step load: roll it back') });
    expect(await f.sql('shard_2', `SELECT nspname FROM pg_namespace WHERE nspname = 'half_done'`)).toEqual([{ nspname: 'half_done' }]);
    await f.call('restores.rollback', { jobId: half.id });
    expect(await f.settle(half.id)).toMatchObject({ state: 'rolled_back' });
    expect(await f.sql('shard_2', `SELECT nspname FROM pg_namespace WHERE nspname = 'half_done'`)).toEqual([]);

    // A schema of that name made by someone else after the job was planned: the job fails at its schema
    // step, and its rollback leaves that schema alone (before, it refused for ever: "not created by").
    const early = await runCli(f.pc, ['restore', String(side), '--from', backup, '--into-schema', 'taken_later', '--yes'], { failpoint: 'before:schema' });
    expect(early.signal, early.stderr).toBe('SIGKILL');
    const late = (await newestRestoreJob(f.pc))!;
    await f.sql('shard_2', 'CREATE SCHEMA taken_later; CREATE TABLE taken_later.mine (id int)');
    await f.call('restores.resume', { jobId: late.id });
    expect(await f.settle(late.id)).toMatchObject({ state: 'failed', step: 'schema', error: expect.stringContaining('that this restore did not create') });
    await f.call('restores.rollback', { jobId: late.id });
    expect(await f.settle(late.id)).toMatchObject({ state: 'rolled_back' });
    expect(await f.sql('shard_2', `SELECT count(*)::int AS n FROM taken_later.mine`)).toEqual([{ n: 0 }]);
    await f.sql('shard_2', 'DROP SCHEMA taken_later CASCADE');

    // A discard checked before a drop-schema by name ran, reaching the lock after it: refused there, the job untouched.
    const done = await f.settle((await f.call('restores.start', { websiteId: side, path: backup, mode: 'side-by-side', intoSchema: 'raced' })).jobId);
    expect(done).toMatchObject({ state: 'succeeded', actions: ['discard'] });
    await f.call('restores.dropSchema', { schema: 'raced' });
    const dropped = await f.settle(done.jobId);
    expect(dropped).toMatchObject({ state: 'succeeded', discarded: true, actions: [] });
    await expect(discardKept(f.ctx, done.jobId)).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED', message: expect.stringContaining('discarded already') });
    expect(await f.settle(done.jobId)).toEqual(dropped);
  }, 240_000);
});

describe('restore into an empty place', () => {
  it('refuses a shard whose foreign keys into its own control plane lack the website, changing nothing', async () => {
    const before = await clusterContent(f.pc);
    const preview = await f.call('restores.preflight', { websiteId: gone, path: backup, mode: 'empty', target: 'shard_2' });
    expect(preview.ok).toBe(false);
    expect(new Set(preview.refusals.map((r) => r.code))).toEqual(new Set(['MISSING_REFERENCE']));
    expect(preview.refusals[0]!.message).toMatch(/pwb_websites/);
    await expect(f.call('restores.start', { websiteId: gone, path: backup, mode: 'empty', target: 'shard_2' })).rejects.toMatchObject({
      code: 'RESTORE_REFUSED',
    });
    expect(await clusterContent(f.pc)).toEqual(before);
  }, 120_000);

  it('loads the website on another shard, verifies, switches its shard_name there and refreshes the view', async () => {
    const before = await websiteState(f.pc, gone);
    expect(before.databases).toEqual([]);
    const job = await f.settle((await f.call('restores.start', { websiteId: gone, path: backup, mode: 'empty', target: 'shard_1' })).jobId);
    expect(job.error).toBeNull();
    expect(job).toMatchObject({
      state: 'succeeded',
      verified: true,
      target: 'shard_1',
      source: { chosenBy: 'routing', database: 'default' },
      plan: { routedTo: 'default' },
    });
    const after = await websiteState(f.pc, gone);
    expect(after.databases).toEqual(['shard_1']);
    expect(after.tables).toEqual(goneState.tables);
    expect(after.others).toEqual(before.others);
    expect(await f.sql('default', `SELECT shard_name FROM pwb_websites WHERE id = $1`, [gone])).toEqual([{ shard_name: 'shard_1' }]);
    const [view] = await f.sql('shard_1', `SELECT count(*)::int AS n FROM pwb_properties WHERE website_id = $1`, [gone]);
    expect(view.n).toBe(goneState.tables.pwb_realty_assets!.rows);
    // The refresh started during the load, once the tables the view reads were in (its own timing).
    expect(Object.keys(job.timings)).toContain('views.during-load');
    expect(await f.sql('default', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    // Now it has rows: another empty-place restore is refused.
    const again = await f.call('restores.preflight', { websiteId: gone, path: backup, mode: 'empty' });
    expect(again.refusals.map((r) => r.code)).toEqual(['WEBSITE_HAS_ROWS']);
  }, 240_000);
});

async function contentOfWebsite(database: string, id: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TENANT_TABLES) {
    const [r] = await f.sql(
      database,
      `SELECT count(*) AS n, coalesce(sum(hashtextextended(to_jsonb(t)::text, 1)::numeric), 0) AS h FROM ${table} t WHERE ${websiteFilter[table] ?? 'website_id = $1'}`,
      [id],
    );
    out[table] = `${r.n}/${r.h}`;
  }
  return out;
}
