import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { runSteps, withJobLock } from '../../../electron/core/moves/move-runner.ts';
import { createMove, previewMove, rollbackMove, runMove } from '../../../electron/core/moves/move-service.ts';
import { cancelAutovacuumSooner, fencingJobs, installFence, liftFence, waitForOlderTransactions } from '../../../electron/core/moves/write-fence.ts';
import { scopedTables } from '../../../electron/core/moves/tenant-scope.ts';
import { QueryService } from '../../../electron/core/query/query-service.ts';
import { callMethod } from '../../support/test-console.ts';
import type { QueryEvent } from '../../../electron/core/query/query-types.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { recordingCall } from '../query/query-events.ts';
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

it('a fence belongs to its job: another job fencing the website is refused, its lift leaves the fence, and a move of the website is refused', async () => {
  const job = await createMove(ctx, site, 'shard_1');
  await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'fence'));
  const handle = ctx.pools.get('default');
  const stranger = randomUUID();
  const fencedBy = async () => (await handle.query(`SELECT job_id FROM shard_console.fenced_websites WHERE website_id = $1`, [site])).rows;
  try {
    const catalog = await ctx.catalog.get('default');
    await expect(installFence(handle, catalog, scopedTables(catalog), site, stranger)).rejects.toMatchObject({
      code: 'JOB_BUSY',
      message: expect.stringContaining(`already fenced by job ${job.id}`),
    });
    // Before, the other job's lift deleted the fence whoever set it: the website's writes flowed mid-move.
    await liftFence(handle, site, stranger);
    expect(await fencedBy()).toEqual([{ job_id: job.id }]);
    const preview = await previewMove(ctx, site, 'shard_2');
    expect(preview.ok).toBe(false);
    expect(preview.refusals).toEqual([expect.objectContaining({ code: 'WEBSITE_FENCED', message: expect.stringContaining(`fenced by job ${job.id}`) })]);
  } finally {
    await rollbackMove(ctx, job.id);
  }
  expect(await fencedBy()).toEqual([]);
});

it('a fence some job left on the target refuses the move: at preflight, and at the fence step of a job planned before it (the switch would route the website to a database refusing its writes)', async () => {
  await pc.admit(site, 'shard_2');
  const planned = await createMove(ctx, site, 'shard_2');
  const stranger = randomUUID();
  const fence = async (database: string) => {
    const catalog = await ctx.catalog.get(database);
    await installFence(ctx.pools.get(database), catalog, scopedTables(catalog), site, stranger);
  };
  await fence('shard_1');
  await fence('shard_2');
  try {
    const preview = await previewMove(ctx, site, 'shard_1');
    expect(preview.refusals).toEqual([
      expect.objectContaining({ code: 'WEBSITE_FENCED', message: expect.stringContaining(`on shard_1 are fenced by job ${stranger}`) }),
    ]);
    await expect(runMove(ctx, planned.id)).rejects.toMatchObject({ message: expect.stringContaining(`on shard_2 are fenced by job ${stranger}`) });
    expect(await fencingJobs(ctx.pools.get('default'), site)).toEqual([]);
  } finally {
    await liftFence(ctx.pools.get('shard_1'), site, stranger);
    await liftFence(ctx.pools.get('shard_2'), site, stranger);
    await rollbackMove(ctx, planned.id);
  }
});

it('a job taken up again with every table fenced does not wait for older transactions (a backup running for an hour)', async () => {
  const job = await createMove(ctx, site, 'shard_1');
  const open = await pc.client('default');
  try {
    await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'copy'));
    await open.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await open.query('SELECT count(*) FROM pwb_pages');
    const resumed = await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'verify'));
    expect(resumed.step).toBe('verify');
  } finally {
    await open.query('ROLLBACK').catch(() => {});
    await open.end();
    await rollbackMove(ctx, job.id);
  }
});

