import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCopyField } from '../../../electron/core/backups/archive/copy-fields.ts';
import { openArchive } from '../../../electron/core/backups/archive/open-archive.ts';
import { RowDigest, type RowHashVersion } from '../../../electron/core/restore/row-digest.ts';
import { largestWebsite, startRestoreFixture, websiteState, type RestoreFixture } from '../../support/restore-fixture.ts';
import { newestRestoreJob, runCli } from '../../support/restore-cli.ts';

/*
 * Crash safety of a replace: the CLI restoring a website is SIGKILLed at every step boundary and in
 * the middle of the load (failpoints), then the job is resumed: the website holds exactly its backed-up
 * rows, once. Then the website is changed again, a second restore is killed at the same point and
 * rolled back: the website holds exactly the rows it had before that restore. No other website's rows
 * change, and no fence or holding table is left behind.
 */

const STEPS = ['fence', 'hold', 'clear', 'load', 'sequences', 'verify', 'views', 'unfence', 'done'];
const FAILPOINTS = ['load:mid', 'load:half', ...STEPS.flatMap((s) => [`before:${s}`, `after:${s}`])];

let f: RestoreFixture;
let site: number;
let archive: string;
let backedUp: Awaited<ReturnType<typeof websiteState>>;

/** Changes since the backup, a little different each time so each rollback has its own state to return to. */
async function change(round: number): Promise<void> {
  await f.sql('shard_1', `UPDATE pwb_realty_assets SET title = $2 WHERE website_id = $1`, [site, `round ${round}`]);
  await f.sql(
    'shard_1',
    `DELETE FROM pwb_features WHERE id IN (SELECT f.id FROM pwb_features f JOIN pwb_realty_assets a ON a.id = f.realty_asset_id WHERE a.website_id = $1 ORDER BY f.id LIMIT 1)`,
    [site],
  );
  await f.sql('shard_1', `INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, $2, now(), now())`, [site, `round ${round}`]);
}

async function expectClean(): Promise<void> {
  expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
  expect(await f.sql('shard_1', `SELECT relname FROM pg_class WHERE relname LIKE 'hold\\_%' AND relkind = 'r'`)).toEqual([]);
}

beforeAll(async () => {
  f = await startRestoreFixture({ websites: 7 });
  site = await largestWebsite(f, 'shard_1');
  archive = await f.dump('shard_1', 'shard_1.dump');
  backedUp = await websiteState(f.pc, site);
}, 240_000);
afterAll(() => f?.stop());

