import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { createMove, moveJobView, performRollback, rollbackMove, runMove, verifyPlacement } from '../../../electron/core/moves/move-service.ts';
import { runSteps, withJobLock } from '../../../electron/core/moves/move-runner.ts';
import { openMoveRun } from '../../../electron/core/moves/move-run.ts';
import { MOVE_STEP_RUNNERS } from '../../../electron/core/moves/move-steps.ts';
import { getJob, linkRollback, recordStep, updateJob } from '../../../electron/core/moves/move-job-store.ts';
import { materializedViewSources } from '../../../electron/core/moves/refresh-views.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { otherWebsites, tenantSnapshot, websiteRows, TENANT_TABLES } from '../../support/tenant-snapshot.ts';

let pc: PrivateCluster;
let ctx: ConsoleContext;
let richest: number;

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 9, scale: 0.02 });
  ctx = await pc.open();
  // The largest default tenant has rows in every table shape, FK-chained ones included.
  const primary = await pc.client('default');
  richest = (
    await primary.query(
      `SELECT a.website_id AS id FROM pwb_realty_assets a JOIN pwb_websites w ON w.id = a.website_id AND coalesce(w.shard_name, 'default') = 'default' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    )
  ).rows[0].id;
  await primary.end();
});
afterAll(() => pc.stop());

async function moveAndCheck(websiteId: number, to: string) {
  const before = await tenantSnapshot(pc);
  const mine = websiteRows(before, websiteId);
  expect(mine.databases).toHaveLength(1);
  await pc.admit(websiteId, to);
  const job = await createMove(ctx, websiteId, to);
  const done = await runMove(ctx, job.id);
  expect(done.state).toBe('succeeded');
  expect(done.verification.length).toBe(TENANT_TABLES.length);
  expect(done.verification.every((v) => v.ok && v.sourceHash === v.targetHash && v.sourceRows === v.targetRows)).toBe(true);
  const after = await tenantSnapshot(pc);
  const moved = websiteRows(after, websiteId);
  expect(moved.databases).toEqual([to]);
  expect(moved.tables).toEqual(mine.tables);
  expect(otherWebsites(after, [websiteId])).toEqual(otherWebsites(before, [websiteId]));
  const primary = await pc.client('default');
  const shard = (await primary.query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [websiteId])).rows[0].s;
  await primary.end();
  expect(shard).toBe(to);
  expect(await verifyPlacement(ctx, websiteId)).toEqual({ id: websiteId, shard: to, ok: true, misplaced: [] });
  return { job: done, before: mine };
}

describe('moving a website', () => {
  it('carries every table shape, FK-chained ones included, from default to a shard', async () => {
    const before = websiteRows(await tenantSnapshot(pc), richest);
    for (const table of TENANT_TABLES) expect(before.tables[table]?.rows ?? 0, table).toBeGreaterThan(0);
    await moveAndCheck(richest, 'shard_1');
  });

  it('moves shard to shard and back to default, returning the same hashes', async () => {
    const first = await moveAndCheck(richest, 'shard_2');
    const back = await moveAndCheck(richest, 'default');
    expect(back.before.tables).toEqual(first.before.tables);
    const hashes = (j: typeof first.job) => j.verification.map((v) => [v.table, v.sourceRows, v.sourceHash]);
    expect(hashes(back.job)).toEqual(hashes(first.job));
  });

  it("leaves the target's planner statistics counting the website's rows (not planning for none until autovacuum)", async () => {
    const home = (await ctx.pools.primary().query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [richest])).rows[0].s;
    const to = home === 'shard_2' ? 'shard_1' : 'shard_2';
    const shard = await pc.client(to);
    try {
      // Statistics taken without the website: its key is in no histogram.
      await shard.query('ANALYZE pwb_realty_assets, pwb_prop_photos');
      await moveAndCheck(richest, to);
      const estimate = async (query: string) => (await shard.query(`EXPLAIN (FORMAT JSON) ${query}`)).rows[0]['QUERY PLAN'][0].Plan['Plan Rows'] as number;
      const count = async (query: string) => (await shard.query(`SELECT count(*)::int AS n FROM (${query}) q`)).rows[0].n as number;
      const assets = `SELECT * FROM pwb_realty_assets WHERE website_id = ${richest}`;
      const photos = `SELECT p.* FROM pwb_prop_photos p WHERE p.realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = ${richest})`;
      for (const query of [assets, photos]) {
        const [planned, actual] = [await estimate(query), await count(query)];
        expect(actual).toBeGreaterThan(10);
        expect(planned, query).toBeGreaterThan(actual / 2);
        expect(planned, query).toBeLessThan(actual * 2);
      }
    } finally {
      await shard.end();
    }
  });

  it('moves the target sequences past every copied id and refreshes the materialized view on both sides', async () => {
    await moveAndCheck(richest, 'shard_1');
    const shard = await pc.client('shard_1');
    const source = await pc.client('default');
    try {
      const seq = await shard.query(`SELECT last_value, (SELECT max(id) FROM pwb_contacts) AS max FROM pwb_contacts_id_seq`);
      expect(BigInt(seq.rows[0].last_value)).toBeGreaterThanOrEqual(BigInt(seq.rows[0].max));
      const onTarget = await shard.query(`SELECT count(*)::int AS n FROM pwb_properties WHERE website_id = $1`, [richest]);
      const onSource = await source.query(`SELECT count(*)::int AS n FROM pwb_properties WHERE website_id = $1`, [richest]);
      expect(onTarget.rows[0].n).toBeGreaterThan(0);
      expect(onSource.rows[0].n).toBe(0);
      const fence = await source.query(
        `SELECT to_regclass('shard_console.fenced_websites') IS NULL OR NOT EXISTS (SELECT 1 FROM shard_console.fenced_websites) AS lifted`,
      );
      expect(fence.rows[0].lifted).toBe(true);
    } finally {
      await shard.end();
      await source.end();
    }
  });

  it("switches without waiting for the target's views (the fence would), and ends only once they list the website", async () => {
    const home = (await ctx.pools.primary().query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [richest])).rows[0].s;
    const to = home === 'shard_2' ? 'shard_1' : 'shard_2';
    // A session that analyzed the view in a transaction still open holds it against every refresh (either
    // kind), not against readers: the target's refresh waits for that session's commit.
    const holder = await pc.client(to);
    const primary = await pc.client('default');
    const listed = async (database: string) => {
      const c = await pc.client(database);
      try {
        return (await c.query(`SELECT count(*)::int AS n FROM pwb_properties WHERE website_id = $1`, [richest])).rows[0].n as number;
      } finally {
        await c.end();
      }
    };
    try {
      await holder.query('BEGIN');
      await holder.query('ANALYZE pwb_properties');
      await pc.admit(richest, to);
      const job = await createMove(ctx, richest, to);
      const said: string[] = [];
      const run = runMove(ctx, job.id, (event) => event.message && said.push(event.message));
      run.catch(() => {});
      const routed = async () => (await primary.query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [richest])).rows[0].s;
      const remaining = async () =>
        (await primary.query(`SELECT count(*)::int AS n FROM pwb_realty_assets WHERE website_id = $1`, [richest])).rows[0].n as number;
      const waiting = `waiting for the materialized views of ${to} to finish refreshing (the website is served from ${to} already)`;
      for (let i = 0; i < 300 && ((await routed()) !== to || (await remaining()) > 0 || !said.includes(waiting)); i++)
        await new Promise((r) => setTimeout(r, 100));
      // Switched and the source's rows removed while the target's views could not refresh...
      expect(await routed()).toBe(to);
      expect(await remaining()).toBe(0);
      expect(await listed(to)).toBe(0);
      // ...the source's views refreshed without waiting for the target's...
      expect(await listed(home)).toBe(0);
      expect((await getJob(ctx.pools.primary(), job.id)).refreshed_at[home]).toBeTruthy();
      // ...and the move is not done until the target's have.
      expect((await moveJobView(ctx, job.id)).state).toBe('running');
      await holder.query('COMMIT');
      const done = await run;
      expect(done.state).toBe('succeeded');
      expect(await listed(to)).toBeGreaterThan(0);
      expect(done.timings['refresh.target']).toBeGreaterThan(0);
      // The operator watching the cleanup was told what it is still waiting for.
      expect(said).toContain(waiting);
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await holder.end();
      await primary.end();
    }
  });

  it("fails after the switch when the target's views cannot refresh, with the website served and whole there, and resumes", async () => {
    const home = (await ctx.pools.primary().query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [richest])).rows[0].s;
    const to = home === 'shard_2' ? 'shard_1' : 'shard_2';
    const before = await tenantSnapshot(pc);
    const shard = await pc.client(to);
    try {
      // REFRESH MATERIALIZED VIEW fires ddl_command_start: an event trigger makes every refresh on the target fail.
      await shard.query(
        `CREATE FUNCTION sc_test_no_refresh() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refreshes are switched off on this shard'; END $$`,
      );
      await shard.query(
        `CREATE EVENT TRIGGER sc_test_no_refresh ON ddl_command_start WHEN TAG IN ('REFRESH MATERIALIZED VIEW') EXECUTE FUNCTION sc_test_no_refresh()`,
      );
      await pc.admit(richest, to);
      const job = await createMove(ctx, richest, to);
      await expect(runMove(ctx, job.id)).rejects.toMatchObject({
        code: 'MOVE_FAILED',
        message: expect.stringMatching(new RegExp(`refreshing pwb_properties on ${to}: refreshes are switched off on this shard.*move resume ${job.id}`)),
      });
      const failed = await moveJobView(ctx, job.id);
      expect(failed.state).toBe('failed');
      expect(failed.step).toBe('cleanup');
      expect(failed.actions).toContain('resume');
      // Verified and switched before the refresh failed: served from the target, whole, and only there.
      expect(websiteRows(await tenantSnapshot(pc), richest)).toEqual({ ...websiteRows(before, richest), databases: [to] });
      await shard.query('DROP EVENT TRIGGER sc_test_no_refresh');
      const done = await runMove(ctx, job.id);
      expect(done.state).toBe('succeeded');
      expect((await shard.query(`SELECT count(*)::int AS n FROM pwb_properties WHERE website_id = $1`, [richest])).rows[0].n).toBeGreaterThan(0);
      expect(await verifyPlacement(ctx, richest)).toEqual({ id: richest, shard: to, ok: true, misplaced: [] });
    } finally {
      await shard.query('DROP EVENT TRIGGER IF EXISTS sc_test_no_refresh');
      await shard.query('DROP FUNCTION IF EXISTS sc_test_no_refresh()');
      await shard.end();
    }
  });

  it('a shard_name changed outside a move before its switch: resume and rollback both say to set it back, and once it is, the rollback finishes', async () => {
    const home = (await ctx.pools.primary().query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [richest])).rows[0].s;
    const [target, elsewhere] = home === 'shard_1' ? ['shard_2', 'default'] : home === 'shard_2' ? ['shard_1', 'default'] : ['shard_1', 'shard_2'];
    await pc.admit(richest, target);
    const before = websiteRows(await tenantSnapshot(pc), richest);
    const job = await createMove(ctx, richest, target);
    await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'verify'));
    const setShard = (shard: string) => ctx.pools.primary().query(`UPDATE pwb_websites SET shard_name = $2 WHERE id = $1`, [richest, shard]);
    await setShard(elsewhere);
    try {
      const setBack = `Set its shard_name back to "${home}"`;
      await expect(runMove(ctx, job.id)).rejects.toMatchObject({ code: 'MOVE_FAILED', message: expect.stringContaining(setBack) });
      await expect(rollbackMove(ctx, job.id)).rejects.toMatchObject({
        code: 'ACTION_NOT_ALLOWED',
        message: expect.stringContaining(`though this move never switched it (its shard_name was changed outside the move); nothing was changed. ${setBack}`),
      });
    } finally {
      await setShard(home);
    }
    expect((await rollbackMove(ctx, job.id)).state).toBe('rolled_back');
    const after = websiteRows(await tenantSnapshot(pc), richest);
    expect(after.databases).toEqual([home]);
    expect(after.tables).toEqual(before.tables);
  });

  it("carries columns of the database's own types (an enum array, a composite), whose binary forms carry type oids that differ between the databases", async () => {
    const home = (await ctx.pools.primary().query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [richest])).rows[0].s;
    const target = home === 'shard_2' ? 'shard_1' : 'shard_2';
    const each = async (sql: string) => {
      for (const database of ['default', 'shard_1', 'shard_2']) await ctx.pools.get(database).query(sql);
    };
    // Another type first on the target: its types' oids are then surely not the source's (PostgreSQL's
    // binary input of arrays and records does not hold the sender's oids against its own).
    await ctx.pools.get(target).query(`CREATE TYPE probe_shift AS ENUM ('x')`);
    await each(
      `CREATE TYPE probe_mood AS ENUM ('calm', 'busy'); CREATE TYPE probe_pair AS (m probe_mood, n int); ALTER TABLE pwb_contacts ADD COLUMN probe_moods probe_mood[], ADD COLUMN probe_p probe_pair`,
    );
    try {
      await ctx.pools.get(home).query(`UPDATE pwb_contacts SET probe_moods = '{busy,calm}', probe_p = '(busy,3)' WHERE website_id = $1`, [richest]);
      await ctx.catalog.get(home, { refresh: true });
      await ctx.catalog.get(target, { refresh: true });
      await moveAndCheck(richest, target);
      const moods = await ctx.pools.get(target).query(`SELECT DISTINCT probe_moods::text AS m FROM pwb_contacts WHERE website_id = $1`, [richest]);
      expect(moods.rows).toEqual([{ m: '{busy,calm}' }]);
      const pairs = await ctx.pools.get(target).query(`SELECT DISTINCT probe_p::text AS p FROM pwb_contacts WHERE website_id = $1`, [richest]);
      expect(pairs.rows).toEqual([{ p: '(busy,3)' }]);
    } finally {
      await each(
        'ALTER TABLE pwb_contacts DROP COLUMN IF EXISTS probe_moods, DROP COLUMN IF EXISTS probe_p; DROP TYPE IF EXISTS probe_pair; DROP TYPE IF EXISTS probe_mood; DROP TYPE IF EXISTS probe_shift',
      );
      for (const database of ['default', 'shard_1', 'shard_2']) await ctx.catalog.get(database, { refresh: true });
    }
  });

  it('never runs two moves of one website at once, and records each action in the audit log', async () => {
    const { cancelMove } = await import('../../../electron/core/moves/move-service.ts');
    const home = (await ctx.pools.primary().query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [richest])).rows[0].s;
    const target = home === 'shard_2' ? 'shard_1' : 'shard_2';
    await pc.admit(richest, target);
    const first = await createMove(ctx, richest, target);
    await expect(createMove(ctx, richest, target)).rejects.toMatchObject({ code: 'MOVE_CONFLICT', message: expect.stringContaining(first.id) });
    const runs = await Promise.allSettled([runMove(ctx, first.id), runMove(ctx, first.id)]);
    const failures = runs.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code);
    expect(runs.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(failures.length).toBe(1);
    expect(['JOB_BUSY', 'ACTION_NOT_ALLOWED']).toContain(failures[0]);
    const audit = await ctx.pools
      .primary()
      .query(`SELECT action, outcome FROM shard_console.audit_log WHERE target IN ($1, $2) ORDER BY id`, [String(richest), first.id]);
    expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['move.create', 'move.run']));
    const planned = await createMove(ctx, richest, home);
    expect((await cancelMove(ctx, planned.id)).state).toBe('cancelled');
    // A console that has taken the job up holds its lock: a cancel then is refused and changes nothing
    // (unlocked, the runner's first step overwrote it and the "cancelled" move ran to the end).
    const racing = await createMove(ctx, richest, home);
    await withJobLock(ctx, racing.id, async () => {
      await expect(cancelMove(ctx, racing.id)).rejects.toMatchObject({ code: 'JOB_BUSY' });
    });
    expect((await getJob(ctx.pools.primary(), racing.id)).state).toBe('planned');
    expect((await cancelMove(ctx, racing.id)).state).toBe('cancelled');
    // A runner that takes the lock after the cancel does nothing.
    expect((await withJobLock(ctx, racing.id, (lock) => runSteps(ctx, lock, racing.id))).state).toBe('cancelled');
  });

  it('a rollback acts on where the job is once it holds the lock, not on where it was when asked (another console resumed it in between)', async () => {
    const home = (await ctx.pools.primary().query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [richest])).rows[0].s;
    const target = home === 'shard_2' ? 'shard_1' : 'shard_2';
    await pc.admit(richest, target);
    const before = websiteRows(await tenantSnapshot(pc), richest);
    const job = await createMove(ctx, richest, target);
    await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'fence'));
    // What the rollback read when asked: fenced, nothing copied yet.
    const asked = await getJob(ctx.pools.primary(), job.id);
    // Meanwhile another console resumes the job, copies the website and lets it go again.
    await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'copy'));
    expect(websiteRows(await tenantSnapshot(pc), richest).databases.sort()).toEqual([home, target].sort());
    expect((await performRollback(ctx, asked)).state).toBe('rolled_back');
    const after = websiteRows(await tenantSnapshot(pc), richest);
    expect(after.databases).toEqual([home]);
    expect(after.tables).toEqual(before.tables);
  });
});

