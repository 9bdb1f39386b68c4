import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { createDispatcher, type Dispatch } from '../../../electron/core/dispatch/dispatcher.ts';
import { createHandlers } from '../../../electron/core/dispatch/handlers.ts';
import { jobLockKey, withJobLock } from '../../../electron/core/jobs/job-lock.ts';
import { currentSignal } from '../../../electron/core/call-context.ts';
import { currentActor } from '../../../electron/core/console-schema/audit-log.ts';
import { insertJobRecord, updateJobRecord } from '../../../electron/core/jobs/job-store.ts';
import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import type { JobProgressEvent, MethodName, MethodParams, MethodResult } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { startOwnCluster, type OwnCluster } from '../migrations/own-cluster.ts';

/*
 * Stopping long work reaches PostgreSQL: the statements it has running are cancelled on every database
 * (gone from pg_stat_activity), and what it changes is left resumable. Each case blocks the work on a
 * lock held by the test, so the work is provably mid-statement when it is stopped, and would wait there
 * until the test ends if the stop did not reach the server: gone within 10 s proves it did, with room
 * for a loaded machine (how fast is no test's business).
 */

let own: OwnCluster;
let ctx: ConsoleContext;
let dispatch: Dispatch;

beforeAll(async () => {
  own = await startOwnCluster();
  ctx = await own.open();
  dispatch = createDispatcher(createHandlers(ctx), { validateResults: true });
}, 180_000);
afterAll(async () => {
  await ctx?.close();
  await own?.stop();
});

async function call<M extends MethodName>(
  method: M,
  params: MethodParams<M>,
  options: { signal?: AbortSignal; onEvent?: (e: unknown) => void } = {},
): Promise<MethodResult<M>> {
  const envelope = await dispatch(method, params, { ...options, caller: 'test' });
  if (!envelope.ok) throw ConsoleError.fromInfo(envelope.error);
  return envelope.result as MethodResult<M>;
}

