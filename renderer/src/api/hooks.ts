import { useCallback, useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { Job, MethodName, MethodParams, MethodResult } from '../../../shared/contract.ts';
import { call } from './client.ts';
import { QueryCache, queryKey } from './query-cache.ts';
import type { QueryEntry } from './query-cache.ts';

/** One cache per window: every hook below reads and fills it. */
export const queryCache = new QueryCache();

/** The answers each kind of change makes stale, by method-name prefix. */
const CHANGED_BY = {
  /** A move or a restore: where websites live, how big each database is, what the doctor finds, the job lists. */
  placement: ['tenants.', 'cluster.overview', 'shards.', 'doctor.', 'moves.list', 'restores.list', 'jobs.list'],
  /** A migration run: the schemas, their drift, the status matrix, and the sizes and checks that read them. */
  schema: ['cluster.overview', 'migrations.status', 'schema.', 'shards.', 'doctor.', 'tenants.'],
  /** A shard added: every page has another database. */
  cluster: [''],
} as const;

/** After a change made through the console: every page that shows what it changed reads again when next shown. */
export function readAgainAfter(change: keyof typeof CHANGED_BY): void {
  for (const prefix of CHANGED_BY[change]) queryCache.invalidate(prefix);
}

/** What a job of this kind may have changed once it ended (a move or restore: placement; a migration run: schemas). */
export function readAgainAfterJob(job: Pick<Job, 'kind'>): void {
  if (job.kind === 'move' || job.kind === 'restore') readAgainAfter('placement');
  else if (job.kind === 'migration') readAgainAfter('schema');
}

/**
 * `readAgainAfter(change)` once a job this page shows finishes (`state` succeeded or rolled back) while
 * the page watches: a job that had ended before it was opened changed nothing since.
 */
export function useReadAgainWhenFinished(change: keyof typeof CHANGED_BY, state: string | undefined): void {
  const finished = state === 'succeeded' || state === 'rolled_back';
  const sawItRunning = useRef(false);
  if (state !== undefined && !finished) sawItRunning.current = true;
  useEffect(() => {
    if (finished && sawItRunning.current) readAgainAfter(change);
  }, [finished, change]);
}

export interface QueryState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  refetch: () => void;
}

function fetchInto<M extends MethodName>(method: M, params: MethodParams<M>, force = false): Promise<void> {
  return queryCache.load(queryKey(method, params), () => call(method, params), { force });
}

/**
 * The answer to one call, fetched on first use and shared by every component asking the same thing.
 * `fresh`: read again on every mount even when an answer is cached (what may have changed elsewhere);
 * one read either way, where a refetch after mounting would add a second behind the first.
 */
export function useQuery<M extends MethodName>(
  method: M,
  params: MethodParams<M>,
  options: { enabled?: boolean; fresh?: boolean } = {},
): QueryState<MethodResult<M>> {
  const enabled = options.enabled ?? true;
  const fresh = options.fresh ?? false;
  const key = queryKey(method, params);
  // The key captures params by value, so callers may pass a fresh object literal on every render.
  const stableParams = useMemo(() => params, [key]);
  const entry = useSyncExternalStore(queryCache.subscribe, () => queryCache.get<MethodResult<M>>(key));
  useEffect(() => {
    if (enabled) void fetchInto(method, stableParams, fresh);
  }, [enabled, method, stableParams]);
  const refetch = useCallback(() => void fetchInto(method, stableParams, true), [method, stableParams]);
  return toState(entry, enabled, refetch);
}

function toState<T>(entry: QueryEntry<T> | undefined, enabled: boolean, refetch: () => void): QueryState<T> {
  return {
    data: entry?.data,
    error: entry?.status === 'error' ? entry.error : undefined,
    loading: enabled && (entry === undefined || entry.status === 'loading'),
    refetch,
  };
}

export const useSessionInfo = () => useQuery('session.info', {});
export const useClusterOverview = (options: { fresh?: boolean } = {}) => useQuery('cluster.overview', {}, options);
export const useTenantDetail = (id: number) => useQuery('tenants.detail', { id });

export type TenantListQuery = Omit<MethodParams<'tenants.list'>, 'limit' | 'offset'>;

export interface TenantPagesState {
  /** Pages by index; a missing page is not loaded yet. */
  pages: ReadonlyMap<number, QueryEntry<MethodResult<'tenants.list'>>>;
  /** From whichever loaded page answered most recently; null until the first page arrives. */
  total: number | null;
  error: unknown;
  refetch: () => void;
}

/**
 * `tenants.list` as fixed-size pages: the caller says which page indexes it needs (those around the
 * visible rows) and only those are fetched, so a list of 100,000 websites costs a few small requests.
 */
export function useTenantPages(query: TenantListQuery, pageSize: number, wanted: readonly number[]): TenantPagesState {
  const baseKey = queryKey('tenants.list', query);
  const stableQuery = useMemo(() => query, [baseKey]);
  const version = useSyncExternalStore(queryCache.subscribe, () => queryCache.version);
  const wantedKey = wanted.join(',');

  const paramsFor = useCallback(
    (page: number): MethodParams<'tenants.list'> => ({ ...stableQuery, limit: pageSize, offset: page * pageSize }),
    [stableQuery, pageSize],
  );

  useEffect(() => {
    for (const page of wantedKey === '' ? [] : wantedKey.split(',').map(Number)) void fetchInto('tenants.list', paramsFor(page));
  }, [wantedKey, paramsFor]);

  return useMemo(() => {
    const pages = new Map<number, QueryEntry<MethodResult<'tenants.list'>>>();
    let total: number | null = null;
    let error: unknown;
    for (const page of wanted) {
      const entry = queryCache.get<MethodResult<'tenants.list'>>(queryKey('tenants.list', paramsFor(page)));
      if (entry === undefined) continue;
      pages.set(page, entry);
      if (entry.data !== undefined) total = entry.data.total;
      if (entry.status === 'error' && error === undefined) error = entry.error;
    }
    const refetch = () => {
      for (const page of wanted) void fetchInto('tenants.list', paramsFor(page), true);
    };
    return { pages, total, error, refetch };
    // `version` changes whenever the cache does: it is the reason to recompute, though not read here.
  }, [version, wantedKey, paramsFor]);
}
