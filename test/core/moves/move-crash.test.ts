import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MOVE_STEPS } from '../../../shared/methods/move-methods.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { otherWebsites, tenantSnapshot, websiteRows } from '../../support/tenant-snapshot.ts';

/*
 * Crash safety: the CLI moving a website is SIGKILLed at every step boundary and in the middle of the
 * copy (failpoints), then the move is resumed; and again in the other direction, then rolled back.
 * After each: the website's rows exist exactly once, on one database (the one its shard_name names),
 * equal to the rows before; no other website changed.
 */

const bin = fileURLToPath(new URL('../../../bin/shard-console.js', import.meta.url));
// Every step a new move runs (it starts at the fence: preflight ran when it was created), so a step
// added to the contract is crash-tested too.
const STEPS = MOVE_STEPS.filter((step) => step !== 'preflight');
const FAILPOINTS = ['copy:mid', ...STEPS.flatMap((s) => [`before:${s}`, `after:${s}`])];
// Both shard layouts take turns as the first move's target: shard_1 has no control plane, shard_2
// (schema:load) enforces PWB's foreign keys into its own copy; the way back lands on the primary, which
// enforces them too.
const CASES = FAILPOINTS.map((failpoint, i) => [failpoint, i % 2 === 0 ? 'shard_1' : 'shard_2'] as const);

let pc: PrivateCluster;
let site: number;

function cli(args: string[], failpoint?: string) {
  return new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args, '--profile', pc.cluster.profilePath],
      { env: { ...pc.env, SHARD_CONSOLE_FAILPOINT: failpoint ?? '' } },
      (_error, stdout, stderr) => {
        resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
      },
    );
  });
}

async function openJob(): Promise<{ id: string; state: string; step: string } | undefined> {
  const primary = await pc.client('default');
  try {
    return (
      await primary.query(`SELECT id, state, step FROM shard_console.move_jobs WHERE website_id = $1 AND state IN ('planned', 'running', 'failed')`, [site])
    ).rows[0];
  } finally {
    await primary.end();
  }
}

async function routedTo(): Promise<string> {
  const primary = await pc.client('default');
  try {
    return (await primary.query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [site])).rows[0].s;
  } finally {
    await primary.end();
  }
}

/** The invariant after any crash and recovery. */
async function expectIntact(reference: { tables: Record<string, unknown>; others: string }, expectedHome: string) {
  const snapshot = await tenantSnapshot(pc);
  const rows = websiteRows(snapshot, site);
  expect(rows.databases).toEqual([expectedHome]);
  expect(await routedTo()).toBe(expectedHome);
  expect(rows.tables).toEqual(reference.tables);
  expect(otherWebsites(snapshot, [site])).toEqual(reference.others);
}

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 7, scale: 0.02 });
  const primary = await pc.client('default');
  site = (
    await primary.query(
      `SELECT a.website_id AS id FROM pwb_realty_assets a JOIN pwb_websites w ON w.id = a.website_id AND coalesce(w.shard_name, 'default') = 'default' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    )
  ).rows[0].id;
  await primary.end();
  await pc.admit(site, 'shard_2');
});
afterAll(() => pc.stop());

describe('a move killed anywhere', () => {
  it.each(CASES)(
    'SIGKILL at %s (to %s): resume finishes it; killed again the other way, rollback restores it',
    { timeout: 120_000 },
    async (failpoint, there) => {
      const snapshot = await tenantSnapshot(pc);
      const reference = { tables: websiteRows(snapshot, site).tables, others: otherWebsites(snapshot, [site]) };
      expect(await routedTo()).toBe('default');

      const killed = await cli(['move', String(site), '--to', there, '--yes', '--json'], failpoint);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const interrupted = await openJob();
      if (failpoint === 'after:done') expect(interrupted).toBeUndefined();
      else {
        const resumed = await cli(['move', 'resume', interrupted!.id, '--json']);
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(JSON.parse(resumed.stdout)).toMatchObject({ state: 'succeeded', verified: true });
      }
      await expectIntact(reference, there);

      const killedBack = await cli(['move', String(site), '--to', 'default', '--yes'], failpoint);
      expect(killedBack.signal, killedBack.stderr).toBe('SIGKILL');
      const job = await openJob();
      if (failpoint === 'after:done') {
        expect(job).toBeUndefined();
      } else if (job!.state === 'planned') {
        expect((await cli(['move', 'cancel', job!.id])).code).toBe(0);
      } else {
        const rolledBack = await cli(['move', 'rollback', job!.id, '--json']);
        expect(rolledBack.code, rolledBack.stderr).toBe(0);
        expect(JSON.parse(rolledBack.stdout).state).toBe('rolled_back');
      }
      // Before the switch a rollback leaves the website where it was; after it, rollback moves it back.
      const home = await routedTo();
      await expectIntact(reference, home);
      if (home !== 'default') {
        const again = await cli(['move', String(site), '--to', 'default', '--yes']);
        expect(again.code, again.stderr).toBe(0);
        await expectIntact(reference, 'default');
      }
    },
  );
});

describe('a rollback killed before it finished', () => {
  it.each(['rollback:deleted', 'rollback:unfenced'])(
    'at %s, of a job left at its switch: a resume verifies again and refuses, a rollback then finishes',
    { timeout: 120_000 },
    async (failpoint) => {
      const snapshot = await tenantSnapshot(pc);
      const reference = { tables: websiteRows(snapshot, site).tables, others: otherWebsites(snapshot, [site]) };
      expect(await routedTo()).toBe('default');
      // Killed inside the switch, before its compare-and-set committed: the job is left at `switch`.
      const killed = await cli(['move', String(site), '--to', 'shard_1', '--yes'], 'switch:before-commit');
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const job = await openJob();
      expect(job).toMatchObject({ step: 'switch' });
      // Its rollback takes the copied rows off the target, and is killed.
      const rollback = await cli(['move', 'rollback', job!.id], failpoint);
      expect(rollback.signal, rollback.stderr).toBe('SIGKILL');
      expect((await openJob())?.step).toBe('switch');

      // Switching now would route the website to a target without its rows, and the cleanup would empty the source.
      const resumed = await cli(['move', 'resume', job!.id, '--json']);
      expect(resumed.code).toBe(1);
      expect(resumed.stdout + resumed.stderr).toMatch(/VERIFY_FAILED|Verification failed/);
      await expectIntact(reference, 'default');

      const rolledBack = await cli(['move', 'rollback', job!.id, '--json']);
      expect(rolledBack.code, rolledBack.stderr).toBe(0);
      expect(JSON.parse(rolledBack.stdout).state).toBe('rolled_back');
      await expectIntact(reference, 'default');
    },
  );
});