describe('a rollback before anything was copied', () => {
  it('needs no target: with it unreachable, the fence comes off and the website takes writes again', async () => {
    const own = await pc.open();
    const home = (await own.pools.primary().query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [richest])).rows[0].s;
    const target = home === 'shard_2' ? 'shard_1' : 'shard_2';
    await pc.admit(richest, target);
    const job = await createMove(own, richest, target);
    await withJobLock(own, job.id, (lock) => runSteps(own, lock, job.id, undefined, 'fence'));
    // The target's server goes away (its pool ended: every connection attempt fails).
    await own.pools.get(target).pool.end();
    try {
      expect((await rollbackMove(own, job.id)).state).toBe('rolled_back');
      const c = await pc.client(home);
      try {
        await c.query(`UPDATE pwb_pages SET flags = flags WHERE website_id = $1`, [richest]);
      } finally {
        await c.end();
      }
    } finally {
      await own.close().catch(() => {});
    }
  });
});

describe('a rollback after the switch whose move back fails', () => {
  it('leaves the move succeeded, not rolled back, while the website is still on its target; the move back, once finished, rolls it back', async () => {
    const home = (await ctx.pools.primary().query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [richest])).rows[0].s;
    const target = home === 'shard_2' ? 'shard_1' : 'shard_2';
    await pc.admit(richest, target);
    const job = await createMove(ctx, richest, target);
    await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'switch'));
    // The move back's copy onto the old home is mangled there, so its verification fails.
    const old = await pc.client(home);
    await old.query(
      `CREATE FUNCTION test_mangle_back() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.slug := NEW.slug || '-mangled'; RETURN NEW; END $$;
       CREATE TRIGGER test_mangle_back BEFORE INSERT ON pwb_pages FOR EACH ROW EXECUTE FUNCTION test_mangle_back();
       ALTER TABLE pwb_pages ENABLE ALWAYS TRIGGER test_mangle_back`,
    );
    try {
      await expect(rollbackMove(ctx, job.id)).rejects.toMatchObject({ code: 'VERIFY_FAILED' });
      const original = await getJob(ctx.pools.primary(), job.id);
      expect(original).toMatchObject({ state: 'succeeded', rollback_job: expect.any(String) });
      const shard = (await ctx.pools.primary().query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [richest])).rows[0].s;
      expect(shard).toBe(target);
      // The cause fixed, the move back is rolled back and the website moved home again; its own move back then ends the first.
      await old.query('DROP TRIGGER test_mangle_back ON pwb_pages; DROP FUNCTION test_mangle_back()');
      const back = original.rollback_job!;
      expect((await rollbackMove(ctx, back)).state).toBe('rolled_back');
      const resumedBack = await createMove(ctx, richest, home);
      await linkRollback(ctx.pools.primary(), job.id, resumedBack.id);
      expect((await runMove(ctx, resumedBack.id)).state).toBe('succeeded');
      expect((await getJob(ctx.pools.primary(), job.id)).state).toBe('rolled_back');
    } finally {
      await old.query('DROP TRIGGER IF EXISTS test_mangle_back ON pwb_pages; DROP FUNCTION IF EXISTS test_mangle_back()');
      await old.end();
    }
  });
});