/** The console's statements running on a database (any session of ours that is not idle). */
async function consoleStatements(database: string): Promise<Array<{ pid: number; state: string; wait: string | null; query: string }>> {
  const rows = await own.sql(
    database,
    `SELECT pid, state, wait_event_type AS wait, query FROM pg_stat_activity
      WHERE application_name LIKE 'shard-console%' AND state NOT IN ('idle') AND pid <> pg_backend_pid() AND query NOT LIKE '%pg_advisory%'`,
  );
  return rows as Array<{ pid: number; state: string; wait: string | null; query: string }>;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Holds a lock on a table until released: ACCESS EXCLUSIVE stops everything, SHARE only writes. */
async function lockTable(database: string, table: string, mode = 'ACCESS EXCLUSIVE'): Promise<{ release(): Promise<void> }> {
  const client: pg.Client = await own.client(database);
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ${mode} MODE`);
  return {
    async release() {
      await client.query('ROLLBACK').catch(() => {});
      await client.end();
    },
  };
}

/** Asserts the stop left no statement of the console running there (see above for the 10 s). */
async function expectGoneFromServer(database: string, stoppedAt: number): Promise<void> {
  await until(`no console statement on ${database}`, async () => (await consoleStatements(database)).length === 0, 10_000).catch(async () => {
    throw new Error(
      `statements still running on ${database} ${Date.now() - stoppedAt} ms after the stop: ${JSON.stringify(await consoleStatements(database))}`,
    );
  });
}

describe('stopping long work', () => {
  it('a move blocked in its copy: the statement is cancelled on the server, the job is left resumable, and resumes verified', async () => {
    const site = (await own.sql('default', `SELECT id FROM pwb_websites WHERE coalesce(shard_name, 'default') = 'default' ORDER BY id LIMIT 1`))[0]
      .id as number;
    // Reads pass (the preflight's), writes wait: the copy's first write on the target blocks.
    const lock = await lockTable('shard_1', 'pwb_prop_photos', 'SHARE');
    const events: JobProgressEvent[] = [];
    try {
      const started = await call('moves.start', { websiteId: site, target: 'shard_1' });
      const watching = call('jobs.watch', { jobId: started.jobId }, { onEvent: (e) => events.push(e as JobProgressEvent) });
      await until('the copy waiting on the lock', async () => (await consoleStatements('shard_1')).find((s) => s.wait === 'Lock'));
      const stoppedAt = Date.now();
      const stopped = await call('jobs.stop', { jobId: started.jobId });
      await expectGoneFromServer('shard_1', stoppedAt);
      await expectGoneFromServer('default', stoppedAt);
      expect(stopped).toMatchObject({ kind: 'move', state: 'interrupted', live: false, here: false, actions: ['resume', 'rollback'] });
      expect(stopped.error?.message).toContain('Stopped on request by test');
      const watched = await watching;
      expect(watched.state).toBe('interrupted');
      expect(events.some((e) => e.phase === 'copy' || e.phase === 'fence')).toBe(true);
      const move = await call('moves.get', { jobId: started.jobId });
      expect(move).toMatchObject({ state: 'running', live: false, step: 'copy', actions: ['resume', 'rollback'] });
      await lock.release();
      await call('moves.resume', { jobId: started.jobId });
      const resumed = await call('jobs.watch', { jobId: started.jobId });
      expect(resumed.state).toBe('succeeded');
      expect((await call('moves.get', { jobId: started.jobId })).verified).toBe(true);
    } finally {
      await lock.release();
    }
  });

  it('a migration run blocked on one database: cancelled there, rolled back, pending, and a second run resumes', async () => {
    await own.addMigration('tenant', '20990301000001', 'touch_pwb_pages', 'ALTER TABLE pwb_pages ADD COLUMN stop_probe integer;');
    const lock = await lockTable('shard_2', 'pwb_pages');
    try {
      const { runId } = await call('migrations.up', { parallel: 4 });
      await until('the migration waiting on the lock', async () => (await consoleStatements('shard_2')).find((s) => s.wait === 'Lock'));
      const stoppedAt = Date.now();
      const job = await call('jobs.stop', { jobId: runId });
      await expectGoneFromServer('shard_2', stoppedAt);
      expect(job).toMatchObject({ kind: 'migration', state: 'interrupted', actions: ['rerun'] });
      const run = await call('migrations.run', { runId });
      expect(run.state).toBe('interrupted');
      // The audit trail says the run was stopped, not that it is still going.
      const [audit] = await own.sql('default', `SELECT outcome, error FROM shard_console.audit_log WHERE action = 'migrations.up' ORDER BY id DESC LIMIT 1`);
      expect(audit).toMatchObject({ outcome: 'failed', error: expect.stringContaining('Stopped on request') });
      expect(run.databases.find((d) => d.name === 'shard_2')).toMatchObject({ state: 'stopped', pending: ['20990301000001'], failed: null });
      expect((await call('migrations.status', {})).databases.find((d) => d.name === 'shard_2')!.failed).toEqual([]);
      await lock.release();
      const again = await call('migrations.up', { parallel: 4 });
      expect((await call('jobs.watch', { jobId: again.runId })).state).toBe('succeeded');
      const after = await call('migrations.status', {});
      expect(after.databases.every((d) => d.pending.length === 0 && d.failed.length === 0)).toBe(true);
    } finally {
      await lock.release();
    }
  });

  it('a size scan blocked on a table: aborting the call cancels it on the server and answers CANCELLED', async () => {
    const lock = await lockTable('shard_1', 'pwb_realty_assets');
    try {
      const controller = new AbortController();
      const events: JobProgressEvent[] = [];
      const scanning = call('shards.largestTenants', { limit: 5 }, { signal: controller.signal, onEvent: (e) => events.push(e as JobProgressEvent) });
      await until('the scan waiting on the lock', async () => (await consoleStatements('shard_1')).find((s) => s.wait === 'Lock'));
      expect((await call('jobs.list', { kind: 'size-scan', limit: 10 })).jobs[0]).toMatchObject({
        kind: 'size-scan',
        state: 'running',
        here: true,
        actions: ['stop'],
      });
      const stoppedAt = Date.now();
      controller.abort();
      await expect(scanning).rejects.toMatchObject({ code: 'CANCELLED' });
      await expectGoneFromServer('shard_1', stoppedAt);
      expect(events[0]).toMatchObject({ type: 'progress', kind: 'size-scan', unit: 'databases', done: 0 });
      expect((await call('jobs.list', { kind: 'size-scan', limit: 10 })).jobs[0]).toMatchObject({ state: 'interrupted', here: false });
    } finally {
      await lock.release();
    }
  });

  it("a website's page counting on a locked table: aborting the call cancels it on the server and answers CANCELLED, not a database error", async () => {
    const [site] = await own.sql<{ id: number; shard: string }>(
      'default',
      `SELECT id, coalesce(shard_name, 'default') AS shard FROM pwb_websites ORDER BY id LIMIT 1`,
    );
    const lock = await lockTable(site!.shard, 'pwb_pages');
    try {
      const controller = new AbortController();
      const counting = call('tenants.detail', { id: site!.id }, { signal: controller.signal });
      await until('the count waiting on the lock', async () => (await consoleStatements(site!.shard)).find((s) => s.wait === 'Lock'));
      const stoppedAt = Date.now();
      controller.abort();
      await expect(counting).rejects.toMatchObject({ code: 'CANCELLED' });
      await expectGoneFromServer(site!.shard, stoppedAt);
    } finally {
      await lock.release();
    }
  });

  it("a migration run recorded failed (its final save of the detail failed, or its end came by the job's catch) reads as failed with its error, not as interrupted", async () => {
    const runId = randomUUID();
    const error = { code: 'DATABASE_UNREACHABLE' as const, message: 'the primary went away while the run was recorded' };
    await insertJobRecord(ctx.pools.primary(), {
      id: runId,
      kind: 'migration',
      title: 'Apply migrations',
      startedBy: 'ops@laptop',
      params: {},
      detail: { runId, state: 'running', done: 1, total: 2, databases: [] },
    });
    await updateJobRecord(ctx.pools.primary(), runId, { state: 'failed', error, finished: true });
    expect(await call('migrations.run', { runId })).toMatchObject({ state: 'failed', error, done: 1, total: 2 });
  });

  it('a job whose session no longer holds its lock, with no word from the server (a failover), is stopped: the primary is asked while the work runs', async () => {
    const jobId = '6b1f0c2e-0000-4000-8000-00000000c0de';
    const work = withJobLock(
      ctx.pools.primary(),
      jobId,
      'Probe job',
      async (lock) => {
        // The lock gone while the session stays up and quiet: what a new primary after a failover shows.
        await lock.query('SELECT pg_advisory_unlock($1::int8)', [jobLockKey(jobId)]);
        const signal = currentSignal()!;
        return new Promise<string>((resolve, reject) => {
          const gaveUp = setTimeout(() => resolve('ran on without its lock'), 8_000);
          signal.addEventListener('abort', () => (clearTimeout(gaveUp), reject(signal.reason)), { once: true });
        });
      },
      100,
    );
    await expect(work).rejects.toMatchObject({ code: 'DATABASE_UNREACHABLE', message: expect.stringContaining('lost its lock on the primary') });
  });

  it('a job whose lock session on the primary is ended under it stops at a safe point: another console must not take it up while it runs', async () => {
    await own.addMigration('tenant', '20990302000001', 'touch_pwb_links', 'ALTER TABLE pwb_links ADD COLUMN lock_lost_probe integer;');
    const lock = await lockTable('shard_2', 'pwb_links');
    try {
      const { runId } = await call('migrations.up', { parallel: 4 });
      await until('the migration waiting on the lock', async () => (await consoleStatements('shard_2')).find((s) => s.wait === 'Lock'));
      const key = BigInt.asUintN(64, BigInt(jobLockKey(runId)));
      const [holder] = await own.sql<{ pid: number }>(
        'default',
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted AND classid = $1::oid AND objid = $2::oid`,
        [(key >> 32n).toString(), (key & 0xffff_ffffn).toString()],
      );
      expect(holder, 'the run holds its job lock').toBeDefined();
      const endedAt = Date.now();
      await own.sql('default', 'SELECT pg_terminate_backend($1)', [holder!.pid]);
      await expectGoneFromServer('shard_2', endedAt);
      const run = await until('the run to end', async () => {
        const r = await call('migrations.run', { runId });
        return r.state !== 'running' && r;
      });
      expect(run.state).toBe('interrupted');
      expect(run.databases.find((d) => d.name === 'shard_2')).toMatchObject({ state: 'stopped', pending: ['20990302000001'] });
      expect(run.databases.find((d) => d.name === 'shard_2')!.error!.message).toContain('lost its lock on the primary');
    } finally {
      await lock.release();
    }
    const again = await call('migrations.up', { parallel: 4 });
    // Started by the operator (user@host, as moves record it), not by the transport the call came by.
    expect(await call('jobs.watch', { jobId: again.runId })).toMatchObject({ state: 'succeeded', startedBy: currentActor() });
  });
});