it('a job taken up again behind its fence fences a tenant table added meanwhile (a migration between two runs), which it copies and cleans up with the rest', async () => {
  const job = await createMove(ctx, site, 'shard_1');
  await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'copy'));
  const each = async (sql: string) => {
    for (const database of ['default', 'shard_1', 'shard_2']) await ctx.pools.get(database).query(sql);
  };
  await each(
    'CREATE TABLE pwb_fence_latecomer (id bigserial PRIMARY KEY, website_id bigint NOT NULL, note text); CREATE INDEX ON pwb_fence_latecomer (website_id)',
  );
  try {
    await ctx.pools.get('default').query(`INSERT INTO pwb_fence_latecomer (website_id, note) VALUES ($1, 'before the resume')`, [site]);
    await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'copy'));
    // The website's write there is refused now, as on every other tenant table; another website's passes.
    await expect(ctx.pools.get('default').query(`INSERT INTO pwb_fence_latecomer (website_id, note) VALUES ($1, 'during the move')`, [site])).rejects.toThrow(
      /fenced|being moved/i,
    );
    await ctx.pools.get('default').query(`INSERT INTO pwb_fence_latecomer (website_id, note) VALUES ($1, 'another website')`, [other]);
  } finally {
    await rollbackMove(ctx, job.id);
    await each('DROP TABLE IF EXISTS pwb_fence_latecomer');
  }
});

it("fences a partitioned tenant table's partitions against TRUNCATE too, and lifts it all (a partition older than its parent among them)", async () => {
  const each = async (sql: string) => {
    for (const database of ['default', 'shard_1', 'shard_2']) await ctx.pools.get(database).query(sql);
  };
  // The partition made before its parent and attached after: its oid is the lower of the two.
  await each(`CREATE TABLE pwb_fence_part_early (id bigint NOT NULL, website_id bigint NOT NULL, note text);
    CREATE TABLE pwb_fence_parted (id bigint NOT NULL, website_id bigint NOT NULL, note text) PARTITION BY HASH (website_id);
    ALTER TABLE pwb_fence_parted ATTACH PARTITION pwb_fence_part_early FOR VALUES WITH (MODULUS 2, REMAINDER 0);
    CREATE TABLE pwb_fence_part_late PARTITION OF pwb_fence_parted FOR VALUES WITH (MODULUS 2, REMAINDER 1);
    ALTER TABLE pwb_fence_parted ADD PRIMARY KEY (id, website_id);
    CREATE TABLE pwb_fence_plain (id bigint PRIMARY KEY, website_id bigint NOT NULL)`);
  const job = await createMove(ctx, site, 'shard_1');
  try {
    await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'fence'));
    for (const part of ['pwb_fence_part_early', 'pwb_fence_part_late', 'pwb_fence_parted']) {
      await expect(ctx.pools.get('default').query(`TRUNCATE ${part}`), part).rejects.toThrow(/cannot be truncated while a website/);
    }
    // A partition's TRUNCATE trigger gone (a fence an older console put up, a partition attached since):
    // the job taken up again puts it back.
    await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'copy'));
    await ctx.pools.get('default').query('DROP TRIGGER shard_console_fence_truncate ON pwb_fence_part_late');
    // And a plain table's, disabled by hand (pg_partition_tree gives nothing for a table not partitioned).
    await ctx.pools.get('default').query('ALTER TABLE pwb_fence_plain DISABLE TRIGGER shard_console_fence_truncate');
    await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'sequences'));
    for (const table of ['pwb_fence_part_late', 'pwb_fence_plain']) {
      await expect(ctx.pools.get('default').query(`TRUNCATE ${table}`), table).rejects.toThrow(/cannot be truncated while a website/);
    }
  } finally {
    await rollbackMove(ctx, job.id);
  }
  // Lifted whole: no fence trigger left on the parent or a partition (dropping a partition's clone of the
  // parent's row trigger is refused, so the lift failed when the older partition came first).
  const left = await ctx.pools
    .get('default')
    .query(
      `SELECT tgrelid::regclass::text AS t FROM pg_trigger WHERE tgname LIKE 'shard\\_console\\_fence%' AND tgrelid::regclass::text LIKE 'pwb_fence_part%'`,
    );
  expect(left.rows).toEqual([]);
  await each('DROP TABLE IF EXISTS pwb_fence_parted, pwb_fence_plain');
});

