import type { ClusterPools } from '../pools/cluster-pools.ts';
import type { DatabaseCatalog } from './database-catalog.ts';
import { introspectDatabase } from './introspect-database.ts';
import { classifyTables } from './tenant-tables.ts';

/**
 * The one catalog every capability reads (sizes, moves, drift): introspected per database on first use
 * and cached until `refresh`, since schema changes are rare and introspection costs four catalog scans.
 */
export class CatalogService {
  readonly #pools: ClusterPools;
  readonly #cache = new Map<string, Promise<DatabaseCatalog>>();

  constructor(pools: ClusterPools) {
    this.#pools = pools;
  }

  get(database: string, options: { refresh?: boolean } = {}): Promise<DatabaseCatalog> {
    const cached = this.#cache.get(database);
    if (cached && !options.refresh) return cached;
    const loading = this.#load(database);
    this.#cache.set(database, loading);
    // A failed load (unreachable database) must not poison the cache.
    loading.catch(() => {
      if (this.#cache.get(database) === loading) this.#cache.delete(database);
    });
    return loading;
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
