import { describe, expect, it } from 'vitest';
import { runInDependencyOrder, runLimited } from '../../electron/core/run-limited.ts';

/** A task that records when it starts and ends and takes `ms` (real timers: the order is what counts). */
function recorder() {
  const events: string[] = [];
  let running = 0;
  let most = 0;
  const task = (ms: (item: string) => number, fail?: string) => async (item: string) => {
    events.push(`start ${item}`);
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, ms(item)));
    running--;
    events.push(`end ${item}`);
    if (item === fail) throw new Error(`${item} failed`);
  };
  return { events, task, most: () => most };
}

describe('runInDependencyOrder', () => {
  // parent <- child; big is a slow unrelated root; small's child may start before big ends.
  const deps: Record<string, string[]> = { big: [], parent: [], child: ['parent'], grandchild: ['child'], other: ['big'] };

  it('starts an item as soon as what it depends on has finished, not when a whole level has', async () => {
    const r = recorder();
    await runInDependencyOrder(
      ['big', 'parent', 'child', 'grandchild', 'other'],
      (x) => deps[x]!,
      2,
      r.task((x) => (x === 'big' ? 200 : 5)),
    );
    const at = (e: string) => r.events.indexOf(e);
    expect(at('start child')).toBeGreaterThan(at('end parent'));
    expect(at('start grandchild')).toBeGreaterThan(at('end child'));
    // The chain ran beside the slow root instead of waiting for it.
    expect(at('end grandchild')).toBeLessThan(at('end big'));
    expect(at('start other')).toBeGreaterThan(at('end big'));
    expect(r.most()).toBe(2);
  });

  it('stops starting items after a failure, lets the running ones finish, then throws it', async () => {
    const r = recorder();
    const run = runInDependencyOrder(
      ['big', 'parent', 'child', 'grandchild', 'other'],
      (x) => deps[x]!,
      2,
      r.task((x) => (x === 'big' ? 40 : 5), 'parent'),
    );
    await expect(run).rejects.toThrow('parent failed');
    expect(r.events).toContain('end big');
    expect(r.events.filter((e) => e.startsWith('start'))).toEqual(['start big', 'start parent']);
  });

  it('refuses a cycle instead of waiting forever, and ignores dependencies outside the list and on itself', async () => {
    const r = recorder();
    await expect(
      runInDependencyOrder(
        ['a', 'b'],
        (x) => (x === 'a' ? ['b'] : ['a']),
        2,
        r.task(() => 1),
      ),
    ).rejects.toThrow('dependency cycle');
    await runInDependencyOrder(
      ['a'],
      () => ['a', 'elsewhere'],
      2,
      r.task(() => 1),
    );
    expect(r.events).toEqual(['start a', 'end a']);
  });

  it('asks a limit function again as tasks end: one at a time until it says more', async () => {
    const r = recorder();
    let wide = false;
    const items = ['a', 'b', 'c', 'd', 'e', 'f'];
    const run = runInDependencyOrder(
      items,
      () => [],
      () => (wide ? 3 : 1),
      r.task(() => 20),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Narrow so far: every task ended before the next started.
    const narrow = [...r.events];
    expect(r.most()).toBe(1);
    expect(narrow.filter((e) => e.startsWith('start')).length).toBeGreaterThan(0);
    wide = true;
    await run;
    expect(r.most()).toBe(3);
    expect(r.events.filter((e) => e.startsWith('end'))).toHaveLength(items.length);
  });
});

describe('runLimited', () => {
  it('starts nothing more after the first failure, lets the running ones finish, then throws that failure', async () => {
    const r = recorder();
    const run = runLimited(
      ['a', 'b', 'c', 'd', 'e'],
      2,
      r.task((x) => (x === 'a' ? 1 : 50), 'a'),
    );
    await expect(run).rejects.toThrow('a failed');
    expect(r.events).toEqual(['start a', 'start b', 'end a', 'end b']);
  });
});
