/**
 * How many tasks may run at once: a number, or `now` until `after` settles and `later` from then on
 * (work that shares the servers' CPU with something more urgent widens once that is done).
 */
export type Limit = number | { readonly now: number; readonly later: number; readonly after: Promise<unknown> };

/** Runs tasks with at most `limit` at once: a pool's connections are shared, so fan-outs must queue here, not in the pool. */
export async function runLimited<T>(items: readonly T[], limit: Limit, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const now = typeof limit === 'number' ? limit : limit.now;
  const most = typeof limit === 'number' ? limit : Math.max(limit.now, limit.later);
  const widened = typeof limit === 'number' ? Promise.resolve() : limit.after.then(() => undefined, () => undefined);
  const workers = Array.from({ length: Math.min(Math.max(1, most), items.length) }, async (_, i) => {
    if (i >= Math.max(1, now)) await widened;
    while (next < items.length) {
      const item = items[next++]!;
      await task(item);
    }
  });
  await Promise.all(workers);
}
