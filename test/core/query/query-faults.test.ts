import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { explainQuery } from '../../../electron/core/query/explain-query.ts';
import { QUERY_APPLICATION_NAME } from '../../../electron/core/query/query-pools.ts';
import { QueryService } from '../../../electron/core/query/query-service.ts';
import type { QueryEvent } from '../../../electron/core/query/query-types.ts';
import { ReadOnlySession } from '../../../electron/core/query/read-only-session.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { stopServer } from '../migrations/server-control.ts';
import { recordingCall } from './query-events.ts';

/*
 * On a cluster of this file's own (a probe table is created, a server is stopped): a refused statement
 * sends nothing; a write that got past the guard is refused by the READ ONLY transaction; nothing a read
 * changes in its session outlives the run; cancel and the statement timeout stop the server's work on
 * every database (a pg_sleep(30) gone within 10 s was stopped, with room for a loaded machine: how fast
 * is no test's business); a database stopped mid-run leaves the others' rows and its own error.
 */

const DATABASES = ['default', 'shard_1', 'shard_2'] as const;

let pc: PrivateCluster;
let ctx: ConsoleContext;
let service: QueryService;
const clients = new Map<string, pg.Client>();

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 6, scale: 0.01 });
  ctx = await pc.open();
  for (const name of DATABASES) {
    const client = await pc.client(name);
    await client.query('CREATE TABLE query_probe (a int)');
    // An advisory lock taken through a function of one's own: the guard refuses pg_advisory_lock called by name.
    await client.query('CREATE FUNCTION probe_lock(k bigint) RETURNS void LANGUAGE sql AS $$ SELECT pg_advisory_lock(k) $$');
    // The same for a setting: the guard refuses set_config by name, a function of one's own still reaches it.
    await client.query('CREATE FUNCTION probe_set(n text, v text, local boolean) RETURNS text LANGUAGE sql AS $$ SELECT set_config(n, v, local) $$');
    clients.set(name, client);
  }
  service = new QueryService(ctx);
});
afterAll(async () => {
  await service?.close();
  await Promise.allSettled([...clients.values()].map((c) => c.end()));
  await pc?.stop();
});

async function sql<R extends pg.QueryResultRow = any>(database: string, text: string, values: unknown[] = []): Promise<R[]> {
  return (await clients.get(database)!.query<R>(text, values)).rows;
}

/** The query console's backends running a statement on `database` now. */
async function activeQueries(database: string): Promise<number> {
  const rows = await sql<{ n: number }>(database, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'`, [
    QUERY_APPLICATION_NAME,
  ]);
  return rows[0]!.n;
}

