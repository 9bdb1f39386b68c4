import type { ClusterPools } from '../pools/cluster-pools.ts';
import type { DatabaseCatalog } from './database-catalog.ts';
import { introspectDatabase } from './introspect-database.ts';
import { classifyTables } from './tenant-tables.ts';

/**
 * How long a database's catalog is used before it is read again: schemas also change behind the console
 * (the application's own deploys run migrations), and a page reading a table by a stale catalog would
 * miss a new tenant table or fail on a dropped one.
 */
export const CATALOG_MAX_AGE_MS = 60_000;

/**
 * The one catalog every capability reads (sizes, moves, drift): introspected per database on first use
 * and cached for a minute (or until `refresh`, or `invalidate`: the console's own migrations), since
 * schema changes are rare and introspection costs four catalog scans. Whatever changes data reads it
 * fresh (`refresh`).
 */
export class CatalogService {
  readonly #pools: ClusterPools;
  readonly #cache = new Map<string, { loading: Promise<DatabaseCatalog>; at: number }>();
  readonly #maxAgeMs: number;

  constructor(pools: ClusterPools, options: { maxAgeMs?: number } = {}) {
    this.#pools = pools;
    this.#maxAgeMs = options.maxAgeMs ?? CATALOG_MAX_AGE_MS;
  }

  get(database: string, options: { refresh?: boolean } = {}): Promise<DatabaseCatalog> {
    const cached = this.#cache.get(database);
    if (cached && !options.refresh && performance.now() - cached.at < this.#maxAgeMs) return cached.loading;
    const entry = { loading: this.#load(database), at: performance.now() };
    this.#cache.set(database, entry);
    // A failed load (unreachable database) must not poison the cache.
    entry.loading.catch(() => {
      if (this.#cache.get(database) === entry) this.#cache.delete(database);
    });
    return entry.loading;
  }

  invalidate(database?: string): void {
    if (database === undefined) this.#cache.clear();
    else this.#cache.delete(database);
  }

  async #load(database: string): Promise<DatabaseCatalog> {
    const handle = this.#pools.get(database);
    const { tables, views } = await introspectDatabase(handle);
    const profile = this.#pools.profile;
    const classified = classifyTables(tables, { tenantKeys: profile.tenantKeys, globalTables: profile.globalTables });
    return Object.freeze({
      database,
      tables: new Map(tables.map((t) => [t.name, t])),
      views: new Map(views.map((v) => [v.name, v])),
      tenantTables: classified.tenantTables,
      globalTables: classified.globalTables,
      unscopedTables: classified.unscopedTables,
    });
  }
}
