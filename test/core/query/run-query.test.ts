import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { QueryService } from '../../../electron/core/query/query-service.ts';
import type { QueryEvent } from '../../../electron/core/query/query-types.ts';
import { runQuery } from '../../../electron/core/query/run-query.ts';
import { directClient, openTestConsole } from '../../support/test-console.ts';
import { recordingCall } from './query-events.ts';

/*
 * The fan-out runner on the shared three-database cluster (read-only statements only): targets, the
 * database column, streamed events, website routing with $1, the row cap read through a cursor and
 * "fetch more" from the same cursor, values as JSON, one database's error beside the others' rows.
 */

let ctx: ConsoleContext;
let service: QueryService;
beforeAll(async () => {
  ctx = await openTestConsole();
  service = new QueryService(ctx);
});
afterAll(async () => {
  await service.close();
  await ctx.close();
});

async function countOn(database: string, sql: string, values: unknown[] = []): Promise<number> {
  const client = await directClient(database);
  try {
    return Number((await client.query(sql, values)).rows[0].n);
  } finally {
    await client.end();
  }
}

describe('fan-out', () => {
  it('runs on every database at once, one row each with its database, counts equal to each database asked directly', async () => {
    const { call, events } = recordingCall<QueryEvent>();
    const result = await service
      .session('fan-out')
      .run(call, { sql: 'SELECT count(*) AS pages, current_database() AS db FROM pwb_pages', target: { kind: 'all' } });
    expect(result.columns).toEqual([
      { name: 'pages', type: 'bigint' },
      { name: 'db', type: 'name' },
    ]);
    expect(result.rows.map((r) => r.database)).toEqual(['default', 'shard_1', 'shard_2']);
    for (const row of result.rows) expect(Number(row.values[0])).toBe(await countOn(row.database, 'SELECT count(*) AS n FROM pwb_pages'));
    expect(result.databases.map((d) => [d.name, d.rows, d.truncated, d.error])).toEqual([
      ['default', 1, false, null],
      ['shard_1', 1, false, null],
      ['shard_2', 1, false, null],
    ]);
    // Per database: columns, then rows, then done, and nothing after done.
    for (const name of ['default', 'shard_1', 'shard_2']) {
      const mine = events.filter((e) => (e.type === 'done' ? e.outcome.name : e.database) === name).map((e) => e.type);
      expect(mine).toEqual(['columns', 'rows', 'done']);
    }
    expect(result.open).toEqual([]);
  });

  it('runs on the shards only, or on the databases chosen', async () => {
    const session = service.session('targets');
    const shards = await session.run(recordingCall<QueryEvent>().call, { sql: 'SELECT 1 AS one', target: { kind: 'shards' } });
    expect(shards.rows.map((r) => r.database)).toEqual(['shard_1', 'shard_2']);
    const chosen = await session.run(recordingCall<QueryEvent>().call, {
      sql: 'SELECT 1 AS one',
      target: { kind: 'databases', names: ['shard_2', 'default'] },
    });
    expect(chosen.rows.map((r) => r.database)).toEqual(['default', 'shard_2']);
  });

  it('refuses an unknown database or website naming what exists, before anything is sent', async () => {
    const session = service.session('unknown');
    await expect(session.run(recordingCall<QueryEvent>().call, { sql: 'SELECT 1', target: { kind: 'databases', names: ['shard_9'] } })).rejects.toMatchObject({
      code: 'SHARD_UNKNOWN',
      message: 'No database named "shard_9" in profile test. Configured: default, shard_1, shard_2.',
    });
    await expect(session.run(recordingCall<QueryEvent>().call, { sql: 'SELECT $1', target: { kind: 'website', id: 987654 } })).rejects.toMatchObject({
      code: 'WEBSITE_NOT_FOUND',
    });
    await expect(session.run(recordingCall<QueryEvent>().call, { sql: 'SELECT $1', target: { kind: 'all' } })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
    await expect(session.run(recordingCall<QueryEvent>().call, { sql: 'SELECT $2', target: { kind: 'website', id: 1 } })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
  });

  it('keeps the rows of the databases that answered beside the error of the one that did not', async () => {
    // pwb_websites is on the primary and on the schema:load shard_2, not on the tenant-only shard_1.
    const result = await service
      .session('partial')
      .run(recordingCall<QueryEvent>().call, { sql: 'SELECT count(*) AS n FROM pwb_websites', target: { kind: 'all' } });
    expect(result.rows.map((r) => r.database)).toEqual(['default', 'shard_2']);
    const failed = result.databases.find((d) => d.name === 'shard_1')!;
    expect(failed).toMatchObject({ rows: 0, truncated: false, error: { code: 'DATABASE_ERROR', sqlstate: '42P01' } });
    expect(failed.error!.message).toMatch(/^shard_1 \(127\.0\.0\.1:\d+\/\w+\) answered with an error: relation "pwb_websites" does not exist/);
  });

  it('runs statements whose ";" or keywords hide in strings, comments and quotes as one statement on the server', async () => {
    const sql = `SELECT 'a;b' AS s, E'\\';' AS e, $q$; DELETE $q$ AS d, 1 AS "x;update" /* ; */ -- ;\n;`;
    const result = await service.session('lexing').run(recordingCall<QueryEvent>().call, { sql, target: { kind: 'databases', names: ['default'] } });
    expect(result.databases[0]!.error).toBeNull();
    expect(result.rows[0]!.values).toEqual(['a;b', "';", '; DELETE ', 1]);
  });

  it('reads a string continued on the next line as the server does: one string, an E string going on in its own mode', async () => {
    // What the guard's lexer takes for one string is one string on the server too.
    const sql = `SELECT 'a' -- note\n  'b' AS s, E'x'\n'\\' ;' AS e`;
    const result = await service.session('continued').run(recordingCall<QueryEvent>().call, { sql, target: { kind: 'databases', names: ['default'] } });
    expect(result.databases[0]!.error).toBeNull();
    expect(result.rows[0]!.values).toEqual(['ab', "x' ;"]);
  });
});

describe('website routing', () => {
  it('routes to the database the website lives on and binds its id as $1', async () => {
    const primary = await directClient('default');
    const sites = (await primary.query(`SELECT id, coalesce(shard_name, 'default') AS shard FROM pwb_websites ORDER BY (shard_name IS NULL) DESC, id`)).rows;
    await primary.end();
    const onShard = sites.find((s) => s.shard === 'shard_2')!;
    const nullShard = sites.find((s) => s.shard === 'default')!;
    for (const site of [onShard, nullShard]) {
      const result = await service.session('website').run(recordingCall<QueryEvent>().call, {
        sql: 'SELECT count(*) AS pages FROM pwb_pages WHERE website_id = $1',
        target: { kind: 'website', id: site.id },
      });
      expect(result.databases.map((d) => d.name)).toEqual([site.shard]);
      expect(Number(result.rows[0]!.values[0])).toBe(await countOn(site.shard, 'SELECT count(*) AS n FROM pwb_pages WHERE website_id = $1', [site.id]));
      expect(Number(result.rows[0]!.values[0])).toBeGreaterThan(0);
    }
  });
});

describe('row cap and fetch more', () => {
  it('stops at the cap without asking a database for more, and fetches the next pages from the same cursor', async () => {
    const session = service.session('cap');
    // Ten billion rows, streamed (a set-returning function in the select list is not materialized):
    // asked for all of them, no database would answer within the 10 s timeout.
    const sql = 'SELECT generate_series(1, 10000000000) AS g, pg_backend_pid() AS pid';
    const first = await session.run(recordingCall<QueryEvent>().call, { sql, target: { kind: 'shards' }, limit: 1000, timeoutSeconds: 10 });
    expect(first.databases.map((d) => [d.name, d.rows, d.truncated])).toEqual([
      ['shard_1', 1000, true],
      ['shard_2', 1000, true],
    ]);
    expect(first.open).toEqual(['shard_1', 'shard_2']);
    const pids = new Map(first.rows.map((r) => [r.database, r.values[1]]));
    const shard1 = first.rows.filter((r) => r.database === 'shard_1').map((r) => Number(r.values[0]));
    expect(shard1).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));

    const { call, events } = recordingCall<QueryEvent>();
    const more = await session.fetchMore(call, first.runId, { databases: ['shard_1'], limit: 250 });
    expect(more.databases).toEqual([expect.objectContaining({ name: 'shard_1', rows: 250, truncated: true, error: null })]);
    expect(more.rows.map((r) => Number(r.values[0]))).toEqual(Array.from({ length: 250 }, (_, i) => 1001 + i));
    // The same backend, so the same cursor in the same transaction.
    expect(new Set(more.rows.map((r) => r.values[1]))).toEqual(new Set([pids.get('shard_1')]));
    expect(events.map((e) => e.type)).toEqual(['rows', 'done']);

    await session.close();
    await expect(session.fetchMore(recordingCall<QueryEvent>().call, first.runId)).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
  });

  it('hands over about 64 MB of wide rows per database and read, a few at a time, and fetches the rest from the same cursor', async () => {
    const session = service.session('wide');
    // 200 rows of a million characters each: 200 MB under a 1,000-row cap.
    const sql = `SELECT g, repeat('x', 1000000) AS wide FROM generate_series(1, 200) g`;
    const { call, events } = recordingCall<QueryEvent>();
    const first = await session.run(call, { sql, target: { kind: 'databases', names: ['shard_1'] }, limit: 1000 });
    const [outcome] = first.databases;
    expect(outcome).toMatchObject({ name: 'shard_1', truncated: true, error: null });
    expect(outcome!.rows).toBeGreaterThanOrEqual(64);
    expect(outcome!.rows).toBeLessThan(100);
    // Pages follow the rows' size: no page holds more than about 16 MB.
    const pages = events.filter((e) => e.type === 'rows').map((e) => (e as { readonly rows: readonly unknown[] }).rows.length);
    expect(Math.max(...pages)).toBeLessThanOrEqual(17);
    const more = await session.fetchMore(recordingCall<QueryEvent>().call, first.runId, { limit: 1000 });
    const next = more.rows.map((r) => Number(r.values[0]));
    expect(next[0]).toBe(outcome!.rows + 1);
    expect(more.databases[0]!.rows).toBeLessThan(100);
    await session.close();
  });

  it('reads to the end, closes the cursor there, and says so to the next fetch', async () => {
    const session = service.session('to-the-end');
    const first = await session.run(recordingCall<QueryEvent>().call, {
      sql: 'SELECT g FROM generate_series(1, 2500) g',
      target: { kind: 'databases', names: ['default'] },
      limit: 1000,
    });
    expect(first.databases[0]).toMatchObject({ rows: 1000, truncated: true });
    const second = await session.fetchMore(recordingCall<QueryEvent>().call, first.runId);
    expect(second.databases[0]).toMatchObject({ rows: 1000, truncated: true });
    const third = await session.fetchMore(recordingCall<QueryEvent>().call, first.runId);
    expect(third.databases[0]).toMatchObject({ rows: 500, truncated: false });
    expect(third.rows.at(-1)!.values).toEqual([2500]);
    expect(third.open).toEqual([]);
    await expect(session.fetchMore(recordingCall<QueryEvent>().call, first.runId)).rejects.toMatchObject({
      code: 'ACTION_NOT_ALLOWED',
      message: expect.stringMatching(/^No database has no more rows|has no more rows to fetch/),
    });
  });

  it('exactly the cap is not truncated; one more row is', async () => {
    const session = service.session('exact');
    const exact = await session.run(recordingCall<QueryEvent>().call, {
      sql: 'SELECT g FROM generate_series(1, 1000) g',
      target: { kind: 'databases', names: ['shard_1'] },
    });
    expect(exact.databases[0]).toMatchObject({ rows: 1000, truncated: false });
    const over = await session.run(recordingCall<QueryEvent>().call, {
      sql: 'SELECT g FROM generate_series(1, 1001) g',
      target: { kind: 'databases', names: ['shard_1'] },
    });
    expect(over.databases[0]).toMatchObject({ rows: 1000, truncated: true });
  });

  it('closes the cursors after the idle time, and a new run replaces the open one', async () => {
    const quick = new QueryService(ctx, { keepOpenMs: 300 });
    try {
      const session = quick.session('idle');
      const first = await session.run(recordingCall<QueryEvent>().call, { sql: 'SELECT g FROM generate_series(1, 5000) g', target: { kind: 'all' } });
      expect(first.open).toHaveLength(3);
      await new Promise((r) => setTimeout(r, 600));
      await expect(session.fetchMore(recordingCall<QueryEvent>().call, first.runId)).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
      const second = await session.run(recordingCall<QueryEvent>().call, { sql: 'SELECT g FROM generate_series(1, 5000) g', target: { kind: 'all' } });
      const third = await session.run(recordingCall<QueryEvent>().call, { sql: 'SELECT g FROM generate_series(1, 5000) g', target: { kind: 'all' } });
      await expect(session.fetchMore(recordingCall<QueryEvent>().call, second.runId)).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
      expect((await session.fetchMore(recordingCall<QueryEvent>().call, third.runId)).databases).toHaveLength(3);
    } finally {
      await quick.close();
    }
  });

  it('a run replaced while it was still running closes its cursors as soon as it ends', async () => {
    const session = service.session('replaced');
    const slow = session.run(recordingCall<QueryEvent>().call, { sql: 'SELECT g FROM generate_series(1, 5000) g, pg_sleep(0.3)', target: { kind: 'shards' } });
    const fast = session.run(recordingCall<QueryEvent>().call, { sql: 'SELECT g FROM generate_series(1, 5000) g', target: { kind: 'shards' } });
    const [first, second] = await Promise.all([slow, fast]);
    expect(first.databases.every((d) => d.truncated)).toBe(true);
    expect(first.open).toEqual([]);
    expect(second.open).toEqual(['shard_1', 'shard_2']);
    await service.closeSession('replaced');
    await expect(service.session('replaced').fetchMore(recordingCall<QueryEvent>().call, second.runId)).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
  });

  it('never lets held cursors block a run: the least recently used idle run gives its connection up', async () => {
    const crowded = new QueryService(ctx);
    try {
      const sql = 'SELECT g FROM generate_series(1, 5000) g';
      const target = { kind: 'databases', names: ['shard_1'] } as const;
      const a = await crowded.session('a').run(recordingCall<QueryEvent>().call, { sql, target });
      const b = await crowded.session('b').run(recordingCall<QueryEvent>().call, { sql, target });
      // Both of shard_1's two query connections are held; without the registry a third run would wait for
      // one and fail with the pool's connect timeout (an error on its database, not 1,000 rows).
      await crowded.session('b').fetchMore(recordingCall<QueryEvent>().call, b.runId, { limit: 10 });
      const c = await crowded.session('c').run(recordingCall<QueryEvent>().call, { sql, target });
      expect(c.databases[0]).toMatchObject({ rows: 1000, truncated: true, error: null });
      await expect(crowded.session('a').fetchMore(recordingCall<QueryEvent>().call, a.runId)).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
      expect((await crowded.session('b').fetchMore(recordingCall<QueryEvent>().call, b.runId, { limit: 10 })).rows[0]!.values).toEqual([1011]);
    } finally {
      await crowded.close();
    }
  });
});