it("lets the console's own COPY into a fenced table insert in batches: the fence's row trigger fires after the write, and still rejects the website's", async () => {
  const job = await createMove(ctx, site, 'shard_1');
  await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'fence'));
  const c = await pc.client('default');
  try {
    const timing = await c.query(`SELECT tgtype & 2 = 2 AS before FROM pg_trigger WHERE tgname = 'shard_console_fence' AND tgrelid = 'pwb_contacts'::regclass`);
    expect(timing.rows).toEqual([{ before: false }]);
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
    const rows = 2000;
    await c.query('BEGIN');
    await c.query(`SET LOCAL shard_console.bypass_fence = 'on'`);
    const from = (await c.query(`SELECT pg_current_wal_insert_lsn() AS lsn`)).rows[0].lsn;
    const lines = Array.from({ length: rows }, (_, i) => `${other}\tbatch ${i}\t2024-01-01\t2024-01-01\n`).join('');
    await pipeline(Readable.from([Buffer.from(lines)]), c.query(copyFrom(`COPY pwb_contacts (website_id, first_name, created_at, updated_at) FROM STDIN`)));
    const { lsn: to, xid } = (await c.query(`SELECT pg_current_wal_insert_lsn() AS lsn, (txid_current() % 4294967296)::text AS xid`)).rows[0];
    await c.query('ROLLBACK');
    // pg_walinspect reads only what is flushed (the WAL writer does, within its delay, commit or not).
    for (let i = 0; i < 100; i++) {
      if ((await c.query(`SELECT pg_current_wal_flush_lsn() > $1::pg_lsn AS flushed`, [to])).rows[0].flushed) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // This transaction's heap records: row by row (what a BEFORE row trigger forces) one INSERT a row;
    // in batches, a MULTI_INSERT a page and no INSERT.
    const heap = await c.query<{ single: number; batches: number }>(
      `SELECT count(*) FILTER (WHERE resource_manager = 'Heap' AND record_type LIKE 'INSERT%')::int AS single,
              count(*) FILTER (WHERE resource_manager = 'Heap2' AND record_type LIKE 'MULTI_INSERT%')::int AS batches
         FROM pg_get_wal_records_info($1, $2) WHERE xid::text = $3`,
      [from, to, xid],
    );
    expect(heap.rows[0]!.single).toBe(0);
    expect(heap.rows[0]!.batches).toBeGreaterThan(0);
    expect(heap.rows[0]!.batches).toBeLessThan(rows / 20);
    await expect(
      c.query(`INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, 'late', now(), now())`, [site]),
    ).rejects.toMatchObject({
      code: '55000',
    });
  } finally {
    await c.end();
    await rollbackMove(ctx, job.id);
  }
});

it('cancels a blocking autovacuum sooner only where the role may: a plain role fences on unchanged', async () => {
  const admin = await pc.client('default');
  await admin.query(`CREATE ROLE fence_plain LOGIN PASSWORD '${pc.cluster.password}'`);
  const server = pc.cluster.servers.find((s) => s.name === 'default')!;
  const plain = new pg.Client({ host: server.host, port: server.port, database: server.database, user: 'fence_plain', password: pc.cluster.password });
  await plain.connect();
  try {
    for (const [who, client, expected] of [
      ['superuser', admin, '50ms'],
      ['plain role', plain, '1s'],
    ] as const) {
      await client.query('BEGIN');
      await cancelAutovacuumSooner(client as unknown as pg.PoolClient);
      // The transaction is still usable either way, and the setting is the transaction's only.
      expect((await client.query(`SELECT current_setting('deadlock_timeout') AS v`)).rows[0].v, who).toBe(expected);
      await client.query('COMMIT');
      expect((await client.query(`SELECT current_setting('deadlock_timeout') AS v`)).rows[0].v, who).toBe('1s');
    }
  } finally {
    await plain.end();
    await admin.end();
  }
});

