import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { callMethod } from '../../support/test-console.ts';

/*
 * A query out of time behind a lock says who holds it (a view rebuild, an ALTER TABLE left open),
 * rather than only PostgreSQL's "canceling statement due to statement timeout". On a private cluster:
 * the held view would stall every other test file reading it.
 */

let pc: PrivateCluster;
let ctx: ConsoleContext;
let holder: pg.Client;
let onShard: number;

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 6, scale: 0.01 });
  const profile = JSON.parse(await readFile(pc.cluster.profilePath, 'utf8'));
  profile.pool = { ...(profile.pool ?? {}), statementTimeoutMs: 1000 };
  const path = join(await mkdtemp(join(tmpdir(), 'sc-timeout-')), 'profile.json');
  await writeFile(path, JSON.stringify(profile));
  ctx = await pc.open(path);
  onShard = (await ctx.pools.primary().query(`SELECT min(id) AS id FROM pwb_websites WHERE shard_name = 'shard_1'`)).rows[0].id;
  holder = await pc.client('shard_1');
});
afterAll(async () => {
  await holder?.end();
  await pc.stop();
});

it('names the session holding a table exclusively when a query runs out of time behind it', async () => {
  await holder.query(`SET application_name = 'nightly-rebuild'`);
  await holder.query('BEGIN');
  await holder.query('REFRESH MATERIALIZED VIEW pwb_properties');
  const pid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  try {
    const named = new RegExp(
      `^shard_1 \\(127\\.0\\.0\\.1:\\d+/\\w+\\) did not answer within the profile's statement timeout \\(canceling statement due to statement timeout\\)\\. It was most likely waiting for a lock: sessions holding tables there exclusively: pid ${pid} \\(nightly-rebuild, idle in transaction since .+: SELECT pg_backend_pid\\(\\) AS pid\\)\\. Let them finish, or end them \\(SELECT pg_terminate_backend\\(pid\\)\\), then retry\\.$`,
    );
    await expect(ctx.pools.get('shard_1').query(`SELECT count(*) FROM pwb_properties`)).rejects.toMatchObject({
      code: 'DATABASE_ERROR',
      target: 'shard_1',
      message: expect.stringMatching(named),
    });
    // The same through a page's method (the tenant page lists the website's listed properties).
    await expect(callMethod(ctx, 'tenants.detail', { id: onShard })).rejects.toMatchObject({
      code: 'DATABASE_ERROR',
      message: expect.stringContaining(`pid ${pid} (nightly-rebuild`),
    });
  } finally {
    await holder.query('ROLLBACK');
  }
  expect((await ctx.pools.get('shard_1').query(`SELECT count(*)::int AS n FROM pwb_properties`)).rows[0].n).toBeGreaterThan(0);
});

it("says to retry or raise the timeout when nothing holds a lock (a temporary table is no one else's)", async () => {
  // A session's own temporary table, locked exclusively in its open transaction, blocks no one.
  await holder.query('BEGIN');
  await holder.query('CREATE TEMP TABLE sc_scratch (a int) ON COMMIT DROP');
  try {
    await expect(ctx.pools.get('shard_1').query('SELECT pg_sleep(3)')).rejects.toMatchObject({
      code: 'DATABASE_ERROR',
      message: expect.stringMatching(
        /did not answer within the profile's statement timeout \(canceling statement due to statement timeout\)\. Retry; if the database is large or busy, raise pool\.statementTimeoutMs in the profile\.$/,
      ),
    });
  } finally {
    await holder.query('ROLLBACK');
  }
});

it("a website's exact counts wait at most a few seconds for a table another session holds, and name who holds it", async () => {
  // The page was open before (its catalog read): the lock meets the counting itself.
  await callMethod(ctx, 'tenants.detail', { id: onShard });
  await holder.query(`SET application_name = 'hand-run-migration'`);
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE pwb_pages IN ACCESS EXCLUSIVE MODE');
  const pid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  try {
    await expect(callMethod(ctx, 'tenants.detail', { id: onShard })).rejects.toMatchObject({
      code: 'DATABASE_ERROR',
      message: expect.stringMatching(
        new RegExp(
          `^pwb_pages on shard_1 is locked by another session: pid ${pid} \\(hand-run-migration, idle in transaction .*\\), so website ${onShard}'s rows there could not be counted within 5 s\\. Refresh once it is released`,
        ),
      ),
    });
  } finally {
    await holder.query('ROLLBACK');
  }
  expect((await callMethod(ctx, 'tenants.detail', { id: onShard })).totalRows).toBeGreaterThan(0);
}, 30_000);
