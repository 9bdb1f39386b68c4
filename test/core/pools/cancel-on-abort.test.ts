import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { cancelOnAbort } from '../../../electron/core/pools/cancel-request.ts';
import { directClient, testCluster } from '../../support/test-console.ts';

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