it("ends the query console's idle cursor (its read locks block the triggers) but waits for any other open transaction", async () => {
  const service = new QueryService(ctx);
  const other = await pc.client('default');
  try {
    // A result cut at its row cap keeps its cursor (and its READ ONLY transaction) open for "fetch more".
    const run = await service
      .session('fence')
      .run(recordingCall<QueryEvent>().call, { sql: 'SELECT * FROM pwb_contacts', limit: 1, target: { kind: 'databases', names: ['default'] } });
    expect(run.databases[0]).toMatchObject({ name: 'default', truncated: true });
    const started = Date.now();
    const job = await createMove(ctx, site, 'shard_1');
    await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'fence'));
    expect(Date.now() - started).toBeLessThan(10_000);
    await rollbackMove(ctx, job.id);
    const more = await service.session('fence').fetchMore(recordingCall<QueryEvent>().call, run.runId);
    expect(more.databases[0], JSON.stringify(more)).toMatchObject({
      name: 'default',
      error: { message: expect.stringContaining('a move or restore fencing default ends the query console') },
    });

    // Any other session's transaction that began before the fence is waited for: the fence step is still
    // waiting while it stays open, and goes on once it ends.
    await other.query('BEGIN');
    await other.query('SELECT count(*) FROM pwb_contacts');
    const second = await createMove(ctx, site, 'shard_1');
    let fenced = false;
    const fencing = withJobLock(ctx, second.id, (lock) => runSteps(ctx, lock, second.id, undefined, 'fence')).then(() => (fenced = true));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(fenced).toBe(false);
    await other.query('COMMIT');
    await fencing;
    await rollbackMove(ctx, second.id);
  } finally {
    await other.end();
    await service.close();
  }
});