describe('a replace killed anywhere', () => {
  it.each(FAILPOINTS.map((p, i) => [p, i] as const))(
    'SIGKILL at %s: resume restores it; killed again, rollback undoes it',
    { timeout: 180_000 },
    async (failpoint, round) => {
      await change(round * 2);
      const killed = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes', '--json'], { failpoint });
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const interrupted = (await newestRestoreJob(f.pc))!;
      if (failpoint === 'after:done') expect(interrupted.state).toBe('succeeded');
      else {
        expect(interrupted.state).toBe('running');
        const resumed = await runCli(f.pc, ['restore', 'resume', interrupted.id, '--json']);
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(JSON.parse(resumed.stdout)).toMatchObject({ jobId: interrupted.id, state: 'succeeded', verified: true, mode: 'replace', target: 'shard_1' });
      }
      const restored = await websiteState(f.pc, site);
      expect(restored.tables).toEqual(backedUp.tables);
      expect(restored.databases).toEqual(['shard_1']);
      expect(restored.others).toEqual(backedUp.others);
      expect((await runCli(f.pc, ['restore', 'discard', interrupted.id, '--yes'])).code).toBe(0);
      await expectClean();

      await change(round * 2 + 1);
      const changed = await websiteState(f.pc, site);
      const killedAgain = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes'], { failpoint });
      expect(killedAgain.signal, killedAgain.stderr).toBe('SIGKILL');
      const second = (await newestRestoreJob(f.pc))!;
      expect(second.id).not.toBe(interrupted.id);
      const rolledBack = await runCli(f.pc, ['restore', 'rollback', second.id, '--json']);
      expect(rolledBack.code, rolledBack.stderr).toBe(0);
      expect(JSON.parse(rolledBack.stdout)).toMatchObject({ state: 'rolled_back', step: 'rolled_back' });
      expect(await websiteState(f.pc, site)).toEqual(changed);
      await expectClean();
    },
  );

  const ROLLBACK_FAILPOINTS = ['after:rollback:fence', 'before:rollback:put-back', 'after:rollback:put-back', 'before:rollback:drop', 'before:rolled_back'];
  it.each(ROLLBACK_FAILPOINTS.map((p, i) => [p, i] as const))(
    'a rollback SIGKILLed at %s rolls back when run again',
    { timeout: 180_000 },
    async (failpoint, round) => {
      await change(100 + round);
      const changed = await websiteState(f.pc, site);
      const killed = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes'], { failpoint: 'after:load' });
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const job = (await newestRestoreJob(f.pc))!;
      const killedRollback = await runCli(f.pc, ['restore', 'rollback', job.id], { failpoint });
      expect(killedRollback.signal, killedRollback.stderr).toBe('SIGKILL');
      // Once a rollback started, the job offers only to finish it.
      const listed = JSON.parse((await runCli(f.pc, ['restores', '--json'])).stdout).jobs[0];
      expect(listed).toMatchObject({ jobId: job.id, state: 'interrupted', actions: ['rollback'] });
      const rolledBack = await runCli(f.pc, ['restore', 'rollback', job.id, '--json']);
      expect(rolledBack.code, rolledBack.stderr).toBe(0);
      expect(JSON.parse(rolledBack.stdout)).toMatchObject({ state: 'rolled_back' });
      expect(await websiteState(f.pc, site)).toEqual(changed);
      await expectClean();
    },
  );
});

