import type { QueryRun } from './query-run.ts';

/**
 * The runs holding cursors open for "fetch more", least recently used first. A held cursor holds one of
 * its database's few query connections, so before anything takes a connection the least recently used
 * idle runs on that database are closed until one stays free: a window left open on a truncated result
 * never blocks the next run, an explain or an export (its own "fetch more" then says the run was closed).
 */
export class OpenRunRegistry {
  readonly #connectionsPerDatabase: number;
  readonly #runs: QueryRun[] = [];

  /** `connectionsPerDatabase`: the query pool's size; runs may hold all but the one being asked for. */
  constructor(connectionsPerDatabase: number) {
    this.#connectionsPerDatabase = Math.max(1, connectionsPerDatabase);
  }

  add(run: QueryRun): void {
    if (run.openDatabases.length > 0) this.touch(run);
  }

  /** Marks a run as just used (or forgets it once nothing of it is open). */
  touch(run: QueryRun): void {
    this.#forget(run);
    if (run.openDatabases.length > 0) this.#runs.push(run);
  }

  /** Closes the least recently used idle runs holding any of `databases` until each has a connection free. */
  async makeRoom(databases: readonly string[]): Promise<void> {
    for (;;) {
      for (const run of this.#runs.filter((r) => r.openDatabases.length === 0)) this.#forget(run);
      const holding = (name: string) => this.#runs.filter((r) => r.openDatabases.includes(name));
      const full = databases.find((name) => holding(name).length >= this.#connectionsPerDatabase);
      const victim = full === undefined ? undefined : holding(full).find((r) => !r.busy);
      if (!victim) return;
      this.#forget(victim);
      await victim.close();
    }
  }

  async closeAll(): Promise<void> {
    const runs = this.#runs.splice(0);
    await Promise.allSettled(runs.map((r) => r.close()));
  }

  #forget(run: QueryRun): void {
    const at = this.#runs.indexOf(run);
    if (at !== -1) this.#runs.splice(at, 1);
  }
}