describe('the Jobs list and a job ended here', () => {
  const until = async (done: () => boolean) => {
    for (let waited = 0; !done() && waited < 20_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  };

  it("lists a kind's jobs whatever the other kinds' newer ones: the kind is asked of the store before the limit", async () => {
    const record = (kind: 'migration' | 'restore') => ({ id: randomUUID(), kind, title: `a ${kind}`, startedBy: 'ops@laptop', params: {} });
    const migration = record('migration');
    await insertJobRecord(ctx.pools.primary(), migration);
    for (let i = 0; i < 3; i++) await insertJobRecord(ctx.pools.primary(), record('restore'));
    const listed = await call('jobs.list', { kind: 'migration', limit: 2 });
    expect(listed.jobs.map((j) => j.jobId)).toContain(migration.id);
  });

  it("shows the record's progress, not the figures this console had, once the job ended here (another console may have taken it up since)", async () => {
    const id = randomUUID();
    await insertJobRecord(ctx.pools.primary(), { id, kind: 'migration', title: 'Apply migrations', startedBy: 'ops@laptop', params: {} });
    const job = ctx.jobs.start({ id, kind: 'migration', title: 'Apply migrations', caller: 'test' }, async (running) => {
      running.progress({ phase: 'migrating', done: 3, total: 10, unit: 'migrations' });
      throw new ConsoleError('CANCELLED', 'Stopped on request.');
    });
    await job.done.catch(() => {});
    await until(() => !ctx.jobs.isRunning(id));
    // Another console took it up and wrote where it is now.
    await updateJobRecord(ctx.pools.primary(), id, {
      progress: { type: 'progress', jobId: id, kind: 'migration', phase: 'migrating', done: 7, total: 10, unit: 'migrations' },
    });
    expect((await call('jobs.get', { jobId: id })).progress).toMatchObject({ done: 7, total: 10 });
  });

  it('a migration run that failed ends its job failed (its watchers and the log said succeeded), its record as the run wrote it', async () => {
    const file = await own.addMigration('tenant', '20990309000001', 'fails_probe', 'SELECT 1 / 0;');
    try {
      const { runId } = await call('migrations.up', { parallel: 2 });
      await until(() => ctx.jobs.snapshot(runId)?.state !== 'running');
      await until(() => !ctx.jobs.isRunning(runId));
      expect(ctx.jobs.snapshot(runId)).toMatchObject({ state: 'failed', error: { code: 'MIGRATION_FAILED' } });
      expect(await call('migrations.run', { runId })).toMatchObject({ state: 'failed' });
      expect(await call('jobs.get', { jobId: runId })).toMatchObject({ state: 'failed' });
    } finally {
      await unlink(file);
    }
  });
});