describe('a rollback of a finished replace killed around its check', () => {
  it('SIGKILLed once fenced, with the website written since: run again, it checks again, refuses, and lifts the fence', { timeout: 180_000 }, async () => {
    await change(300);
    const restore = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes', '--json']);
    expect(restore.code, restore.stderr).toBe(0);
    const job = (await newestRestoreJob(f.pc))!;
    await f.sql('shard_1', `INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, 'after the restore', now(), now())`, [site]);
    const written = await websiteState(f.pc, site);
    const killed = await runCli(f.pc, ['restore', 'rollback', job.id], { failpoint: 'after:rollback:fence' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    // Fenced under a job that says so (not a succeeded one), offering to finish the rollback.
    expect(await f.sql('shard_1', `SELECT website_id FROM shard_console.fenced_websites`)).toEqual([{ website_id: String(site) }]);
    expect(JSON.parse((await runCli(f.pc, ['restores', '--json'])).stdout).jobs[0]).toMatchObject({
      jobId: job.id,
      state: 'interrupted',
      actions: ['rollback'],
    });
    const again = await runCli(f.pc, ['restore', 'rollback', job.id, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).error).toMatchObject({
      code: 'ACTION_NOT_ALLOWED',
      message: expect.stringContaining(`changed on shard_1 since restore job ${job.id}`),
    });
    expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    expect(JSON.parse((await runCli(f.pc, ['restores', '--json'])).stdout).jobs[0]).toMatchObject({
      jobId: job.id,
      state: 'succeeded',
      actions: ['rollback', 'discard'],
    });
    expect(await websiteState(f.pc, site)).toEqual(written);
    expect((await runCli(f.pc, ['restore', 'discard', job.id, '--yes'])).code).toBe(0);
    await expectClean();
  });

  it('a replace killed during its unfence step (the fence may be off, the website written since) is rolled back only after the same check', {
    timeout: 180_000,
  }, async () => {
    await change(302);
    const killed = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes'], { failpoint: 'after:unfence' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const job = (await newestRestoreJob(f.pc))!;
    expect(job.step).toBe('unfence');
    await f.sql('shard_1', `INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, 'after the unfence', now(), now())`, [site]);
    const written = await websiteState(f.pc, site);
    const refused = await runCli(f.pc, ['restore', 'rollback', job.id, '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error).toMatchObject({
      code: 'ACTION_NOT_ALLOWED',
      message: expect.stringContaining(`changed on shard_1 since restore job ${job.id}`),
    });
    expect(await websiteState(f.pc, site)).toEqual(written);
    expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    // Its unfence finished with the refusal: the job is the finished restore it was about to be, with a finishing time.
    expect(JSON.parse((await runCli(f.pc, ['restores', '--json'])).stdout).jobs[0]).toMatchObject({
      jobId: job.id,
      state: 'succeeded',
      actions: ['rollback', 'discard'],
      finishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect((await runCli(f.pc, ['restore', 'discard', job.id, '--yes'])).code).toBe(0);
    await expectClean();
  });

  it('SIGKILLed after a refusal lifted the fence, before the job was put back: run again, its check fences first', { timeout: 180_000 }, async () => {
    await change(303);
    const before = await websiteState(f.pc, site);
    const restore = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes']);
    expect(restore.code, restore.stderr).toBe(0);
    const job = (await newestRestoreJob(f.pc))!;
    await f.sql('shard_1', `INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, 'written, then undone', now(), now())`, [
      site,
    ]);
    const killed = await runCli(f.pc, ['restore', 'rollback', job.id], { failpoint: 'rollback:check:lifted' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    expect((await newestRestoreJob(f.pc))!.step).toBe('rollback:check');
    // The write is undone, so the check will pass: the put-back that follows must run fenced.
    await f.sql('shard_1', `DELETE FROM pwb_contacts WHERE website_id = $1 AND first_name = 'written, then undone'`, [site]);
    const checked = await runCli(f.pc, ['restore', 'rollback', job.id], { failpoint: 'after:rollback:check' });
    expect(checked.signal, checked.stderr).toBe('SIGKILL');
    expect(await f.sql('shard_1', `SELECT website_id FROM shard_console.fenced_websites`)).toEqual([{ website_id: String(site) }]);
    const again = await runCli(f.pc, ['restore', 'rollback', job.id, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(await websiteState(f.pc, site)).toEqual(before);
    await expectClean();
  });

  it('SIGKILLed once its check passed: run again, it rolls back to the rows from before the restore', { timeout: 180_000 }, async () => {
    await change(301);
    const before = await websiteState(f.pc, site);
    const restore = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes']);
    expect(restore.code, restore.stderr).toBe(0);
    const job = (await newestRestoreJob(f.pc))!;
    const killed = await runCli(f.pc, ['restore', 'rollback', job.id], { failpoint: 'after:rollback:check' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const again = await runCli(f.pc, ['restore', 'rollback', job.id, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'rolled_back' });
    expect(await websiteState(f.pc, site)).toEqual(before);
    await expectClean();
  });
});

/** A website-keyed table's digest over the archive's lines of the website, with the row hash given. */
async function archiveDigest(table: string, version: RowHashVersion): Promise<string> {
  const opened = await openArchive(archive);
  try {
    const entry = opened.dataEntry(table)!;
    const digest = new RowDigest(version);
    const range = { start: 0, end: 0 };
    for await (const line of opened.rows(entry)) {
      findCopyField(line, 0, line.length, entry.columns.indexOf('website_id'), range);
      if (line.toString('latin1', range.start, range.end) === String(site)) digest.add(line);
    }
    return digest.hash;
  } finally {
    await opened.close();
  }
}

describe('a job recorded before row hashes had versions', () => {
  it('loads and verifies with the row hash it was recorded with (SHA-256) when resumed by this console', { timeout: 180_000 }, async () => {
    await change(200);
    const killed = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes'], { failpoint: 'before:load' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const job = (await newestRestoreJob(f.pc))!;
    const recorded = await f.sql<{ v: number }>('default', `SELECT (detail->>'rowHash')::int AS v FROM shard_console.jobs WHERE id = $1`, [job.id]);
    expect(recorded).toEqual([{ v: 2 }]);
    // As an older console recorded it: no rowHash in its detail.
    await f.sql('default', `UPDATE shard_console.jobs SET detail = detail - 'rowHash' WHERE id = $1`, [job.id]);
    const resumed = await runCli(f.pc, ['restore', 'resume', job.id, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout) as {
      state: string;
      verified: boolean;
      tables: Array<{ table: string; archiveHash: string; targetHash: string }>;
    };
    expect(result).toMatchObject({ state: 'succeeded', verified: true });
    const contacts = result.tables.find((t) => t.table === 'pwb_contacts')!;
    expect(contacts.targetHash).toBe(contacts.archiveHash);
    expect(contacts.archiveHash).toBe(await archiveDigest('pwb_contacts', 1));
    expect(contacts.archiveHash).not.toBe(await archiveDigest('pwb_contacts', 2));
    expect((await websiteState(f.pc, site)).tables).toEqual(backedUp.tables);
    expect((await runCli(f.pc, ['restore', 'discard', job.id, '--yes'])).code).toBe(0);
    await expectClean();
  });

  it("verifies a resumed job's rows with its own row hash: one stripped of it after its load (SHA-256 then) fails, naming the tables", {
    timeout: 180_000,
  }, async () => {
    await change(201);
    const changed = await websiteState(f.pc, site);
    const killed = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes'], { failpoint: 'before:verify' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const job = (await newestRestoreJob(f.pc))!;
    // Its load is done: resumed, it goes on to verify, with the archive's digests the load stored.
    expect(job.step).not.toBe('load');
    // The archive side was taken with MurmurHash3 during the load; the verify step now reads version 1.
    await f.sql('default', `UPDATE shard_console.jobs SET detail = detail - 'rowHash' WHERE id = $1`, [job.id]);
    const resumed = await runCli(f.pc, ['restore', 'resume', job.id, '--json']);
    expect(resumed.code).toBe(1);
    const result = JSON.parse(resumed.stdout) as { state: string; verified: boolean; error: string };
    expect(result).toMatchObject({ verified: false });
    expect(result.error).toMatch(/Verification failed.*pwb_contacts/s);
    expect((await runCli(f.pc, ['restore', 'rollback', job.id])).code).toBe(0);
    expect(await websiteState(f.pc, site)).toEqual(changed);
    await expectClean();
  });

  it('refuses to resume a job recorded with a row hash this console does not know, changing nothing; it still rolls back', { timeout: 180_000 }, async () => {
    await change(202);
    const changed = await websiteState(f.pc, site);
    const killed = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes'], { failpoint: 'after:load' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const job = (await newestRestoreJob(f.pc))!;
    await f.sql('default', `UPDATE shard_console.jobs SET detail = jsonb_set(detail, '{rowHash}', '3') WHERE id = $1`, [job.id]);
    const refused = await runCli(f.pc, ['restore', 'resume', job.id]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/recorded by a newer console/);
    expect((await newestRestoreJob(f.pc))!).toMatchObject({ id: job.id, state: 'running', step: job.step });
    expect((await runCli(f.pc, ['restore', 'rollback', job.id])).code).toBe(0);
    expect(await websiteState(f.pc, site)).toEqual(changed);
    await expectClean();
  });
});

describe('a replace whose website got pointed at between the preflight and the fence', () => {
  it('is refused behind the fence, the fence lifted at once, nothing held or removed; once the reference is gone it resumes', {
    timeout: 180_000,
  }, async () => {
    await change(300);
    const killed = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes', '--json'], { failpoint: 'before:fence' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const job = (await newestRestoreJob(f.pc))!;
    // A message of no website comes to name one of the website's contacts: the fence does not stop it.
    const [contact] = await f.sql('shard_1', `SELECT min(id) AS id FROM pwb_contacts WHERE website_id = $1`, [site]);
    const [message] = await f.sql(
      'shard_1',
      `INSERT INTO pwb_messages (website_id, contact_id, title, created_at, updated_at) VALUES (NULL, $1, 'from outside', now(), now()) RETURNING id`,
      [contact.id],
    );
    const before = await websiteState(f.pc, site);
    const refused = await runCli(f.pc, ['restore', 'resume', job.id, '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ state: 'failed', step: 'fence' });
    expect(JSON.parse(refused.stdout).error).toMatch(/pwb_messages that are not website \d+'s point at its rows of pwb_contacts.*the fence is lifted again/s);
    expect(await websiteState(f.pc, site)).toEqual(before);
    expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    await f.sql('shard_1', `DELETE FROM pwb_messages WHERE id = $1`, [message.id]);
    const resumed = await runCli(f.pc, ['restore', 'resume', job.id, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ state: 'succeeded', verified: true });
    expect((await websiteState(f.pc, site)).tables).toEqual(backedUp.tables);
  });
});

describe('a rollback killed while its put-back had taken the rows off', () => {
  it('finishes the put-back when run again, never going back to done: a conflict then fails it behind the fence; once cleared it rolls back', {
    timeout: 180_000,
  }, async () => {
    await change(400);
    // A column every row fills uniquely: the held rows keep theirs, the restored ones (the backup lacks it) have none.
    await f.sql(
      'shard_1',
      `ALTER TABLE pwb_links ADD COLUMN ext_ref text; UPDATE pwb_links SET ext_ref = 'ref-' || id; CREATE UNIQUE INDEX sc_links_ext_ref ON pwb_links (ext_ref)`,
    );
    try {
      const [{ held }] = await f.sql('shard_1', `SELECT min(id) AS held FROM pwb_links WHERE website_id = $1`, [site]);
      const [{ other }] = await f.sql('shard_1', `SELECT min(website_id) AS other FROM pwb_links WHERE website_id <> $1`, [site]);
      const restored = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes', '--json']);
      expect(restored.code, restored.stderr).toBe(0);
      const job = (await newestRestoreJob(f.pc))!;
      // Without --yes, a rollback that may lose the website's writes since says so and changes nothing.
      const preview = await runCli(f.pc, ['restore', 'rollback', job.id, '--discard-changes', '--json']);
      expect(preview.code, preview.stderr).toBe(0);
      expect(JSON.parse(preview.stdout)).toMatchObject({ preview: true, changed: false, job: { state: 'succeeded' } });
      expect(JSON.parse(preview.stdout).wouldRollBack).toContain('whatever was written to it since is lost');
      expect((await newestRestoreJob(f.pc))!.state).toBe('succeeded');
      const killed = await runCli(f.pc, ['restore', 'rollback', job.id, '--discard-changes', '--yes'], { failpoint: 'rollback:put-back:cleared' });
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      // The website's rows are off; another website takes one of the held rows' values meanwhile.
      const [taker] = await f.sql(
        'shard_1',
        `INSERT INTO pwb_links (website_id, slug, ext_ref, created_at, updated_at) VALUES ($1, 'taker', 'ref-' || $2, now(), now()) RETURNING id`,
        [other, held],
      );
      const failed = await runCli(f.pc, ['restore', 'rollback', job.id, '--json']);
      expect(failed.code).toBe(1);
      // Not back to done: the website's rows are off, so it stays fenced and the put-back is what is left to do.
      expect(JSON.parse(failed.stdout)).toMatchObject({ state: 'failed', step: 'rollback:put-back' });
      expect(JSON.parse(failed.stdout).error).toContain('sc_links_ext_ref');
      expect(await f.sql('shard_1', `SELECT website_id FROM shard_console.fenced_websites`)).toEqual([{ website_id: String(site) }]);
      await f.sql('shard_1', `DELETE FROM pwb_links WHERE id = $1`, [taker.id]);
      const rolledBack = await runCli(f.pc, ['restore', 'rollback', job.id, '--json']);
      expect(rolledBack.code, rolledBack.stderr).toBe(0);
      expect(JSON.parse(rolledBack.stdout)).toMatchObject({ state: 'rolled_back' });
      expect(await f.sql('shard_1', `SELECT ext_ref FROM pwb_links WHERE id = $1`, [held])).toEqual([{ ext_ref: `ref-${held}` }]);
      expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    } finally {
      await f.sql('shard_1', `DROP INDEX IF EXISTS sc_links_ext_ref; ALTER TABLE pwb_links DROP COLUMN IF EXISTS ext_ref`);
    }
  });
});
