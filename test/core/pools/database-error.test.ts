import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { directClient, openTestConsole } from '../../support/test-console.ts';

/*
 * A session ended by the server (pg_terminate_backend, a shutdown or restart) reads as "unreachable,
 * retry", naming the database, not as a generic SQL error.
 */

let ctx: ConsoleContext;
beforeAll(async () => {
  ctx = await openTestConsole();
});
afterAll(() => ctx.close());

it('a session the server terminates reads as unreachable, with what to do', async () => {
  const shard = ctx.pools.get('shard_1');
  const sleeping = shard.query(`SELECT pg_sleep(30), 'shard-console terminate me' AS tag`).catch((e: unknown) => e);
  const admin = await directClient('shard_1');
  try {
    let pids: number[] = [];
    for (let i = 0; i < 50 && pids.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      pids = (await admin.query(`SELECT pid FROM pg_stat_activity WHERE query LIKE '%shard-console terminate me%' AND pid <> pg_backend_pid()`)).rows.map(
        (r) => r.pid,
      );
    }
    expect(pids).toHaveLength(1);
    await admin.query('SELECT pg_terminate_backend($1)', [pids[0]]);
  } finally {
    await admin.end();
  }
  const error = await sleeping;
  expect(error).toMatchObject({ code: 'DATABASE_UNREACHABLE', target: 'shard_1' });
  expect(String((error as Error).message)).toMatch(
    /^shard_1 \(127\.0\.0\.1:\d+\/\w+\) ended the connection: terminating connection due to administrator command\. .*retry when it accepts connections again\.$/,
  );
  // The pool recovers: the next query gets a new session.
  expect((await shard.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
});
