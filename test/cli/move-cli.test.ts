import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { moveJobSchema } from '../../shared/contract.ts';
import { callMethod } from '../support/test-console.ts';
import { startPrivateCluster, type PrivateCluster } from '../support/private-cluster.ts';
import { otherWebsites, tenantSnapshot } from '../support/tenant-snapshot.ts';

const bin = fileURLToPath(new URL('../../bin/shard-console.js', import.meta.url));
let pc: PrivateCluster;

function cli(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [bin, ...args, '--profile', pc.cluster.profilePath], { env: pc.env }, (_e, stdout, stderr) =>
      resolve({ code: child.exitCode ?? 1, stdout, stderr }),
    );
  });
}

async function siteOn(shard: string): Promise<number> {
  const primary = await pc.client('default');
  try {
    return (await primary.query(`SELECT id FROM pwb_websites WHERE coalesce(shard_name, 'default') = $1 ORDER BY id LIMIT 1`, [shard])).rows[0].id;
  } finally {
    await primary.end();
  }
}

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 9, scale: 0.02 });
});
afterAll(() => pc.stop());

describe('shard-console move', () => {
  it('without --yes prints the plan and changes nothing', async () => {
    const site = await siteOn('shard_2');
    const before = otherWebsites(await tenantSnapshot(pc), []);
    const plan = await cli(['move', String(site), '--to', 'default']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(new RegExp(`Plan: move website ${site} from shard_2 to default: [\\d,]+ rows`));
    expect(plan.stdout).toContain('pwb_prop_photos');
    expect(plan.stdout).toContain('Nothing was changed. Run again with --yes to move.');
    expect(plan.stdout).toContain('Materialized views refreshed on both databases (concurrently: readers never wait): pwb_properties');
    const rebuild = await cli(['move', String(site), '--to', 'default', '--refresh-views', 'rebuild']);
    expect(rebuild.stdout).toContain('(rebuilt: their readers wait while each rebuilds): pwb_properties');
    const wrong = await cli(['move', String(site), '--to', 'default', '--refresh-views', 'sometimes', '--yes']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--refresh-views takes concurrently or rebuild, not "sometimes".');
    expect(otherWebsites(await tenantSnapshot(pc), [])).toEqual(before);
  });

  it('--yes --json moves, verifies and reports the contract fields; moves and verify see it', async () => {
    const site = await siteOn('shard_2');
    const moved = await cli(['move', String(site), '--to', 'shard_1', '--yes', '--json']);
    expect(moved.code, moved.stderr).toBe(0);
    // The contract result the UI receives for this job (moves.get), exactly.
    const report = moveJobSchema.parse(JSON.parse(moved.stdout));
    expect(report).toMatchObject({ jobId: expect.any(String), state: 'succeeded', verified: true, live: false, actions: [] });
    const ctx = await pc.open();
    expect(await callMethod(ctx, 'moves.get', { jobId: report.jobId })).toEqual({ ...report, live: false });
    expect(report.verification.length).toBe(19);
    for (const t of report.verification) {
      expect(t.ok).toBe(true);
      expect(t.sourceRows).toBe(t.targetRows);
      expect(t.sourceHash).toBe(t.targetHash);
    }
    // Progress on stderr (not a terminal here: plain lines), stdout keeps to the result.
    expect(moved.stderr, moved.stderr).toMatch(/[\d,]+\/[\d,]+ rows · .*copy pwb_\w+/);

    const jobs = JSON.parse((await cli(['moves', '--json'])).stdout).jobs;
    expect(jobs[0]).toMatchObject({ jobId: report.jobId, websiteId: site, source: 'shard_2', target: 'shard_1', state: 'succeeded', actions: [] });

    const placement = await cli(['verify', String(site), '--json']);
    expect(placement.code).toBe(0);
    expect(JSON.parse(placement.stdout)).toEqual({ id: site, shard: 'shard_1', ok: true, misplaced: [] });
  });

  it('verify exits 1 and names the database and table holding misplaced rows', async () => {
    const site = await siteOn('default');
    const stray = await pc.client('shard_1');
    try {
      await stray.query(`INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, 'misplaced', now(), now())`, [site]);
      const placement = await cli(['verify', String(site), '--json']);
      expect(placement.code).toBe(1);
      expect(JSON.parse(placement.stdout)).toEqual({
        id: site,
        shard: 'default',
        ok: false,
        misplaced: [{ database: 'shard_1', table: 'pwb_contacts', rows: 1 }],
      });
      const refused = await cli(['move', String(site), '--to', 'shard_1', '--yes', '--json']);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout).error.code).toBe('MOVE_REFUSED');
      expect(refused.stderr).toContain('shard_1 already holds 1 row(s)');
    } finally {
      await stray.query(`DELETE FROM pwb_contacts WHERE first_name = 'misplaced'`);
      await stray.end();
    }
  });

  it('refuses actions a job state does not allow', async () => {
    const jobs = JSON.parse((await cli(['moves', '--json'])).stdout).jobs;
    const done = jobs.find((j: { state: string }) => j.state === 'succeeded');
    const resume = await cli(['move', 'resume', done.jobId]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toContain('ACTION_NOT_ALLOWED');
    const rollback = await cli(['move', 'rollback', done.jobId]);
    expect(rollback.code).toBe(1);
    expect(rollback.stderr).toContain('only a failed or interrupted move can be rolled back');
    const unknown = await cli(['move', 'resume', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.stderr).toContain('JOB_NOT_FOUND');
  });

  it('Ctrl-C stops a move and its rollback at a safe point, each exiting 130; the rollback then runs to its end', async () => {
    const site = await siteOn('default');
    // Writes to one of the target's tables wait behind this lock: the copy, then the rollback's delete.
    const holder = await pc.client('shard_1');
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE pwb_contacts IN SHARE MODE');
    const interrupted = async (args: string[]) => {
      const child = spawn(process.execPath, [bin, ...args, '--profile', pc.cluster.profilePath], { env: pc.env });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Once a statement of the job waits behind the lock, the job is running: stop it.
      for (let i = 0; i < 300; i += 1) {
        const waiting = await holder.query(`SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'pwb_contacts'::regclass`);
        if (waiting.rows.length > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGINT');
      return { code: await exited, stderr: () => stderr };
    };
    try {
      const move = await interrupted(['move', String(site), '--to', 'shard_1', '--yes']);
      expect(move.code, move.stderr()).toBe(130);
      const jobId = /move job ([0-9a-f-]{36})/.exec(move.stderr())![1]!;
      const rollback = await interrupted(['move', 'rollback', jobId]);
      expect(rollback.code, rollback.stderr()).toBe(130);
      expect(rollback.stderr()).toContain('Stopping at the next safe point');
      await holder.query('ROLLBACK');
      const done = await cli(['move', 'rollback', jobId, '--json']);
      expect(done.code, done.stderr).toBe(0);
      expect(JSON.parse(done.stdout)).toMatchObject({ jobId, state: 'rolled_back' });
    } finally {
      await holder.end();
    }
  });
});