describe('a tenant table created while a move runs', () => {
  it('stops the move at its switch (its rows were neither fenced nor copied nor verified): the website stays whole where it was', async () => {
    const primary = await pc.client('default');
    const sql = async (database: string, text: string, values: unknown[] = []) => {
      const c = await pc.client(database);
      try {
        return (await c.query(text, values)).rows;
      } finally {
        await c.end();
      }
    };
    const website = (
      await primary.query(`SELECT id FROM pwb_websites WHERE coalesce(shard_name, 'default') = 'default' AND id <> $1 ORDER BY id LIMIT 1`, [richest])
    ).rows[0].id as number;
    await primary.end();
    await pc.admit(website, 'shard_2');
    const job = await createMove(ctx, website, 'shard_2');
    try {
      await withJobLock(ctx, job.id, async (lock) => {
        const setup = { ctx, lock, job, listener: () => {}, source: ctx.pools.get('default'), target: ctx.pools.get('shard_2'), timings: {} };
        const run = await openMoveRun(setup);
        // Each step recorded before it runs, as the runner does: the job is left where a real run leaves it.
        for (const step of ['fence', 'copy', 'sequences', 'verify'] as const) {
          await recordStep(lock, job.id, step);
          await MOVE_STEP_RUNNERS[step](run);
        }
        // A deploy adds a tenant table everywhere once the run has read its tables; the website writes to it.
        for (const database of ['default', 'shard_1', 'shard_2'])
          await sql(database, 'CREATE TABLE pwb_probe_notes (id bigserial PRIMARY KEY, website_id bigint NOT NULL, body text)');
        await sql('default', `INSERT INTO pwb_probe_notes (website_id, body) VALUES ($1, 'written mid-move')`, [website]);
        await recordStep(lock, job.id, 'switch');
        await expect(MOVE_STEP_RUNNERS.switch(run)).rejects.toMatchObject({
          code: 'MOVE_FAILED',
          message: expect.stringMatching(/pwb_probe_notes.*not switched.*move rollback/s),
        });
      });
      expect(await sql('default', 'SELECT coalesce(shard_name, $2) AS s FROM pwb_websites WHERE id = $1', [website, 'default'])).toEqual([{ s: 'default' }]);
      // Resumed, the job verifies again with the tables read afresh: the new table's rows are not on the
      // target, so it stops again. Rolled back, a new move covers the table.
      await updateJob(ctx.pools.primary(), job.id, { state: 'failed' });
      await expect(runMove(ctx, job.id)).rejects.toMatchObject({ code: 'VERIFY_FAILED', message: expect.stringContaining('pwb_probe_notes') });
      expect((await rollbackMove(ctx, job.id)).state).toBe('rolled_back');
      const again = await createMove(ctx, website, 'shard_2');
      const done = await runMove(ctx, again.id);
      expect(done.state).toBe('succeeded');
      expect(done.verification.map((v) => v.table)).toContain('pwb_probe_notes');
      const notes = 'SELECT count(*)::int AS n FROM pwb_probe_notes WHERE website_id = $1';
      expect([await sql('default', notes, [website]), await sql('shard_2', notes, [website])]).toEqual([[{ n: 0 }], [{ n: 1 }]]);
    } finally {
      for (const database of ['default', 'shard_1', 'shard_2']) await sql(database, 'DROP TABLE IF EXISTS pwb_probe_notes');
      ctx.catalog.invalidate();
    }
  });
});

