import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largestWebsite, purgeWebsite, startRestoreFixture, websiteState, type RestoreFixture } from '../../support/restore-fixture.ts';
import { newestRestoreJob, runCli } from '../../support/restore-cli.ts';

/*
 * Crash safety of an empty-place restore around what only it does: the load onto another shard and the
 * switch of shard_name (the steps it shares with a replace are killed one by one in restore-crash.test.ts).
 * Killed, then resumed: the website's backed-up rows are on the new shard, once, and it routes there.
 * Killed again and rolled back (before the switch): no rows anywhere and its routing unchanged; killed
 * after the switch, the website is served from the new shard already, so the job is resumed instead.
 */

const FAILPOINTS = ['load:mid', 'after:load', 'before:switch', 'after:switch', 'after:unfence', 'after:done'];
const PAST_SWITCH = new Set(['views', 'unfence', 'done']);

let f: RestoreFixture;
let site: number;
let archive: string;
let backedUp: Awaited<ReturnType<typeof websiteState>>;

async function routedTo(): Promise<string> {
  return (await f.sql('default', `SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [site]))[0].s;
}

async function expectRestoredOnShard1(): Promise<void> {
  const now = await websiteState(f.pc, site);
  expect(now.databases).toEqual(['shard_1']);
  expect(now.tables).toEqual(backedUp.tables);
  expect(now.others).toEqual(backedUp.others);
  expect(await routedTo()).toBe('shard_1');
  expect(await f.sql('default', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
  // The view shows it whether the refresh the load started finished before the kill or not.
  expect(await viewRows()).toBe(backedUp.tables.pwb_realty_assets!.rows);
}

async function viewRows(): Promise<number> {
  return (await f.sql('shard_1', `SELECT count(*)::int AS n FROM pwb_properties WHERE website_id = $1`, [site]))[0].n;
}

/** Back to where each case starts: no rows anywhere, routed to the primary. */
async function emptyAgain(): Promise<void> {
  await purgeWebsite(f, 'shard_1', site);
  await f.sql('default', `UPDATE pwb_websites SET shard_name = 'default' WHERE id = $1`, [site]);
}

beforeAll(async () => {
  f = await startRestoreFixture({ websites: 7 });
  site = await largestWebsite(f, 'default');
  archive = await f.dump('default', 'default.dump');
  backedUp = await websiteState(f.pc, site);
  await purgeWebsite(f, 'default', site);
}, 240_000);
afterAll(() => f?.stop());

describe('an empty-place restore killed anywhere', () => {
  it.each(FAILPOINTS)(
    'SIGKILL at %s: resume loads and switches it; killed again, rollback (or, past the switch, resume) leaves one whole state',
    { timeout: 180_000 },
    async (failpoint) => {
      const command = ['restore', String(site), '--from', archive, '--to', 'shard_1', '--yes', '--json'];
      const killed = await runCli(f.pc, command, { failpoint });
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const first = (await newestRestoreJob(f.pc))!;
      if (first.state !== 'succeeded') {
        const resumed = await runCli(f.pc, ['restore', 'resume', first.id, '--json']);
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(JSON.parse(resumed.stdout)).toMatchObject({ state: 'succeeded', verified: true, mode: 'empty', target: 'shard_1' });
      }
      await expectRestoredOnShard1();
      await emptyAgain();

      const killedAgain = await runCli(f.pc, command, { failpoint });
      expect(killedAgain.signal, killedAgain.stderr).toBe('SIGKILL');
      const second = (await newestRestoreJob(f.pc))!;
      if (second.state === 'succeeded' || PAST_SWITCH.has(second.step)) {
        const refused = await runCli(f.pc, ['restore', 'rollback', second.id]);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/ACTION_NOT_ALLOWED/);
        if (second.state !== 'succeeded') expect((await runCli(f.pc, ['restore', 'resume', second.id])).code).toBe(0);
        await expectRestoredOnShard1();
        await emptyAgain();
        return;
      }
      const rolledBack = await runCli(f.pc, ['restore', 'rollback', second.id, '--json']);
      expect(rolledBack.code, rolledBack.stderr).toBe(0);
      expect(JSON.parse(rolledBack.stdout)).toMatchObject({ state: 'rolled_back' });
      const now = await websiteState(f.pc, site);
      expect(now.databases).toEqual([]);
      expect(now.others).toEqual(backedUp.others);
      expect(await routedTo()).toBe('default');
      expect(await f.sql('default', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
      expect(await viewRows()).toBe(0);
    },
  );

  it.each(['default', 'shard_1'])(
    'rows the website got on %s between the preflight and the fence: refused behind the fence, kept, the fence lifted at once; the rollback closes the job',
    { timeout: 180_000 },
    async (where) => {
      const to = where === 'default' ? 'default' : 'shard_1';
      const killed = await runCli(f.pc, ['restore', String(site), '--from', archive, '--to', to, '--yes', '--json'], { failpoint: 'before:fence' });
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const job = (await newestRestoreJob(f.pc))!;
      // A contact form on the database it routes to (the primary); or rows on the target by other means.
      const [contact] = await f.sql(
        where,
        `INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, 'since the preflight', now(), now()) RETURNING id`,
        [site],
      );
      const refused = await runCli(f.pc, ['restore', 'resume', job.id, '--json']);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout)).toMatchObject({ state: 'failed', step: 'fence' });
      expect(JSON.parse(refused.stdout).error).toContain(
        `Website ${site} got rows since the preflight (${where}: pwb_contacts (1)), so this is no longer an empty place; nothing was loaded or deleted, and the fence is lifted again.`,
      );
      expect(await f.sql(where, `SELECT id FROM pwb_contacts WHERE website_id = $1`, [site])).toEqual([{ id: contact.id }]);
      // The website is served from those rows: its writes are not refused until someone rolls the job back.
      expect(await f.sql('default', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
      const rolledBack = await runCli(f.pc, ['restore', 'rollback', job.id, '--json']);
      expect(rolledBack.code, rolledBack.stderr).toBe(0);
      expect(await f.sql('default', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
      expect(await f.sql(where, `SELECT id FROM pwb_contacts WHERE website_id = $1`, [site])).toEqual([{ id: contact.id }]);
      await f.sql(where, `DELETE FROM pwb_contacts WHERE id = $1`, [contact.id]);
      expect(await routedTo()).toBe('default');
    },
  );

  it('a rollback before the switch is refused, changing nothing, once something else routed the website to the new shard; with its routing put back it rolls back', {
    timeout: 180_000,
  }, async () => {
    const killed = await runCli(f.pc, ['restore', String(site), '--from', archive, '--to', 'shard_1', '--yes', '--json'], { failpoint: 'after:verify' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const job = (await newestRestoreJob(f.pc))!;
    expect(job.step).toBe('verify');
    // Someone points the website at shard_1 by hand: the loaded rows are what it serves now.
    await f.sql('default', `UPDATE pwb_websites SET shard_name = 'shard_1' WHERE id = $1`, [site]);
    const refused = await runCli(f.pc, ['restore', 'rollback', job.id, '--json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('now routes to "shard_1", not "default"');
    expect(refused.stderr).toContain('Nothing was changed.');
    // The job is as the kill left it, still offering both ways.
    expect(JSON.parse((await runCli(f.pc, ['restores', '--json'])).stdout).jobs[0]).toMatchObject({
      jobId: job.id,
      step: 'verify',
      actions: ['resume', 'rollback'],
    });
    const kept = await websiteState(f.pc, site);
    expect(kept.databases).toEqual(['shard_1']);
    expect(kept.tables).toEqual(backedUp.tables);

    await f.sql('default', `UPDATE pwb_websites SET shard_name = 'default' WHERE id = $1`, [site]);
    const rolledBack = await runCli(f.pc, ['restore', 'rollback', job.id, '--json']);
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect((await websiteState(f.pc, site)).databases).toEqual([]);
    expect(await f.sql('default', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
    await emptyAgain();
  });
});
