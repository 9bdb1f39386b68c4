import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../../electron/core/backups/archive/open-archive.ts';
import { tableRules } from '../../../electron/core/restore/restore-preflight.ts';
import { restoreTables } from '../../../electron/core/restore/restore-tables.ts';
import { readBackAsLoaded } from '../../../electron/core/restore/verify-restore.ts';
import { largestWebsite, startRestoreFixture, websiteState, type RestoreFixture } from '../../support/restore-fixture.ts';

/*
 * A restore is a job like any other: its progress reaches jobs.watch as events, jobs.stop stops it at a
 * safe point with its statements cancelled on the server, and it is left interrupted and resumable
 * (another restore of the website is refused meanwhile); resumed, it finishes and verifies.
 */

let f: RestoreFixture;
let site: number;
let archive: string;
let backedUp: Awaited<ReturnType<typeof websiteState>>;

beforeAll(async () => {
  f = await startRestoreFixture({ websites: 7 });
  site = await largestWebsite(f, 'shard_1');
  archive = await f.dump('shard_1', 'shard_1.dump');
  backedUp = await websiteState(f.pc, site);
  await f.sql(
    'shard_1',
    `UPDATE pwb_prop_photos SET description = 'changed' WHERE realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)`,
    [site],
  );
  // Photos load slowly: a row trigger (fired under session_replication_role = replica too) sleeps 20 ms per row.
  await f.sql(
    'shard_1',
    `CREATE FUNCTION test_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.02); RETURN NEW; END $$;
     CREATE TRIGGER test_slow BEFORE INSERT ON pwb_prop_photos FOR EACH ROW EXECUTE FUNCTION test_slow();
     ALTER TABLE pwb_prop_photos ENABLE ALWAYS TRIGGER test_slow`,
  );
}, 240_000);
afterAll(() => f?.stop());

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('stopping a restore', () => {
  it('reports progress as a job, stops at a safe point when asked (the COPY cancelled on the server), and resumes', async () => {
    const events: Array<{ phase: string; done: number; unit: string }> = [];
    const started = await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' });
    const watching = f.dispatch(
      'jobs.watch',
      { jobId: started.jobId },
      { caller: 'test', onEvent: (e) => events.push(e as { phase: string; done: number; unit: string }) },
    );
    await until(
      'the photos to be loading',
      async () => (await f.sql('shard_1', `SELECT pid FROM pg_stat_activity WHERE query LIKE 'COPY "public"."pwb_prop_photos"%' AND state = 'active'`))[0],
    );
    const stopped = await f.call('jobs.stop', { jobId: started.jobId });
    expect(stopped).toMatchObject({ kind: 'restore', state: 'interrupted', live: false, actions: ['resume', 'rollback'] });
    const watched = await watching;
    expect(watched.ok).toBe(true);
    expect(events.some((e) => e.phase === 'load' && e.unit === 'rows')).toBe(true);
    expect(events.map((e) => e.phase)).toEqual(expect.arrayContaining(['fence', 'hold', 'clear', 'load']));
    expect(
      await f.sql('shard_1', `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY "public"."pwb_prop_photos"%' AND state = 'active'`),
    ).toEqual([{ n: 0 }]);

    const job = await f.call('restores.get', { jobId: started.jobId });
    expect(job).toMatchObject({ state: 'interrupted', step: 'load', live: false, actions: ['resume', 'rollback'] });
    expect(job.error).toMatch(/Stopped on request by test.*during the load step: resume it or roll it back/);
    const blocked = await f.call('restores.preflight', { websiteId: site, path: archive, mode: 'replace' });
    expect(blocked.refusals.map((r) => r.code)).toEqual(expect.arrayContaining(['JOB_UNFINISHED', 'WEBSITE_FENCED']));

    await f.sql('shard_1', `DROP TRIGGER test_slow ON pwb_prop_photos`);
    await f.call('restores.resume', { jobId: started.jobId });
    const done = await f.settle(started.jobId);
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ state: 'succeeded', verified: true });
    const restored = await websiteState(f.pc, site);
    expect(restored.tables).toEqual(backedUp.tables);
    expect(restored.others).toEqual(backedUp.others);
  }, 180_000);
});

describe("a failed load's read-backs", () => {
  it('are abandoned: nothing queued starts, the one running is cancelled on the server, and its session is back when abandon resolves', async () => {
    const handle = f.ctx.pools.get('shard_1');
    const catalog = await f.ctx.catalog.get('shard_1', { refresh: true });
    const archived = await openArchive(archive);
    const locker = await f.pc.client('shard_1');
    try {
      const { tables } = restoreTables(catalog, archived, tableRules(f.ctx), new Set());
      const [contacts, links] = ['pwb_contacts', 'pwb_links'].map((name) => tables.find((t) => t.name === name)!);
      const lane = readBackAsLoaded({
        handle,
        catalog,
        websiteId: site,
        into: (t) => ({ schema: t.scoped.table.schema, table: t.scoped.table.table, side: false }),
        encoding: archived.info.encoding,
        serverVersion: archived.info.serverVersion,
        rowHash: 2,
      });
      // The read-back of contacts waits behind a lock; links' is queued behind it.
      await locker.query('BEGIN; LOCK TABLE pwb_contacts IN ACCESS EXCLUSIVE MODE');
      let linksRead = false;
      lane.push(contacts!);
      lane.push(links!, async () => void (linksRead = true));
      const waiting = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT%pwb_contacts%' AND wait_event_type = 'Lock'`;
      await until('the read-back to wait for the lock', async () => (await f.sql('shard_1', waiting))[0]!.n === 1);
      const started = Date.now();
      await lane.abandon();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(linksRead).toBe(false);
      expect(await f.sql('shard_1', waiting)).toEqual([{ n: 0 }]);
      expect(await lane.done()).toEqual({});
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
      await archived.close();
    }
  }, 60_000);
});