async function consoleSessions(database: string): Promise<number> {
  return (await sql<{ n: number }>(database, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [QUERY_APPLICATION_NAME]))[0]!.n;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function probeRows(): Promise<number[]> {
  return Promise.all(DATABASES.map(async (d) => (await sql<{ n: number }>(d, 'SELECT count(*)::int AS n FROM query_probe'))[0]!.n));
}

describe('nothing is written', () => {
  it('a refused statement sends nothing: no connection is even opened, the probe table is unchanged', async () => {
    const fresh = new QueryService(ctx);
    try {
      const session = fresh.session('refused');
      for (const text of [
        'INSERT INTO query_probe VALUES (1)',
        'WITH x AS (INSERT INTO query_probe VALUES (1) RETURNING a) SELECT * FROM x',
        'SELECT 1; INSERT INTO query_probe VALUES (1)',
      ]) {
        await expect(session.run(recordingCall<QueryEvent>().call, { sql: text, target: { kind: 'all' } })).rejects.toMatchObject({
          code: expect.stringMatching(/^(READ_ONLY|INVALID_PARAMS)$/),
        });
      }
      await expect(
        explainQuery(fresh.engine, recordingCall<never>().call, { sql: 'INSERT INTO query_probe VALUES (1)', target: { kind: 'all' }, analyze: true }),
      ).rejects.toMatchObject({ code: 'READ_ONLY' });
      expect(await probeRows()).toEqual([0, 0, 0]);
      for (const name of DATABASES) expect(await consoleSessions(name)).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('a write that got past the guard is refused by the READ ONLY transaction (SQLSTATE 25006)', async () => {
    const target = ctx.profile.databases.find((d) => d.name === 'shard_1')!;
    const pool = service.engine.pools.pool(target);
    const settings = { statementTimeoutMs: 5000, idleInTransactionMs: 60_000 };
    const session = await ReadOnlySession.open(pool, target, settings);
    await expect(session.execute('INSERT INTO query_probe VALUES (1)')).rejects.toMatchObject({
      code: '25006',
      message: 'cannot execute INSERT in a read-only transaction',
    });
    await session.close();
    const again = await ReadOnlySession.open(pool, target, settings);
    await expect(again.execute('SELECT 1; INSERT INTO query_probe VALUES (1)')).rejects.toMatchObject({
      code: '42601',
      message: 'cannot insert multiple commands into a prepared statement',
    });
    await again.close();
    expect(await probeRows()).toEqual([0, 0, 0]);
  });

  it('nothing a read changes in its session outlives the run: settings, advisory locks', async () => {
    const session = service.session('leftovers');
    await session.run(recordingCall<QueryEvent>().call, {
      sql: `SELECT probe_set('search_path', 'nowhere', false), probe_lock(4242)`,
      target: { kind: 'all' },
    });
    for (const name of DATABASES)
      expect(await sql(name, `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242`)).toEqual([{ n: 0 }]);
    const after = await session.run(recordingCall<QueryEvent>().call, { sql: 'SHOW search_path', target: { kind: 'all' } });
    expect(after.rows.map((r) => r.values[0])).toEqual(['"$user", public', '"$user", public', '"$user", public']);
  });
});

describe('cancel and timeout reach PostgreSQL', () => {
  it('cancel stops pg_sleep(30) on every database, and the run rejects with the reason', async () => {
    const { call, controller, events } = recordingCall<QueryEvent>();
    const running = service.session('cancel').run(call, { sql: 'SELECT pg_sleep(30)', target: { kind: 'all' } });
    running.catch(() => {});
    await until(async () => (await Promise.all(DATABASES.map(activeQueries))).every((n) => n === 1), 10_000, 'pg_sleep on every database');
    const reason = new Error('cancelled by the test');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await until(async () => (await Promise.all(DATABASES.map(activeQueries))).every((n) => n === 0), 10_000, 'the backends to stop');
    expect(events.filter((e) => e.type === 'done')).toEqual([]);
  });

  it('the statement timeout stops pg_sleep(30) on every database once it runs out, each reported with 57014', async () => {
    const started = performance.now();
    const result = await service
      .session('timeout')
      .run(recordingCall<QueryEvent>().call, { sql: 'SELECT pg_sleep(30)', target: { kind: 'all' }, timeoutSeconds: 1 });
    for (const name of DATABASES) expect(await activeQueries(name)).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.databases.map((d) => [d.name, d.error?.code, d.error?.sqlstate])).toEqual(DATABASES.map((d) => [d, 'DATABASE_ERROR', '57014']));
    expect(result.databases[0]!.error!.message).toBe(
      "default did not finish within the run's statement timeout (1 s). Give the run a longer timeout (the profile's pool.statementTimeoutMs is the default), or narrow the query.",
    );
  });

  it('a statement that lifts its own timeout (set_config in a function of its own) has it back at the next fetch', async () => {
    const session = service.session('lifted');
    const first = await session.run(recordingCall<QueryEvent>().call, {
      sql: "SELECT g, CASE WHEN g = 1 THEN probe_set('statement_timeout', '0', true) END, pg_sleep(CASE WHEN g = 1002 THEN 3 ELSE 0 END) FROM generate_series(1, 2000) g",
      target: { kind: 'shards' },
      timeoutSeconds: 1,
    });
    expect(first.open).toEqual(['shard_1', 'shard_2']);
    const started = performance.now();
    const more = await session.fetchMore(recordingCall<QueryEvent>().call, first.runId);
    expect(more.databases.map((d) => [d.name, d.error?.sqlstate])).toEqual([
      ['shard_1', '57014'],
      ['shard_2', '57014'],
    ]);
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('cancelling a fetch-more stops its FETCH and closes the run', async () => {
    const session = service.session('cancel-more');
    const first = await session.run(recordingCall<QueryEvent>().call, {
      sql: 'SELECT g, pg_sleep(CASE WHEN g > 1001 THEN 30 ELSE 0 END) FROM generate_series(1, 2000) g',
      target: { kind: 'shards' },
    });
    expect(first.open).toEqual(['shard_1', 'shard_2']);
    const { call, controller } = recordingCall<QueryEvent>();
    const more = session.fetchMore(call, first.runId);
    more.catch(() => {});
    await until(async () => (await activeQueries('shard_1')) === 1 && (await activeQueries('shard_2')) === 1, 10_000, 'the FETCH to run');
    controller.abort(new Error('enough'));
    await expect(more).rejects.toThrow('enough');
    await until(async () => (await activeQueries('shard_1')) + (await activeQueries('shard_2')) === 0, 10_000, 'the FETCH to stop');
    await expect(session.fetchMore(recordingCall<QueryEvent>().call, first.runId)).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
  });
});

describe('a run closed while its fetch-more is being cancelled', () => {
  it('drops the cancelled connections instead of pooling them (a late cancel would hit the next borrower)', async () => {
    const session = service.session('cancel-close');
    const first = await session.run(recordingCall<QueryEvent>().call, {
      sql: 'SELECT g, pg_sleep(CASE WHEN g > 1001 THEN 30 ELSE 0 END) FROM generate_series(1, 2000) g',
      target: { kind: 'databases', names: ['shard_1'] },
    });
    const { call, controller } = recordingCall<QueryEvent>();
    const more = session.fetchMore(call, first.runId);
    more.catch(() => {});
    await until(async () => (await activeQueries('shard_1')) === 1, 10_000, 'the FETCH to run');
    const active = await sql<{ pid: number }>('shard_1', `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'`, [
      QUERY_APPLICATION_NAME,
    ]);
    const pid = active[0]!.pid;
    // The page is left: its call is stopped and the session closed in the same tick.
    controller.abort(new Error('left the page'));
    await service.closeSession('cancel-close');
    await more.catch(() => {});
    await until(
      async () => (await sql('shard_1', 'SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length === 0,
      5_000,
      'the cancelled connection to close',
    );
  });
});

describe('a value too large to read', () => {
  it("fails its database's run with what to do, and the process and the other databases go on", { timeout: 120_000 }, async () => {
    const session = service.session('oversized');
    // Just over JavaScript's longest string: the grid run's bound on what it receives (256 MB) ends the
    // read first (an export, whose bound is 1 GiB, meets node-postgres throwing where it reads the socket).
    const result = await session.run(recordingCall<QueryEvent>().call, {
      sql: `SELECT repeat('x', 536870889) AS big`,
      target: { kind: 'databases', names: ['shard_1'] },
      timeoutSeconds: 100,
    });
    expect(result.databases[0]).toMatchObject({
      name: 'shard_1',
      error: {
        message: expect.stringContaining(
          "The databases' results came to more than 256 MB at once, more than the console holds: this database's read was ended there. Select fewer or narrower columns",
        ),
      },
    });
    const after = await session.run(recordingCall<QueryEvent>().call, { sql: 'SELECT 1 AS one', target: { kind: 'all' } });
    expect(after.rows.map((r) => r.values[0])).toEqual([1, 1, 1]);
  });
});

describe("the databases' rows at once", () => {
  it('counts a budget in the bytes the server sends, so text of three bytes a letter is truncated at the budget, never cut off at the hard bound', async () => {
    const result = await service.session('wide-letters').run(recordingCall<QueryEvent>().call, {
      sql: `SELECT g, repeat('漢', 1000) AS t FROM generate_series(1, 50000) g`,
      target: { kind: 'shards' },
      limit: 100_000,
    });
    expect(result.databases.map((d) => d.error)).toEqual([null, null]);
    expect(result.databases.every((d) => d.truncated)).toBe(true);
  }, 120_000);

  it("bounds what the databases' first rows bring at once: one huge row on every database ends the read that passes the run's bound", async () => {
    // 100 MB in one row on each of three databases: 300 MB, past the grid run's hard bound (256 MB).
    const result = await service
      .session('huge-first-rows')
      .run(recordingCall<QueryEvent>().call, { sql: `SELECT length(repeat('x', 100000000)) AS n, repeat('x', 100000000) AS big`, target: { kind: 'all' } });
    const ended = result.databases.filter((d) => d.error !== null);
    expect(ended.length).toBeGreaterThanOrEqual(1);
    for (const d of ended) expect(d.error!.message).toContain("The databases' results came to more than 256 MB at once, more than the console holds");
    expect(result.rows.length).toBe(3 - ended.length);
  }, 120_000);
});

describe('rows that grow partway through a result', () => {
  it('end the page at its byte bound with what to do, instead of every row being read into memory', { timeout: 120_000 }, async () => {
    const session = service.session('growing');
    // Row 1 is tiny, so the next page asks for 99 rows: 81 of them are 5 MB each.
    const result = await session.run(recordingCall<QueryEvent>().call, {
      sql: `SELECT g, repeat('x', CASE WHEN g < 20 THEN 1 ELSE 5000000 END) AS body FROM generate_series(1, 200) g`,
      target: { kind: 'databases', names: ['shard_1'] },
      timeoutSeconds: 100,
    });
    expect(result.databases[0]).toMatchObject({
      name: 'shard_1',
      error: { message: expect.stringContaining('One page of the result came to more than 256 MB') },
    });
    const after = await session.run(recordingCall<QueryEvent>().call, { sql: 'SELECT 1 AS one', target: { kind: 'all' } });
    expect(after.rows.map((r) => r.values[0])).toEqual([1, 1, 1]);
  });

  it('ask for no more rows than the bytes left in the grid hold', { timeout: 120_000 }, async () => {
    // 40 rows of 3 MB, after a first row that measures them: the grid's 64 MB hold about 21 of them.
    const result = await service.session('budget').run(recordingCall<QueryEvent>().call, {
      sql: `SELECT g, repeat('y', 3000000) AS body FROM generate_series(1, 40) g`,
      target: { kind: 'databases', names: ['shard_1'] },
      timeoutSeconds: 100,
    });
    expect(result.databases[0]).toMatchObject({ name: 'shard_1', error: null, truncated: true });
    expect(result.databases[0]!.rows).toBeLessThanOrEqual(23);
  });

  it('share one budget between the databases of a run', { timeout: 120_000 }, async () => {
    // On each of three databases the same rows: 64 MB each would be 192 MB held; together they hold 128 MB.
    const result = await service.session('shared-budget').run(recordingCall<QueryEvent>().call, {
      sql: `SELECT g, repeat('z', 3000000) AS body FROM generate_series(1, 40) g`,
      target: { kind: 'all' },
      timeoutSeconds: 100,
    });
    expect(result.databases.map((d) => [d.name, d.error, d.truncated])).toEqual([
      ['default', null, true],
      ['shard_1', null, true],
      ['shard_2', null, true],
    ]);
    const rows = result.databases.reduce((n, d) => n + d.rows, 0);
    expect(rows).toBeGreaterThan(30);
    expect(rows).toBeLessThanOrEqual(48);
  });
});

describe('a database stopped mid-run', () => {
  it("keeps the others' rows and reports its own error with its SQLSTATE", async () => {
    const { call, events } = recordingCall<QueryEvent>();
    // The first 100 rows come at once; the next page sleeps at row 500 while shard_1's server stops.
    const running = service.session('stopped').run(call, {
      sql: 'SELECT g, pg_sleep(CASE WHEN g = 500 THEN 2 ELSE 0 END) AS pause FROM generate_series(1, 2000) g',
      target: { kind: 'all' },
    });
    await until(
      async () =>
        (await sql(`shard_1`, `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event = 'PgSleep'`, [QUERY_APPLICATION_NAME])).length === 1,
      10_000,
      'the sleep',
    );
    await clients.get('shard_1')!.end();
    clients.delete('shard_1');
    await stopServer(pc.cluster, 'shard_1');
    const result = await running;
    expect(result.databases.map((d) => [d.name, d.rows, d.truncated, d.error?.code ?? null, d.error?.sqlstate ?? null])).toEqual([
      ['default', 1000, true, null, null],
      ['shard_1', 100, false, 'DATABASE_UNREACHABLE', '57P01'],
      ['shard_2', 1000, true, null, null],
    ]);
    expect(result.databases[1]!.error!.message).toMatch(
      /^shard_1 \(127\.0\.0\.1:\d+\/\w+\) ended the connection: terminating connection due to administrator command\./,
    );
    expect(result.rows.filter((r) => r.database === 'shard_1').map((r) => r.values[0])).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(events.filter((e) => e.type === 'rows' && e.database === 'shard_1').length).toBeGreaterThan(0);
    // The others still fetch more; the stopped one has nothing to fetch.
    const more = await service.session('stopped').fetchMore(recordingCall<QueryEvent>().call, result.runId, { limit: 10 });
    expect(more.databases.map((d) => [d.name, d.rows])).toEqual([
      ['default', 10],
      ['shard_2', 10],
    ]);
  });
});
