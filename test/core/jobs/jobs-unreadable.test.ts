import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { callMethod, openTestConsole } from '../../support/test-console.ts';

/*
 * The primary down: the jobs recorded there cannot be read, and this console's own (a backup's
 * verification, a size scan, kept in memory) are still listed, found and stopped, with the place that
 * could not be read said beside them. Before, every jobs.* call failed with the primary's error.
 */

let ctx: ConsoleContext;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sc-jobs-down-'));
  const profile = join(dir, 'down.json');
  // Nothing listens on port 1: the primary is unreachable from the first call.
  await writeFile(profile, JSON.stringify({ name: 'down', primary: { host: '127.0.0.1', port: 1, database: 'pwb', user: 'ops' }, shards: {} }));
  ctx = await openTestConsole(profile);
});
afterAll(() => ctx?.close());

it("lists, finds and stops this console's own jobs while the jobs recorded on the primary cannot be read, and says which could not", async () => {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const job = ctx.jobs.start({ kind: 'backup', title: 'Verify a backup', caller: 'test' }, async (running) => {
    await Promise.race([held, new Promise((resolve) => running.signal.addEventListener('abort', resolve, { once: true }))]);
  });
  try {
    const list = await callMethod(ctx, 'jobs.list', {});
    expect(list.jobs.map((j) => j.jobId)).toEqual([job.id]);
    expect(list.unreadable).toEqual([expect.objectContaining({ code: 'DATABASE_UNREACHABLE' })]);
    expect(await callMethod(ctx, 'jobs.get', { jobId: job.id })).toMatchObject({ jobId: job.id, state: 'running', here: true });
    expect(await callMethod(ctx, 'jobs.stop', { jobId: job.id })).toMatchObject({ jobId: job.id });
  } finally {
    release();
    await job.done.catch(() => {});
  }
  // A job no place holds, while one place cannot be read: that place's error, not "no such job".
  await expect(callMethod(ctx, 'jobs.get', { jobId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'DATABASE_UNREACHABLE' });
});