describe('the tables the materialized views read (their refresh starts once they are copied or restored)', () => {
  it('follows plain views down to tables and partitions down to their parts, and says when a function may read any table', async () => {
    const db = ctx.pools.get('shard_2');
    await db.query(`CREATE SCHEMA vs_test;
      CREATE TABLE vs_test.parted (id int, k int) PARTITION BY RANGE (id);
      CREATE TABLE vs_test.parted_1 PARTITION OF vs_test.parted FOR VALUES FROM (0) TO (100);
      CREATE VIEW vs_test.assets AS SELECT id, website_id FROM pwb_realty_assets;
      CREATE MATERIALIZED VIEW vs_test.mv AS SELECT a.id FROM vs_test.assets a JOIN vs_test.parted p ON p.k = 1`);
    try {
      const found = await materializedViewSources(db);
      expect(found.complete).toBe(true);
      expect([...found.tables]).toEqual(
        expect.arrayContaining(['public.pwb_realty_assets', 'public.pwb_sale_listings', 'public.pwb_rental_listings', 'vs_test.parted', 'vs_test.parted_1']),
      );
      expect(found.tables.has('vs_test.assets')).toBe(false);
      await db.query(`CREATE FUNCTION vs_test.n() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM public.pwb_features';
        CREATE MATERIALIZED VIEW vs_test.mv2 AS SELECT vs_test.n() AS n`);
      expect((await materializedViewSources(db)).complete).toBe(false);
    } finally {
      await db.query('DROP SCHEMA vs_test CASCADE');
    }
  });
});
