import { describe, expect, it } from 'vitest';
import { JobRegistry } from '../../../electron/core/jobs/job-registry.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { JobProgressEvent } from '../../../shared/methods/job-methods.ts';

/** Resolves when `release` is called: a job's work held at a point of the test's choosing. */
function gate(): { wait: Promise<void>; release: () => void } {
  let release = () => {};
  const wait = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { wait, release };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the job registry', () => {
  it('a job whose work ended CANCELLED (its lock lost to another console) ends interrupted, as its record says; any other error failed', async () => {
    const registry = new JobRegistry();
    const lost = registry.start({ kind: 'migration', title: 'lost lock', caller: 'test' }, async () => {
      throw new ConsoleError('CANCELLED', 'The job lost its lock on the primary.');
    });
    await lost.done.catch(() => {});
    const broken = registry.start({ kind: 'migration', title: 'broken', caller: 'test' }, async () => {
      throw new ConsoleError('MIGRATION_FAILED', 'Migrations did not finish on shard_1 (failed).');
    });
    await broken.done.catch(() => {});
    for (let waited = 0; (registry.isRunning(lost.id) || registry.isRunning(broken.id)) && waited < 5000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    expect(registry.snapshot(lost.id)?.state).toBe('interrupted');
    expect(registry.snapshot(broken.id)?.state).toBe('failed');
  });

  it('a watcher that throws is dropped; the job goes on and succeeds, and the other watchers are still told', async () => {
    const registry = new JobRegistry();
    const held = gate();
    const job = registry.start({ kind: 'move', title: 'a move', caller: 'test' }, async (j) => {
      await held.wait;
      j.progress({ phase: 'copy', done: 1, total: 3, unit: 'tables' });
      j.progress({ phase: 'copy', done: 2, total: 3, unit: 'tables' });
      return 'ok';
    });
    const told: number[] = [];
    registry.subscribe(job.id, () => {
      throw new Error('the watcher stream was closed');
    });
    registry.subscribe(job.id, (event) => told.push(event.done));
    held.release();
    await expect(job.done).resolves.toBe('ok');
    await registry.whenDone(job.id);
    expect(registry.snapshot(job.id)).toMatchObject({ state: 'succeeded', error: null });
    expect(told).toEqual([1, 2]);
  });

  it('saves a progress event the throttle held back within about a second, while the step is still running', async () => {
    const registry = new JobRegistry();
    const saved: JobProgressEvent[] = [];
    const held = gate();
    const job = registry.start({ kind: 'migration', title: 'a run', caller: 'test', persist: async (event) => void saved.push(event) }, async (j) => {
      j.progress({ phase: '001 done', done: 1, total: 2, unit: 'migrations' });
      j.progress({ phase: '002_big_index running', done: 1, total: 2, unit: 'migrations' });
      await held.wait;
    });
    await sleep(1_500);
    expect(saved.map((e) => e.phase)).toEqual(['001 done', '002_big_index running']);
    held.release();
    await job.done;
  });
});
