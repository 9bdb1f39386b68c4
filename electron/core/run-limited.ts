/**
 * How many statements one page may run at once on a pool: all its connections but one, which stays for
 * whatever else the console asks meanwhile. More would queue in the pool, past its connect timeout on a
 * slow database, and be reported as an unreachable server.
 */
export function poolShare(pool: { readonly options: { readonly max?: number | undefined } }): number {
  return Math.max(1, (pool.options.max ?? 10) - 1);
}

/**
 * Runs tasks with at most `limit` at once: a pool's connections are shared, so fan-outs must queue here,
 * not in the pool. The first failure stops new starts (a page's other counts would otherwise run on,
 * unwatched, holding connections the operator's retry waits for); the ones running finish, then it is thrown.
 */
export async function runLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const workers = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (failure === null && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  });
  await Promise.all(workers);
  if (failure !== null) throw (failure as { error: unknown }).error;
}

/**
 * Runs tasks at most `limit` at once, each only after every item it comes `after` has finished (items
 * not in the list do not count): a dependency order, with no barrier between "levels". Among the items
 * ready to start, the earliest in `items` goes first. The first failure stops new starts; the ones
 * running finish, then it is thrown. A `limit` function is asked again whenever a task ends.
 */
export async function runInDependencyOrder<T>(
  items: readonly T[],
  after: (item: T) => readonly T[],
  limit: number | (() => number),
  task: (item: T) => Promise<void>,
): Promise<void> {
  const listed = new Set(items);
  const finished = new Set<T>();
  const waiting = [...items];
  let running = 0;
  let failure: { error: unknown } | null = null;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      const wanted = typeof limit === 'function' ? limit() : limit;
      const cap = Number.isFinite(wanted) ? Math.max(1, wanted) : 1;
      for (let i = 0; failure === null && i < waiting.length && running < cap; ) {
        const item = waiting[i]!;
        if (!after(item).every((d) => d === item || finished.has(d) || !listed.has(d))) {
          i++;
          continue;
        }
        waiting.splice(i, 1);
        running++;
        task(item)
          .then(
            () => finished.add(item),
            (error: unknown) => (failure ??= { error }),
          )
          .finally(() => {
            running--;
            pump();
          });
      }
      if (running > 0) return;
      if (failure !== null) reject(failure.error);
      else if (waiting.length) reject(new Error(`dependency cycle: ${waiting.length} item(s) can never start`));
      else resolve();
    };
    pump();
  });
}
