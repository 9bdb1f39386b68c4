import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { openTestConsole } from '../../support/test-console.ts';

/*
 * A long session goes back to the pool clean, whatever its borrower left: an open transaction (its
 * locks and snapshot would pass to the next borrower: a failed copy once left one that blocked the
 * rollback's fence lift), an application name, the timeouts it lifted.
 */

let ctx: ConsoleContext;
beforeAll(async () => {
  ctx = await openTestConsole();
});
afterAll(() => ctx.close());

it('comes back out of any transaction, with its application name and timeouts reset', async () => {
  const handle = ctx.pools.get('shard_1');
  const timeouts = `current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle`;
  // The pool's own timeouts, as an ordinary query sees them; a long session lifts both while it is borrowed.
  const pooled = (await handle.query<{ statement: string; idle: string }>(`SELECT ${timeouts}`)).rows[0]!;
  expect(pooled.statement).not.toBe('0');
  const sessions = new Set<number>();
  const first = await handle.longSession();
  sessions.add((await first.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
  const defaults = (await first.query(`SELECT current_setting('application_name') AS app`)).rows[0];
  expect((await first.query(`SELECT ${timeouts}`)).rows[0]).toEqual({ statement: '0', idle: '0' });
  await first.query(`SET application_name = 'borrowed'`);
  await first.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await first.query('SELECT count(*) FROM pg_class');
  first.release();

  // Every session of the pool, so the one just released is among them.
  const all = await Promise.all(Array.from({ length: ctx.profile.pool.max }, () => handle.longSession()));
  try {
    const states = await Promise.all(
      all.map(
        async (c) =>
          (await c.query(`SELECT pg_backend_pid() AS pid, now() = statement_timestamp() AS fresh, current_setting('application_name') AS app`)).rows[0],
      ),
    );
    const same = states.find((s) => sessions.has(s.pid));
    expect(same, 'the released session is back in the pool').toBeDefined();
    // Outside a transaction now() moves with each statement; inside the old one it would not.
    expect(same).toMatchObject({ fresh: true, app: defaults.app });
  } finally {
    for (const c of all) c.release();
  }
  // Every session was lent long and given back: ordinary queries, one on each at once, find the pool's timeouts again.
  const plain = await Promise.all(
    Array.from({ length: ctx.profile.pool.max }, () =>
      handle.query<{ pid: number; statement: string; idle: string }>(`SELECT pg_backend_pid() AS pid, ${timeouts}, pg_sleep(0.2)::text`),
    ),
  );
  const rows = plain.map((r) => r.rows[0]!);
  expect(new Set(rows.map((r) => r.pid)).size).toBe(ctx.profile.pool.max);
  expect(rows.filter((r) => r.statement !== pooled.statement || r.idle !== pooled.idle)).toEqual([]);
  const locks = await handle.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
  );
  expect(locks.rows[0]!.n).toBe(0);
});

it('a session broken before it is handed out goes from the pool: no slot kept for good, and closing the pools does not wait for it', async () => {
  const own = await openTestConsole();
  let closed = false;
  try {
    const handle = own.pools.get('shard_2');
    // Each new connection's first statement ends its own backend: the session's opening SET then fails.
    handle.pool.on('connect', (client) => void client.query('SELECT pg_terminate_backend(pg_backend_pid())').catch(() => {}));
    await expect(handle.longSession()).rejects.toMatchObject({ code: 'DATABASE_UNREACHABLE' });
    expect(handle.pool.totalCount).toBe(0);
    const outcome = await Promise.race([own.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 5_000))]);
    closed = outcome === 'closed';
    expect(outcome).toBe('closed');
  } finally {
    if (!closed) void own.close();
  }
});
