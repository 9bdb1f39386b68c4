import { getEventListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { runWithSignal } from '../../../electron/core/call-context.ts';
import { CANCEL_REPEAT_MS, cancelOnAbort, sendCancelRequest } from '../../../electron/core/pools/cancel-request.ts';
import { directClient, openTestConsole, testCluster } from '../../support/test-console.ts';

/*
 * Stopping a call cancels every statement it runs, on the server. A call runs many at once under one
 * signal (a catalog read: a dozen queries on each database), so the signal carries one listener for all
 * of them, not one each: Node warns of a leak past ten (MaxListenersExceededWarning) and CI printed it.
 */

const STATEMENTS = 12;
let clients: pg.Client[];
const server = () => testCluster().servers.find((s) => s.name === 'shard_1')!;

beforeAll(async () => {
  clients = await Promise.all(Array.from({ length: STATEMENTS }, () => directClient('shard_1')));
});
afterAll(() => Promise.all(clients.map((c) => c.end())));

function leakWarnings(): { readonly seen: string[]; stop(): void } {
  const seen: string[] = [];
  const listener = (w: Error) => {
    if (w.name === 'MaxListenersExceededWarning') seen.push(w.message);
  };
  process.on('warning', listener);
  return { seen, stop: () => process.off('warning', listener) };
}

it('cancels a dozen statements running under one signal through one listener, and leaves none behind', async () => {
  const warnings = leakWarnings();
  const controller = new AbortController();
  const stops = clients.map((c) => cancelOnAbort(c, server(), controller.signal));
  const running = clients.map((c) =>
    c.query('SELECT pg_sleep(30)').then(
      () => 'finished',
      (e: { code?: string }) => e.code,
    ),
  );
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  controller.abort();
  expect(await Promise.all(running)).toEqual(Array(STATEMENTS).fill('57014'));
  expect(Date.now() - started).toBeLessThan(5_000);
  for (const stop of stops) stop();
  await new Promise((r) => setImmediate(r));
  warnings.stop();
  expect(warnings.seen).toEqual([]);
});

it('takes its listener off the signal once the last statement under it is done', async () => {
  const warnings = leakWarnings();
  const controller = new AbortController();
  for (let round = 0; round < 3; round++) {
    const stops = clients.map((c) => cancelOnAbort(c, server(), controller.signal));
    await Promise.all(clients.map((c) => c.query('SELECT 1')));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    for (const stop of stops) stop();
    // Twice is harmless.
    stops[0]!();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  }
  // Under a signal already aborted the cancel goes at once, and nothing is left waiting on it.
  controller.abort();
  cancelOnAbort(clients[0]!, server(), controller.signal)();
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  await new Promise((r) => setImmediate(r));
  warnings.stop();
  expect(warnings.seen).toEqual([]);
});

it('cancels again a statement that is still running after the first cancel, and leaves the next statements alone', async () => {
  // A statement that outlives one cancel, as one does when the server drops a cancel that arrives
  // before the backend has read its statement (a loaded machine, a connection just made).
  const client = await directClient('shard_1');
  const controller = new AbortController();
  const stop = cancelOnAbort(client, server(), controller.signal);
  const survivor = client.query(`DO $$ BEGIN PERFORM pg_sleep(30); EXCEPTION WHEN query_canceled THEN PERFORM pg_sleep(30); END $$`).then(
    () => 'finished',
    (e: { code?: string }) => e.code,
  );
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  controller.abort();
  expect(await survivor).toBe('57014');
  expect(Date.now() - started).toBeLessThan(5_000);
  // Still watched, the session's next statement (a clean-up after the stop) runs to its end.
  expect((await client.query(`SELECT pg_sleep(${(3 * CANCEL_REPEAT_MS) / 1000}), 'done' AS r`)).rows[0].r).toBe('done');
  stop();
  await client.end();
});

it('does not start a statement whose call stopped while it waited for a pooled session', async () => {
  const ctx = await openTestConsole();
  try {
    const handle = ctx.pools.get('shard_1');
    const held = await Promise.all(Array.from({ length: handle.pool.options.max }, () => handle.pool.connect()));
    const controller = new AbortController();
    const reason = new Error('stopped by the test');
    const outcome = runWithSignal(controller.signal, () => handle.query(`SELECT 'ran' AS r`)).then(
      (r) => r.rows[0].r as string,
      (e: { cause?: unknown }) => (e === reason || e.cause === reason ? 'not started' : e),
    );
    await new Promise((r) => setTimeout(r, 100));
    controller.abort(reason);
    for (const client of held) client.release();
    expect(await outcome).toBe('not started');
  } finally {
    await ctx.close();
  }
});

it('never gives a session a cancel went to back to its pool, where a late cancel would stop the next borrower', async () => {
  const ctx = await openTestConsole();
  try {
    const handle = ctx.pools.get('shard_1');
    const controller = new AbortController();
    const statement = runWithSignal(controller.signal, () => handle.query('SELECT pg_sleep(30)')).catch(() => 'stopped');
    const long = await runWithSignal(controller.signal, () => handle.longSession());
    const onLong = long.query('SELECT pg_sleep(30)').catch(() => 'stopped');
    await new Promise((r) => setTimeout(r, 200));
    expect(handle.pool.totalCount).toBe(2);
    controller.abort();
    expect(await Promise.all([statement, onLong])).toEqual(['stopped', 'stopped']);
    long.release();
    await new Promise((r) => setTimeout(r, 100));
    expect(handle.pool.totalCount).toBe(0);
  } finally {
    await ctx.close();
  }
});

it('sends the cancel to the socket file when the host is a Unix-socket folder, as libpq does (not a DNS lookup of the path)', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'sc-socket-'));
  const received: Buffer[] = [];
  const server = createServer((socket) => socket.on('data', (chunk) => received.push(chunk)));
  await new Promise<void>((resolve) => server.listen(join(folder, '.s.PGSQL.5999'), resolve));
  try {
    await sendCancelRequest({ host: folder, port: 5999, processID: 4242, secretKey: 77 });
    await expect.poll(() => Buffer.concat(received).length).toBe(16);
    const packet = Buffer.concat(received);
    expect([packet.readInt32BE(0), packet.readInt32BE(4), packet.readInt32BE(8), packet.readInt32BE(12)]).toEqual([16, 80877102, 4242, 77]);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await rm(folder, { recursive: true, force: true });
  }
});
