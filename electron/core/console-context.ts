import type { ResolvedProfile } from './config/profile-schema.ts';
import { ClusterPools } from './pools/cluster-pools.ts';
import { CatalogService } from './catalog/catalog-service.ts';
import { JobRegistry } from './jobs/job-registry.ts';

/** Everything a handler needs: the profile, its pools and the shared catalog. One per open cluster. */
export interface ConsoleContext {
  readonly profile: ResolvedProfile;
  readonly pools: ClusterPools;
  readonly catalog: CatalogService;
  /** The long work this console is running (moves, migration runs, scans): followed, stopped, listed. */
  readonly jobs: JobRegistry;
  readonly version: string;
  /**
   * Switches to a changed profile (a shard was added) without a restart: handlers read `pools` and
   * `catalog` per call, so the next call sees the new databases; the old pools close once idle.
   */
  reopen(profile: ResolvedProfile): Promise<void>;
  /** Something to close with the console (the query console's own pools), before its pools. */
  onClose(cleanup: () => Promise<void>): void;
  close(): Promise<void>;
}

export const CONSOLE_VERSION = '0.1.0';

export function openConsole(profile: ResolvedProfile, options: { onBackgroundError?: (database: string, error: Error) => void } = {}): ConsoleContext {
  const open = (next: ResolvedProfile) => {
    const pools = new ClusterPools(next, {
      applicationName: 'shard-console',
      onBackgroundError: options.onBackgroundError ?? (() => {}),
    });
    return { profile: next, pools, catalog: new CatalogService(pools) };
  };
  let current = open(profile);
  const jobs = new JobRegistry();
  const cleanups: Array<() => Promise<void>> = [];
  return Object.freeze({
    get profile() {
      return current.profile;
    },
    get pools() {
      return current.pools;
    },
    get catalog() {
      return current.catalog;
    },
    jobs,
    version: CONSOLE_VERSION,
    async reopen(next: ResolvedProfile) {
      const old = current;
      current = open(next);
      await old.pools.close();
    },
    onClose(cleanup: () => Promise<void>) {
      cleanups.push(cleanup);
    },
    async close() {
      // Jobs stop at a safe point (resumable) before their pools go away under them.
      await jobs.stopAll('the console closing');
      await Promise.allSettled(cleanups.splice(0).map((cleanup) => cleanup()));
      await current.pools.close();
    },
  });
}
