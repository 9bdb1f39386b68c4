import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { runSteps, withJobLock } from '../../../electron/core/moves/move-runner.ts';
import { createMove, rollbackMove } from '../../../electron/core/moves/move-service.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { otherWebsites, tenantSnapshot, websiteRows } from '../../support/tenant-snapshot.ts';

/*
 * The fence holds against the ways around a row trigger: a session with session_replication_role =
 * replica (which skips ordinary triggers), and TRUNCATE (which fires no row trigger at all). Other
 * websites' writes still pass, and lifting the fence takes every trigger away.
 */

let pc: PrivateCluster;
let ctx: ConsoleContext;
let site: number;
let other: number;

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 6, scale: 0.02 });
  ctx = await pc.open();
  const primary = await pc.client('default');
  const ids = (
    await primary.query(
      `SELECT c.website_id AS id FROM pwb_contacts c JOIN pwb_websites w ON w.id = c.website_id AND coalesce(w.shard_name, 'default') = 'default' GROUP BY 1 ORDER BY count(*) DESC LIMIT 2`,
    )
  ).rows.map((r) => Number(r.id));
  [site, other] = [ids[0]!, ids[1]!];
  await primary.end();
});
afterAll(() => pc.stop());

it('rejects writes to the fenced website even from a replica-role session, and any TRUNCATE; lifts cleanly', async () => {
  const before = await tenantSnapshot(pc);
  const job = await createMove(ctx, site, 'shard_1');
  await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'fence'));

  const writer = await pc.client('default');
  try {
    await writer.query('SET session_replication_role = replica');
    await expect(writer.query(`UPDATE pwb_contacts SET first_name = first_name || '!' WHERE website_id = $1`, [site])).rejects.toMatchObject({
      code: '55000',
      message: expect.stringContaining('this website is being moved to another database'),
    });
    // Another website's write passes, replica role or not.
    expect((await writer.query(`UPDATE pwb_contacts SET first_name = first_name WHERE website_id = $1`, [other])).rowCount).toBeGreaterThan(0);
    await writer.query('RESET session_replication_role');
    await expect(writer.query('TRUNCATE pwb_features')).rejects.toMatchObject({
      code: '55000',
      message: expect.stringContaining('pwb_features cannot be truncated while a website on this database is being moved'),
    });
  } finally {
    await writer.end();
  }

  await rollbackMove(ctx, job.id);
  const primary = await pc.client('default');
  try {
    const left = await primary.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'shard\\_console\\_fence%'`);
    expect(left.rows[0].n).toBe(0);
  } finally {
    await primary.end();
  }
  const after = await tenantSnapshot(pc);
  expect(websiteRows(after, site)).toEqual(websiteRows(before, site));
  expect(otherWebsites(after, [site])).toEqual(otherWebsites(before, [site]));
});