describe('values', () => {
  it('are JSON as they are, with nothing lost, and columns carry PostgreSQL type names', async () => {
    const sql = `SELECT 9007199254740993::int8 AS big, 1.50::numeric(10,2) AS num, 'x'::varchar(20) AS v, true AS b, 7::int2 AS small,
      'NaN'::float8 AS nan, 2.5::float4 AS f, '2024-01-02 03:04:05.123456+02'::timestamptz AS tz, '2024-01-02 03:04:05'::timestamp AS ts,
      '2024-01-02'::date AS d, '\\x00ff'::bytea AS bytes, '{"a": 12345678901234567890}'::jsonb AS j, ARRAY[1,2] AS arr, NULL::text AS nothing,
      interval '1 day 2 hours' AS i, 'infinity'::timestamptz AS inf`;
    const result = await service.session('values').run(recordingCall<QueryEvent>().call, { sql, target: { kind: 'databases', names: ['default'] } });
    expect(result.columns.map((c) => c.type)).toEqual([
      'bigint',
      'numeric(10,2)',
      'character varying(20)',
      'boolean',
      'smallint',
      'double precision',
      'real',
      'timestamp with time zone',
      'timestamp without time zone',
      'date',
      'bytea',
      'jsonb',
      'integer[]',
      'text',
      'interval',
      'timestamp with time zone',
    ]);
    expect(result.rows[0]!.values).toEqual([
      '9007199254740993',
      '1.50',
      'x',
      true,
      7,
      'NaN',
      2.5,
      '2024-01-02T01:04:05.123456Z',
      '2024-01-02T03:04:05',
      '2024-01-02',
      '\\x00ff',
      '{"a": 12345678901234567890}',
      '{1,2}',
      null,
      '1 day 02:00:00',
      'infinity',
    ]);
    expect(JSON.parse(JSON.stringify(result.rows[0]!.values))).toEqual(result.rows[0]!.values);
  });

  it('runs SHOW and EXPLAIN as they are', async () => {
    const session = service.session('show');
    const show = await session.run(recordingCall<QueryEvent>().call, { sql: 'SHOW TimeZone', target: { kind: 'all' } });
    expect(show.rows.map((r) => r.values)).toEqual([['UTC'], ['UTC'], ['UTC']]);
    const explain = await session.run(recordingCall<QueryEvent>().call, { sql: 'EXPLAIN SELECT * FROM pwb_pages', target: { kind: 'shards' } });
    expect(explain.columns).toEqual([{ name: 'QUERY PLAN', type: 'text' }]);
    expect(String(explain.rows[0]!.values[0])).toMatch(/Scan on pwb_pages/);
  });

  it('a function that writes is stopped by the READ ONLY transaction even though the guard lets a SELECT through', async () => {
    const result = await runQuery(service.engine, recordingCall<QueryEvent>().call, {
      sql: `SELECT nextval(pg_get_serial_sequence('pwb_pages', 'id'))`,
      target: { kind: 'all' },
    });
    for (const d of result.result.databases)
      expect(d.error).toMatchObject({ sqlstate: '25006', message: expect.stringContaining('cannot execute nextval() in a read-only transaction') });
    await result.close();
  });
});