it('queues no reader behind its locks: a long reader neither holds a fence from going up nor keeps other readers waiting, and the last lift drops the triggers once it ends', async () => {
  const reader = await pc.client('default');
  const probe = await pc.client('default');
  try {
    await probe.query(`SET lock_timeout = '2s'`);
    const fencedRows = async () => (await probe.query(`SELECT count(*)::int AS n FROM shard_console.fenced_websites`)).rows[0].n;
    const readOthers = () => probe.query('SELECT count(*) FROM pwb_contacts');
    const fence = async (website: number) => {
      const job = await createMove(ctx, website, 'shard_1');
      const fencing = withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'fence'));
      return { job, fencing };
    };
    // A first fence puts the triggers up; a second one, set while a reader holds its table, finds them there.
    const first = await fence(other);
    await first.fencing;
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM pwb_contacts');
    const second = await fence(site);
    let fenced = false;
    void second.fencing.then(() => (fenced = true));
    // The second fence commits past the reader's lock while its step waits for the reader's transaction
    // (it began before the fence); meanwhile other sessions read on.
    await expect.poll(fencedRows, { timeout: 10_000 }).toBe(2);
    await readOthers();
    expect(fenced).toBe(false);
    await reader.query('COMMIT');
    await second.fencing;
    await rollbackMove(ctx, second.job.id);

    // The last lift with a reader in the way: the website's writes pass at once, readers are never held
    // longer than one short attempt, and the triggers go once the reader ends.
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM pwb_contacts');
    let lifted = false;
    const lifting = rollbackMove(ctx, first.job.id).then(() => (lifted = true));
    await expect.poll(fencedRows, { timeout: 10_000 }).toBe(0);
    expect((await probe.query(`UPDATE pwb_contacts SET first_name = first_name WHERE website_id = $1`, [other])).rowCount).toBeGreaterThan(0);
    await readOthers();
    expect(lifted).toBe(false);
    await reader.query('COMMIT');
    await lifting;
    const left = await probe.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'shard\\_console\\_fence%'`);
    expect(left.rows[0].n).toBe(0);
  } finally {
    await reader.end();
    await probe.end();
  }
});

it('the doctor names a fence no process runs (with the job to resume or roll back) and triggers left idle, and neither once lifted', async () => {
  const fenceKinds = async () =>
    (await callMethod(ctx, 'doctor.run', {})).findings.filter((f) => f.kind === 'stale-write-fence' || f.kind === 'idle-fence-triggers');
  const job = await createMove(ctx, site, 'shard_1');
  // The fence step, then the job's lock let go: as after a console that died mid-move.
  await withJobLock(ctx, job.id, (lock) => runSteps(ctx, lock, job.id, undefined, 'fence'));
  expect(await fenceKinds()).toEqual([
    expect.objectContaining({
      kind: 'stale-write-fence',
      severity: 'error',
      database: 'default',
      website: site,
      fix: expect.stringContaining(`shard-console move resume ${job.id}`),
    }),
  ]);
  // The fence row gone by hand, its triggers left: information, not an error.
  const primary = await pc.client('default');
  try {
    await primary.query('DELETE FROM shard_console.fenced_websites');
  } finally {
    await primary.end();
  }
  expect(await fenceKinds()).toEqual([expect.objectContaining({ kind: 'idle-fence-triggers', severity: 'info', database: 'default' })]);
  await rollbackMove(ctx, job.id);
  expect(await fenceKinds()).toEqual([]);
});

it('gives two tables whose names clean alike (a.b, a_b) a fence function each: each checks its own rows', async () => {
  const handle = ctx.pools.get('default');
  await handle.query(`CREATE TABLE fence_probe_a_b (id serial PRIMARY KEY, website_id integer NOT NULL)`);
  await handle.query(
    `CREATE SCHEMA fence_probe_a; CREATE TABLE fence_probe_a.b (id serial PRIMARY KEY, probe_id integer NOT NULL REFERENCES fence_probe_a_b (id))`,
  );
  const job = randomUUID();
  try {
    const catalog = await ctx.catalog.get('default', { refresh: true });
    const tables = scopedTables(catalog).filter((t) => t.name === 'fence_probe_a_b' || t.name === 'fence_probe_a.b');
    expect(tables.map((t) => t.name).sort()).toEqual(['fence_probe_a.b', 'fence_probe_a_b']);
    const parentOf = async (website: number) =>
      Number((await handle.query(`INSERT INTO fence_probe_a_b (website_id) VALUES ($1) RETURNING id`, [website])).rows[0].id);
    const [mine, theirs] = [await parentOf(site), await parentOf(other)];
    await installFence(handle, catalog, tables, site, job);
    // Another website's writes pass on both (before, the root table's trigger ran the chain table's check and failed on every write).
    await handle.query(`INSERT INTO fence_probe_a_b (website_id) VALUES ($1)`, [other]);
    await handle.query(`INSERT INTO fence_probe_a.b (probe_id) VALUES ($1)`, [theirs]);
    // The fenced website's are refused on both.
    await expect(handle.query(`INSERT INTO fence_probe_a_b (website_id) VALUES ($1)`, [site])).rejects.toThrow(/being moved to another database/);
    await expect(handle.query(`INSERT INTO fence_probe_a.b (probe_id) VALUES ($1)`, [mine])).rejects.toThrow(/being moved to another database/);
  } finally {
    await liftFence(handle, site, job);
    await handle.query(`DROP SCHEMA fence_probe_a CASCADE; DROP TABLE fence_probe_a_b`);
    await ctx.catalog.get('default', { refresh: true });
  }
});

it('waits for a transaction that began while the fence committed: its snapshot may not see the fence, so its writes pass it', async () => {
  const handle = ctx.pools.get('default');
  const catalog = await ctx.catalog.get('default');
  const admin = await pc.client('default');
  const writer = await pc.client('default');
  const jobId = randomUUID();
  // The first fence of a database makes its fence table; lifted, the table stays.
  await installFence(handle, catalog, scopedTables(catalog), site, jobId);
  await liftFence(handle, site, jobId);
  // The fence's COMMIT made slow (a deferred trigger on its own table), to start a transaction inside it.
  await admin.query(
    `CREATE OR REPLACE FUNCTION public.sc_test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$`,
  );
  await admin.query(
    `CREATE CONSTRAINT TRIGGER sc_test_slow_commit AFTER INSERT ON shard_console.fenced_websites DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.sc_test_slow_commit()`,
  );
  const soon = async (what: string, sql: string) => {
    for (let tries = 0; (await admin.query(sql)).rowCount === 0; tries++) {
      if (tries > 200) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  try {
    let installed = 0;
    const fencing = installFence(handle, catalog, scopedTables(catalog), site, jobId).then(() => (installed = Date.now()));
    await soon('the fence to commit', `SELECT 1 FROM pg_stat_activity WHERE query = 'COMMIT' AND wait_event = 'PgSleep'`);
    await writer.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await writer.query('SELECT 1');
    await soon('the fence committed', `SELECT 1 FROM shard_console.fenced_websites WHERE job_id = '${jobId}'`);
    await new Promise((r) => setTimeout(r, 500));
    expect(installed).toBe(0);
    // The fence it cannot see lets its write through: the move's copy must begin after it ends.
    expect((await writer.query(`UPDATE pwb_contacts SET first_name = first_name WHERE website_id = $1`, [site])).rowCount).toBeGreaterThan(0);
    const committed = Date.now();
    await writer.query('COMMIT');
    await fencing;
    expect(installed).toBeGreaterThanOrEqual(committed);
  } finally {
    await writer.query('ROLLBACK').catch(() => {});
    await admin.query('DROP TRIGGER IF EXISTS sc_test_slow_commit ON shard_console.fenced_websites; DROP FUNCTION IF EXISTS public.sc_test_slow_commit()');
    await liftFence(handle, site, jobId);
    await Promise.all([admin.end(), writer.end()]);
  }
});

it("waits for other roles' transactions though this role may not see when they began, and names them when it gives up", async () => {
  const admin = await pc.client('default');
  const server = pc.cluster.servers.find((x) => x.name === 'default')!;
  const password = 'fence-Roles-5b1e';
  await admin.query(`CREATE ROLE sc_fence_mover LOGIN PASSWORD '${password}'; CREATE ROLE sc_fence_app LOGIN PASSWORD '${password}'`);
  const as = async (user: string) => {
    const c = new pg.Client({ host: server.host, port: server.port, database: server.database, user, password });
    await c.connect();
    return c;
  };
  const [mover, app] = [await as('sc_fence_mover'), await as('sc_fence_app')];
  try {
    // What this role sees of the other's session: no start time.
    const pid = (await app.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await app.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await app.query('SELECT 1');
    const seen = await mover.query(`SELECT xact_start FROM pg_stat_activity WHERE pid = $1`, [pid]);
    expect(seen.rows).toEqual([{ xact_start: null }]);
    const handle = { query: mover.query.bind(mover) as never, target: { name: 'default' } } as unknown as Parameters<typeof waitForOlderTransactions>[0];
    await expect(waitForOlderTransactions(handle, 600)).rejects.toMatchObject({
      code: 'MOVE_FAILED',
      message: expect.stringContaining(`pid ${pid} (sc_fence_app's session, whose transaction this role may not see: grant it pg_read_all_stats to tell)`),
    });
    // Once it ends, nothing is left to wait for.
    let done = false;
    const waiting = waitForOlderTransactions(handle, 10_000).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 400));
    expect(done).toBe(false);
    await app.query('COMMIT');
    await waiting;
  } finally {
    await Promise.all([mover.end(), app.end()]);
    await admin.query('DROP ROLE sc_fence_mover; DROP ROLE sc_fence_app');
    await admin.end();
  }
});

