import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreJobSchema } from '../../shared/contract.ts';
import { clusterContent, largestWebsite, startRestoreFixture, websiteState, type RestoreFixture } from '../support/restore-fixture.ts';
import { runCli } from '../support/restore-cli.ts';

/*
 * `shard-console restore` as an operator runs it: the plan without --yes (nothing changed), refusals
 * with exit 1, wrong command lines with exit 2, a replace with --yes --json printing the contract's
 * result, the jobs listed with their actions, discard, and a side schema dropped by name.
 */

let f: RestoreFixture;
let site: number;
let archive: string;

beforeAll(async () => {
  f = await startRestoreFixture({ websites: 7 });
  site = await largestWebsite(f, 'shard_1');
  archive = await f.dump('shard_1', 'shard_1.dump');
  await f.sql('shard_1', `DELETE FROM pwb_features WHERE realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)`, [site]);
}, 240_000);
afterAll(() => f?.stop());

describe('shard-console restore', () => {
  it('without --yes prints the plan and changes nothing; a refusal exits 1 with the reason', async () => {
    const before = await clusterContent(f.pc);
    const plan = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      new RegExp(`Plan: restore website ${site} from .*shard_1\\.dump, dumped \\d{4}-\\d\\d-\\d\\dT[\\d:]+, into shard_1, replacing its rows there`),
    );
    expect(plan.stdout).toMatch(/pwb_features +[\d,]+ +0\n/);
    expect(plan.stdout).toContain('Materialized views refreshed (concurrently): pwb_properties');
    expect(plan.stdout).toContain('Nothing was changed. Run again with --yes to restore.');
    const refused = await runCli(f.pc, ['restore', String(site), '--from', archive, '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/RESTORE_REFUSED.*still has rows .*--replace.*--into-schema/);
    const json = await runCli(f.pc, ['restore', String(site), '--from', archive, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, plan: null, refusals: [{ code: 'WEBSITE_HAS_ROWS' }] });
    expect(await clusterContent(f.pc)).toEqual(before);
  }, 120_000);

  it('refuses wrong command lines with exit 2 before touching anything', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['restore', String(site)], /needs the website id and --from PATH/],
      [['restore', String(site), '--from', archive, '--replace', '--into-schema', 'x'], /pick one/],
      [['restore', String(site), '--from', archive, '--into-schema', 'Bad-Name', '--yes'], /intoSchema.*lowercase identifier/],
      [['restore', String(site), '--from', archive, '--into-schema', 'pg_mine'], /a schema of its own/],
      [['restore', 'resume', 'not-a-uuid'], /A job id is a uuid/],
      [['restore', 'rollback'], /needs a job id/],
      [['restore', String(site), '--from', archive, '--refresh-views', 'later'], /--refresh-views takes concurrently or rebuild/],
      [['restore', 'drop-schema', 'public'], /not public/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(f.pc, args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
  }, 120_000);

  it('--replace --yes --json restores, verifies and prints the contract result; restores and jobs list it', async () => {
    const run = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const job = restoreJobSchema.parse(JSON.parse(run.stdout));
    expect(job).toMatchObject({ state: 'succeeded', verified: true, mode: 'replace', target: 'shard_1', live: false, actions: ['rollback', 'discard'] });
    expect(job.tables.length).toBeGreaterThanOrEqual(19);
    for (const t of job.tables) expect(t).toMatchObject({ ok: true, archiveRows: t.targetRows, archiveHash: t.targetHash });
    expect(job.tables.find((t) => t.table === 'pwb_features')!.targetRows).toBeGreaterThan(0);
    // Progress on stderr (plain lines when not a terminal), stdout keeps to the result.
    expect(run.stderr).toMatch(/load|verify/);
    expect(await f.call('restores.get', { jobId: job.jobId })).toEqual(job);

    const listed = JSON.parse((await runCli(f.pc, ['restores', '--json'])).stdout).jobs;
    expect(listed[0]).toMatchObject({ jobId: job.jobId, websiteId: site, state: 'succeeded', actions: ['rollback', 'discard'] });
    const jobs = JSON.parse((await runCli(f.pc, ['jobs', '--kind', 'restore', '--json'])).stdout).jobs;
    expect(jobs[0]).toMatchObject({ jobId: job.jobId, kind: 'restore', state: 'succeeded', actions: ['rollback', 'discard'] });
    const table = await runCli(f.pc, ['restores']);
    expect(table.stdout).toMatch(new RegExp(`${job.jobId} +${site} +replace +shard_1 +succeeded +done +yes +rollback,discard`));

    // Without --yes it says what it would drop for good, and drops nothing.
    const preview = await runCli(f.pc, ['restore', 'discard', job.jobId]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(
      /^Would drop shard_console\.hold_.* on shard_1 \(website \d+'s rows from before the restore\); the restore can no longer be rolled back/,
    );
    expect(preview.stderr).toContain('Nothing was changed. Run again with --yes to discard.');
    const previewJson = await runCli(f.pc, ['restore', 'discard', job.jobId, '--json']);
    expect(JSON.parse(previewJson.stdout)).toMatchObject({
      preview: true,
      changed: false,
      wouldDrop: expect.stringContaining('shard_console.hold_'),
      job: { jobId: job.jobId },
    });
    expect((await runCli(f.pc, ['restores', '--json'])).stdout).toContain('"discarded": false');
    const discarded = await runCli(f.pc, ['restore', 'discard', job.jobId, '--yes']);
    expect(discarded.code, discarded.stderr).toBe(0);
    expect(discarded.stdout).toContain(`restore job ${job.jobId}: website ${site} (replace) into shard_1: succeeded at step done, verified`);
    const again = await runCli(f.pc, ['restore', 'discard', job.jobId, '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/ACTION_NOT_ALLOWED.*was discarded already: what it kept \(the rows from before the restore\) is gone/);
  }, 180_000);

  it('restores side by side and drops the schema by name', async () => {
    const before = await websiteState(f.pc, site);
    const run = await runCli(f.pc, ['restore', String(site), '--from', archive, '--into-schema', 'restored_cli', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/into schema restored_cli on shard_1: succeeded at step done, verified/);
    expect(run.stdout).toMatch(/pwb_realty_assets +[\d,]+ +[\d,]+ +yes/);
    expect(await websiteState(f.pc, site)).toEqual(before);
    const preview = await runCli(f.pc, ['restore', 'drop-schema', 'restored_cli']);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/^Would drop schema restored_cli on shard_1: the tables restore job [0-9a-f-]{36} made there for website \d+\./);
    expect(preview.stderr).toContain('Nothing was changed. Run again with --yes to drop it.');
    const previewJson = await runCli(f.pc, ['restore', 'drop-schema', 'restored_cli', '--json']);
    expect(JSON.parse(previewJson.stdout)).toMatchObject({ preview: true, changed: false, wouldDrop: { schema: 'restored_cli', database: 'shard_1' } });
    expect(await f.sql('shard_1', `SELECT nspname FROM pg_namespace WHERE nspname = 'restored_cli'`)).toEqual([{ nspname: 'restored_cli' }]);
    const dropped = await runCli(f.pc, ['restore', 'drop-schema', 'restored_cli', '--yes']);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stdout).toMatch(/^dropped schema restored_cli \(\d+ tables\) on shard_1/);
    const gone = await runCli(f.pc, ['restore', 'drop-schema', 'restored_cli', '--yes']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/No side-by-side restore schema named restored_cli/);
  }, 180_000);
});
