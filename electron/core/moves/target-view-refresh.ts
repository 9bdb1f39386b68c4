import type { ViewRefresh } from '../../../shared/methods/move-methods.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import type { StoredJob } from './move-job-store.ts';
import { refreshMaterializedViews } from './refresh-views.ts';

/**
 * The target's materialized-view refresh, at most one per run: it starts during the copy once every
 * table the views read has been copied (or, in a job resumed by this process whose views no earlier run
 * finished, at the refresh step). The switch does not wait for it (the website's writes would, behind
 * the fence); the cleanup does, and a run that ends early lets it end first, since it holds a session.
 */
export class TargetViewRefresh {
  readonly #target: DatabaseHandle;
  readonly #catalog: DatabaseCatalog;
  readonly #mode: ViewRefresh;
  readonly #timings: Record<string, number>;
  #running: Promise<string[]> | null = null;

  constructor(target: DatabaseHandle, catalog: DatabaseCatalog, mode: ViewRefresh, timings: Record<string, number>) {
    this.#target = target;
    this.#catalog = catalog;
    this.#mode = mode;
    this.#timings = timings;
  }

  /** Starts the refresh unless one is running; its time goes into the run's timings as `refresh.target`. */
  start(): void {
    if (this.#running) return;
    const started = performance.now();
    const refreshing = refreshMaterializedViews(this.#target, this.#catalog, this.#mode).then((names) => {
      this.#timings['refresh.target'] = Math.round(performance.now() - started);
      return names;
    });
    refreshing.catch(() => {}); // awaited (and its error reported) by the cleanup, or settled on failure
    this.#running = refreshing;
  }

  /** From the refresh step on: the refresh started during the copy, or a new one if no earlier run recorded one. */
  startUnlessRecorded(job: Pick<StoredJob, 'refreshed_at' | 'target'>): void {
    if (!job.refreshed_at[job.target]) this.start();
  }

  /** Hands the running refresh to the one step that waits for it (the cleanup): the views it refreshed, or none. */
  take(): Promise<string[]> {
    const running = this.#running ?? Promise.resolve([]);
    this.#running = null;
    return running;
  }

  /** Waits for a refresh still running, whatever its outcome: the views it refreshed, or none. */
  async settled(): Promise<string[]> {
    return this.#running ? this.#running.catch(() => []) : [];
  }
}
