import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { runSteps, withJobLock } from '../../../electron/core/moves/move-runner.ts';
import { createMove, moveJobView, rollbackMoveInBackground, runMove } from '../../../electron/core/moves/move-service.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { otherWebsites, tenantSnapshot, websiteRows } from '../../support/tenant-snapshot.ts';

/*
 * Verification must see every difference that matters, including the ones a type's own equality hides:
 * a json value re-spaced, a float 0 turned -0, an interval of '1 day' written as '24 hours', a row
 * gone. The move stops before the switch, lists the first
 * differing keys, and a rollback leaves the cluster as it was.
 */

let pc: PrivateCluster;
let ctx: ConsoleContext;
let site: number;

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 6, scale: 0.02 });
  ctx = await pc.open();
  const primary = await pc.client('default');
  site = (
    await primary.query(
      `SELECT a.website_id AS id FROM pwb_realty_assets a JOIN pwb_rental_listings r ON r.realty_asset_id = a.id
         JOIN pwb_websites w ON w.id = a.website_id AND coalesce(w.shard_name, 'default') = 'default'
        WHERE EXISTS (SELECT 1 FROM pwb_pages p WHERE p.website_id = a.website_id)
        GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    )
  ).rows[0].id;
  // Values whose equal-but-not-identical twins the target gets below.
  await primary.query(`UPDATE pwb_realty_assets SET latitude = 0 WHERE id = (SELECT min(id::text)::uuid FROM pwb_realty_assets WHERE website_id = $1)`, [site]);
  await primary.query(
    `UPDATE pwb_rental_listings SET min_rental_period = '1 day' WHERE id = (SELECT min(r.id) FROM pwb_rental_listings r JOIN pwb_realty_assets a ON a.id = r.realty_asset_id WHERE a.website_id = $1)`,
    [site],
  );
  await primary.query(`UPDATE pwb_pages SET details = '{"a":1}' WHERE id = (SELECT min(id) FROM pwb_pages WHERE website_id = $1)`, [site]);
  await primary.end();
});
afterAll(() => pc.stop());

/** The job once its background rollback has stopped running (up to 20 s). */
async function settled(jobId: string) {
  let view = await moveJobView(ctx, jobId);
  for (let i = 0; i < 200 && view.live; i++) {
    await new Promise((r) => setTimeout(r, 100));
    view = await moveJobView(ctx, jobId);
  }
  return view;
}

it('stops before the switch on differences only the text form shows, lists the keys, and rolls back clean', async () => {
  const before = await tenantSnapshot(pc);
  const job = await createMove(ctx, site, 'shard_1');
  await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'sequences'));

  const target = await pc.client('shard_1');
  const tamper = async (sql: string) => expect((await target.query(sql, [site])).rowCount).toBe(1);
  let asset: string, rental: string, page: string, feature: string;
  try {
    asset = (await target.query(`SELECT min(id::text) AS id FROM pwb_realty_assets WHERE website_id = $1 AND latitude = 0`, [site])).rows[0].id;
    await tamper(`UPDATE pwb_realty_assets SET latitude = '-0' WHERE website_id = $1 AND id = '${asset}'`);
    rental = (
      await target.query(
        `SELECT min(r.id)::text AS id FROM pwb_rental_listings r JOIN pwb_realty_assets a ON a.id = r.realty_asset_id WHERE a.website_id = $1`,
        [site],
      )
    ).rows[0].id;
    await tamper(`UPDATE pwb_rental_listings SET min_rental_period = '24 hours' WHERE id = ${rental} AND $1::int > 0`);
    page = (await target.query(`SELECT min(id)::text AS id FROM pwb_pages WHERE website_id = $1`, [site])).rows[0].id;
    await tamper(`UPDATE pwb_pages SET details = '{"a": 1}' WHERE website_id = $1 AND id = ${page}`);
    feature = (
      await target.query(`SELECT min(f.id)::text AS id FROM pwb_features f JOIN pwb_realty_assets a ON a.id = f.realty_asset_id WHERE a.website_id = $1`, [
        site,
      ])
    ).rows[0].id;
    await tamper(`DELETE FROM pwb_features WHERE id = ${feature} AND $1::int > 0`);
  } finally {
    await target.end();
  }

  const error = await runMove(ctx, job.id).catch((e: unknown) => e);
  expect(error, String(error)).toMatchObject({ code: 'VERIFY_FAILED' });
  const failed = await moveJobView(ctx, job.id);
  expect(failed.state).toBe('failed');
  expect(failed.step).toBe('verify');
  const bad = Object.fromEntries(failed.verification.filter((v) => !v.ok).map((v) => [v.table, v.firstDifferences]));
  expect(bad).toEqual({
    pwb_realty_assets: [`(${asset!}) differs`],
    pwb_rental_listings: [`(${rental!}) differs`],
    pwb_pages: [`(${page!}) differs`],
    pwb_features: [`(${feature!}) missing on target`],
  });
  expect(failed.verification.filter((v) => v.ok).length).toBeGreaterThan(10);
  expect(failed.error).toMatch(/stopped before the switch.*pwb_features: \d+ rows on default, \d+ on shard_1, first differences/);

  const listed = async () => {
    const shard = await pc.client('shard_1');
    try {
      return (await shard.query(`SELECT count(*)::int AS n FROM pwb_properties WHERE website_id = $1`, [site])).rows[0].n as number;
    } finally {
      await shard.end();
    }
  };
  // The target's view was refreshed during verification; the rollback takes the copied rows out again.
  expect(await listed()).toBeGreaterThan(0);
  // The way the UI and the HTTP bridge roll back: checked at once, run in the background, one at a time.
  await rollbackMoveInBackground(ctx, job.id, 'test');
  await expect(rollbackMoveInBackground(ctx, job.id, 'test')).rejects.toMatchObject({
    code: 'ACTION_NOT_ALLOWED',
    message: expect.stringContaining('is running'),
  });
  const view = await settled(job.id);
  expect(view).toMatchObject({ state: 'rolled_back', live: false, actions: [] });
  expect(await listed()).toBe(0);
  const after = await tenantSnapshot(pc);
  expect(websiteRows(after, site)).toEqual(websiteRows(before, site));
  expect(otherWebsites(after, [site])).toEqual(otherWebsites(before, [site]));
});

it("sees a column's values trade places between two of the website's rows (equal sums of linear row hashes), and rolls back clean", async () => {
  const before = await tenantSnapshot(pc);
  const job = await createMove(ctx, site, 'shard_1');
  await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'sequences'));
  const target = await pc.client('shard_1');
  let pair: { a: string; b: string };
  try {
    pair = (
      await target.query(
        `SELECT x.id::text AS a, y.id::text AS b FROM pwb_realty_assets x JOIN pwb_realty_assets y ON y.website_id = x.website_id AND y.id > x.id AND y.title IS DISTINCT FROM x.title
          WHERE x.website_id = $1 LIMIT 1`,
        [site],
      )
    ).rows[0];
    const swapped = await target.query(
      `UPDATE pwb_realty_assets t SET title = s.title FROM pwb_realty_assets s WHERE (t.id = $1::uuid AND s.id = $2::uuid) OR (t.id = $2::uuid AND s.id = $1::uuid)`,
      [pair.a, pair.b],
    );
    expect(swapped.rowCount).toBe(2);
  } finally {
    await target.end();
  }
  const error = await runMove(ctx, job.id).catch((e: unknown) => e);
  expect(error, String(error)).toMatchObject({ code: 'VERIFY_FAILED' });
  const failed = await moveJobView(ctx, job.id);
  expect(failed.verification.filter((v) => !v.ok).map((v) => [v.table, [...v.firstDifferences].sort()])).toEqual([
    ['pwb_realty_assets', [`(${pair!.a}) differs`, `(${pair!.b}) differs`].sort()],
  ]);
  await rollbackMoveInBackground(ctx, job.id, 'test');
  expect((await settled(job.id)).state).toBe('rolled_back');
  const after = await tenantSnapshot(pc);
  expect(websiteRows(after, site)).toEqual(websiteRows(before, site));
  expect(otherWebsites(after, [site])).toEqual(otherWebsites(before, [site]));
});

it('sees a difference a case-insensitive (nondeterministic) collation calls equal, on a type hashed by its text', async () => {
  const databases = ['default', 'shard_1'];
  const each = async (sql: string) => {
    for (const database of databases) {
      const client = await pc.client(database);
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    }
  };
  await each(`CREATE COLLATION IF NOT EXISTS probe_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
    ALTER TABLE pwb_pages ADD COLUMN probe_code character(8) COLLATE probe_ci`);
  try {
    const primary = await pc.client('default');
    await primary.query(`UPDATE pwb_pages SET probe_code = 'ABC' WHERE website_id = $1`, [site]);
    await primary.end();
    const before = await tenantSnapshot(pc);
    const job = await createMove(ctx, site, 'shard_1');
    await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'sequences'));
    const target = await pc.client('shard_1');
    const page = (await target.query(`SELECT min(id)::text AS id FROM pwb_pages WHERE website_id = $1`, [site])).rows[0].id as string;
    expect((await target.query(`UPDATE pwb_pages SET probe_code = 'abc' WHERE id = ${page}`)).rowCount).toBe(1);
    await target.end();
    const error = await runMove(ctx, job.id).catch((e: unknown) => e);
    expect(error, String(error)).toMatchObject({ code: 'VERIFY_FAILED' });
    const failed = await moveJobView(ctx, job.id);
    expect(failed.verification.filter((v) => !v.ok).map((v) => [v.table, v.firstDifferences])).toEqual([['pwb_pages', [`(${page}) differs`]]]);
    await rollbackMoveInBackground(ctx, job.id, 'test');
    expect((await settled(job.id)).state).toBe('rolled_back');
    expect(websiteRows(await tenantSnapshot(pc), site)).toEqual(websiteRows(before, site));
  } finally {
    await each('ALTER TABLE pwb_pages DROP COLUMN IF EXISTS probe_code');
  }
});

it("stops the copy when a copied row points at a row the target lacks (another website's contact), keeping nothing", async () => {
  // Preflight refuses such a website (move-preflight.test.ts); a row repointed after it passed, before
  // the fence went up, is still stopped by the copy.
  const primary = await pc.client('default');
  let mover: number;
  let message: string;
  let job: Awaited<ReturnType<typeof createMove>>;
  let before: Awaited<ReturnType<typeof tenantSnapshot>>;
  try {
    const pick = async (sql: string, not: number[]) =>
      Number((await primary.query(`${sql} AND website_id <> ALL($1::int[]) ORDER BY website_id LIMIT 1`, [not])).rows[0].website_id);
    const onDefault = `website_id IN (SELECT id FROM pwb_websites WHERE coalesce(shard_name, 'default') = 'default')`;
    mover = await pick(`SELECT website_id FROM pwb_messages WHERE ${onDefault}`, [site]);
    const owner = await pick(`SELECT website_id FROM pwb_contacts WHERE ${onDefault}`, [site, mover]);
    const contact = (await primary.query(`SELECT min(id) AS id FROM pwb_contacts WHERE website_id = $1`, [owner])).rows[0].id;
    message = (await primary.query(`SELECT min(id)::text AS id FROM pwb_messages WHERE website_id = $1`, [mover])).rows[0].id;
    job = await createMove(ctx, mover, 'shard_1');
    await primary.query(`UPDATE pwb_messages SET contact_id = $1 WHERE id = $2`, [contact, message]);
    before = await tenantSnapshot(pc);
  } finally {
    await primary.end();
  }
  const error = await runMove(ctx, job.id).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'MOVE_FAILED' });
  expect(String((error as Error).message)).toMatch(
    /copied row\(s\) of pwb_messages point at rows of pwb_contacts the target does not have, through \w+ \(contact_id = \(\d+\)\)\. Nothing of pwb_messages was kept/,
  );
  const failed = await moveJobView(ctx, job.id);
  expect(failed).toMatchObject({ state: 'failed', step: 'copy' });
  await rollbackMoveInBackground(ctx, job.id, 'test');
  const view = await settled(job.id);
  expect(view.state, JSON.stringify(view.error ?? view)).toBe('rolled_back');
  const after = await tenantSnapshot(pc);
  expect(websiteRows(after, mover)).toEqual(websiteRows(before, mover));
  expect(otherWebsites(after, [mover])).toEqual(otherWebsites(before, [mover]));
});

it("a rollback refreshes the target's views the job's way: a rebuild replaces the view's storage", async () => {
  const before = await tenantSnapshot(pc);
  const storage = async () => {
    const shard = await pc.client('shard_1');
    try {
      return (await shard.query(`SELECT pg_relation_filenode('pwb_properties')::text AS f`)).rows[0].f as string;
    } finally {
      await shard.end();
    }
  };
  const job = await createMove(ctx, site, 'shard_1', { viewRefresh: 'rebuild' });
  // Through verify: the copy's early refresh has finished and listed the copied rows.
  await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'verify'));
  const copied = await storage();
  await rollbackMoveInBackground(ctx, job.id, 'test');
  const view = await settled(job.id);
  expect(view.state, JSON.stringify(view.error ?? view)).toBe('rolled_back');
  // REFRESH without CONCURRENTLY writes the view anew; CONCURRENTLY would have kept its storage.
  expect(await storage()).not.toBe(copied);
  const after = await tenantSnapshot(pc);
  expect(websiteRows(after, site)).toEqual(websiteRows(before, site));
  expect(otherWebsites(after, [site])).toEqual(otherWebsites(before, [site]));
});

it('the cleanup removes nothing from the source once something routed the website back there; with its routing put back it finishes', async () => {
  const before = await tenantSnapshot(pc);
  const job = await createMove(ctx, site, 'shard_1');
  // Through the switch: the website routes to shard_1, its rows are on both databases until the cleanup.
  await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'switch'));
  const primary = await pc.client('default');
  try {
    await primary.query(`UPDATE pwb_websites SET shard_name = 'default' WHERE id = $1`, [site]);
    const error = await runMove(ctx, job.id).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MOVE_FAILED', message: expect.stringContaining('now routes to "default", not "shard_1" where the move switched it') });
    expect((error as Error).message).toContain('Nothing was removed.');
    const mid = websiteRows(await tenantSnapshot(pc), site);
    expect(mid.databases).toEqual(['default', 'shard_1']);
    for (const [table, { rows }] of Object.entries(websiteRows(before, site).tables)) expect(mid.tables[table]?.rows, table).toBe(rows * 2);
    await primary.query(`UPDATE pwb_websites SET shard_name = 'shard_1' WHERE id = $1`, [site]);
  } finally {
    await primary.end();
  }
  await runMove(ctx, job.id);
  expect((await moveJobView(ctx, job.id)).state).toBe('succeeded');
  // And home again, for the cluster as it was.
  const back = await createMove(ctx, site, 'default');
  await runMove(ctx, back.id);
  const after = await tenantSnapshot(pc);
  expect(websiteRows(after, site)).toEqual(websiteRows(before, site));
  expect(otherWebsites(after, [site])).toEqual(otherWebsites(before, [site]));
});
