/*
 * A small cache of server answers keyed by method + params. Server data lives here, not in zustand:
 * components read entries through hooks, and a refetch replaces the entry so subscribers re-render.
 */

export type QueryEntry<T> =
  | { readonly status: 'loading'; readonly data: T | undefined; readonly error: undefined }
  | { readonly status: 'success'; readonly data: T; readonly error: undefined }
  | { readonly status: 'error'; readonly data: T | undefined; readonly error: unknown };

/** Stable key: the same params in any key order map to the same entry. */
export function queryKey(method: string, params: unknown): string {
  return `${method} ${stableJson(params)}`;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export class QueryCache {
  readonly #entries = new Map<string, QueryEntry<unknown>>();
  readonly #inflight = new Map<string, Promise<void>>();
  /** Forced reads asked for while a read was in flight: one more read after it, shared by all of them. */
  readonly #queued = new Map<string, Promise<void>>();
  readonly #listeners = new Set<() => void>();
  /** Entries invalidated: shown until read again (a page keeps its table and what it said), read again on the next load. */
  readonly #stale = new Set<string>();
  readonly #maxEntries: number;
  #version = 0;

  constructor(maxEntries = 1000) {
    this.#maxEntries = maxEntries;
  }

  get version(): number {
    return this.#version;
  }

  get<T>(key: string): QueryEntry<T> | undefined {
    return this.#entries.get(key) as QueryEntry<T> | undefined;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /**
   * Starts a fetch unless one is running or (without `force`) an answer is already cached. A forced
   * read while one is in flight reads again after it: the read in flight was asked before whatever
   * made the caller force (a job that just ended), so its answer may already be stale.
   */
  load<T>(key: string, fetcher: () => Promise<T>, options: { force?: boolean } = {}): Promise<void> {
    const running = this.#inflight.get(key);
    if (running !== undefined) return options.force ? this.#after(key, running, fetcher) : running;
    const existing = this.#entries.get(key);
    if (existing !== undefined && existing.status !== 'error' && !options.force && !this.#stale.has(key)) return Promise.resolve();
    this.#stale.delete(key);
    this.#set(key, { status: 'loading', data: existing?.data, error: undefined });
    const promise = fetcher().then(
      (data) => this.#set(key, { status: 'success', data, error: undefined }),
      (error: unknown) => this.#set(key, { status: 'error', data: existing?.data, error }),
    );
    const tracked = promise.finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, tracked);
    return tracked;
  }

  #after<T>(key: string, running: Promise<void>, fetcher: () => Promise<T>): Promise<void> {
    let queued = this.#queued.get(key);
    if (queued === undefined) {
      const next = () => {
        this.#queued.delete(key);
        return this.load(key, fetcher, { force: true });
      };
      queued = running.then(next, next);
      this.#queued.set(key, queued);
    }
    return queued;
  }

  /**
   * Marks every entry whose key starts with `prefix` (a method name) stale, so the next read refetches.
   * Its data stays until then: a page refetching after an action keeps its rows (and their buttons, with
   * what the action said) instead of falling back to a spinner.
   */
  invalidate(prefix = ''): void {
    for (const key of this.#entries.keys()) if (key.startsWith(prefix)) this.#stale.add(key);
    this.#notify();
  }

  /** Whether the entry was invalidated and not read again since. */
  isStale(key: string): boolean {
    return this.#stale.has(key);
  }

  #set(key: string, entry: QueryEntry<unknown>): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
      this.#stale.delete(oldest);
    }
    this.#notify();
  }

  #notify(): void {
    this.#version += 1;
    for (const listener of this.#listeners) listener();
  }
}