it('a fence whose wait gives up comes off again when the job had done nothing behind it yet', async () => {
  const handle = ctx.pools.get('default');
  const catalog = await ctx.catalog.get('default');
  const other = await pc.client('default');
  const jobId = randomUUID();
  try {
    await other.query('BEGIN');
    await other.query('SELECT 1');
    await expect(installFence(handle, catalog, scopedTables(catalog), site, jobId, { liftIfWaitFails: true, waitMs: 500 })).rejects.toMatchObject({
      code: 'MOVE_FAILED',
      message: expect.stringContaining(`the fence was lifted again: writes to website ${site} go on meanwhile.`),
    });
    expect(await fencingJobs(handle, site)).toEqual([]);
    await other.query('COMMIT');
    expect((await other.query(`UPDATE pwb_contacts SET first_name = first_name WHERE website_id = $1`, [site])).rowCount).toBeGreaterThan(0);
    // A rollback's fence (rows loaded behind it already) stays up when its wait gives up.
    await other.query('BEGIN');
    await other.query('SELECT 1');
    await expect(installFence(handle, catalog, scopedTables(catalog), site, jobId, { waitMs: 500 })).rejects.toMatchObject({ code: 'MOVE_FAILED' });
    expect(await fencingJobs(handle, site)).toEqual([jobId]);
  } finally {
    await other.query('ROLLBACK').catch(() => {});
    await liftFence(handle, site, jobId);
    await other.end();
  }
});
