import { useCallback, useEffect, useRef, useState } from 'react';
import type { MethodResult, QueryTargetParam } from '../../../shared/contract.ts';
import type { ExportFormat } from '../../../shared/query-result-text.ts';
import { ApiError, call } from './client.ts';
import { useQuery } from './hooks.ts';
import { applyQueryEvent, cancelRun, startFetch, startRun } from '../view/query-results.ts';
import type { QueryResults } from '../view/query-results.ts';
import type { DatabasePlan } from '../view/query-plan.ts';

/*
 * The query page's calls: a run and its "fetch more" streamed into results as they arrive, EXPLAIN side
 * by side, the streamed export to a file, and this profile's history and saved queries. Each call that
 * runs statements carries a signal: Cancel aborts it and the server cancels them on every database.
 */

const SESSION_KEY = 'shard-console.query-session';

/** This window's query session (a new run closes the previous run's cursors); kept for the tab's life. */
export function querySession(): string {
  const stored = window.sessionStorage.getItem(SESSION_KEY);
  if (stored !== null && /^[A-Za-z0-9_-]{1,64}$/.test(stored)) return stored;
  const random = crypto.getRandomValues(new Uint32Array(3));
  const created = `w${[...random].map((n) => n.toString(36)).join('')}`;
  window.sessionStorage.setItem(SESSION_KEY, created);
  return created;
}

export const isCancelled = (error: unknown): boolean => error instanceof ApiError && error.code === 'CANCELLED';

export interface QueryRunState {
  readonly results: QueryResults | null;
  readonly runId: string | null;
  /** What is in flight: a run, a fetch-more, or nothing. */
  readonly busy: 'run' | 'fetch' | null;
  /** The call's own failure (a refused statement, a lost connection); null after a cancel. */
  readonly error: unknown;
  readonly cancelled: boolean;
}

export interface QueryRunner extends QueryRunState {
  run(sql: string, target: QueryTargetParam, limit: number, expected: readonly string[]): void;
  fetchMore(limit: number, databases: readonly string[]): void;
  cancel(): void;
}

const IDLE: QueryRunState = { results: null, runId: null, busy: null, error: null, cancelled: false };

/** A run streamed into the grid; `fetchMore` reads the next page of its truncated databases. */
export function useQueryRun(onFinished?: () => void): QueryRunner {
  const [state, setState] = useState<QueryRunState>(IDLE);
  const controller = useRef<AbortController | null>(null);
  const finished = useRef(onFinished);
  finished.current = onFinished;
  // Leaving the page stops a run in flight and gives back the cursors "fetch more" kept open.
  useEffect(
    () => () => {
      controller.current?.abort();
      void call('query.close', { session: querySession() }).catch(() => {});
    },
    [],
  );

  const follow = useCallback(
    (work: (signal: AbortSignal, onEvent: (event: Parameters<typeof applyQueryEvent>[1]) => void) => Promise<MethodResult<'query.run'>>) => {
      controller.current?.abort();
      const mine = new AbortController();
      controller.current = mine;
      const onEvent = (event: Parameters<typeof applyQueryEvent>[1]) => {
        if (controller.current === mine) setState((s) => (s.results === null ? s : { ...s, results: applyQueryEvent(s.results, event) }));
      };
      work(mine.signal, onEvent)
        .then(
          (result) => controller.current === mine && setState((s) => ({ ...s, runId: result.runId, busy: null })),
          (error: unknown) => {
            if (controller.current !== mine) return;
            const cancelled = mine.signal.aborted || isCancelled(error);
            setState((s) => ({ ...s, busy: null, cancelled, error: cancelled ? null : error, results: s.results === null ? null : cancelRun(s.results) }));
          },
        )
        .finally(() => finished.current?.());
    },
    [],
  );

  const run = useCallback<QueryRunner['run']>(
    (sql, target, limit, expected) => {
      setState({ results: startRun(expected), runId: null, busy: 'run', error: null, cancelled: false });
      follow((signal, onEvent) => call('query.run', { sql, target, limit, session: querySession() }, { signal, onEvent }));
    },
    [follow],
  );

  const fetchMore = useCallback<QueryRunner['fetchMore']>(
    (limit, databases) => {
      setState((s) =>
        s.runId === null || s.results === null ? s : { ...s, busy: 'fetch', error: null, cancelled: false, results: startFetch(s.results, databases) },
      );
      const runId = state.runId;
      if (runId === null) return;
      follow((signal, onEvent) => call('query.fetchMore', { runId, databases: [...databases], limit, session: querySession() }, { signal, onEvent }));
    },
    [follow, state.runId],
  );

  const cancel = useCallback(() => controller.current?.abort(), []);
  return { ...state, run, fetchMore, cancel };
}

export interface ExplainState {
  readonly plans: readonly DatabasePlan[];
  readonly analyze: boolean;
  readonly running: boolean;
  readonly error: unknown;
  /** The databases asked, for the side-by-side order. */
  readonly order: readonly string[];
}

/** EXPLAIN (or EXPLAIN ANALYZE) on every database of the target, each plan shown as it arrives. */
export function useExplain() {
  const [state, setState] = useState<ExplainState | null>(null);
  const controller = useRef<AbortController | null>(null);
  useEffect(() => () => controller.current?.abort(), []);
  const explain = useCallback((sql: string, target: QueryTargetParam, analyze: boolean, order: readonly string[]) => {
    controller.current?.abort();
    const mine = new AbortController();
    controller.current = mine;
    setState({ plans: [], analyze, running: true, error: null, order });
    const onEvent = (event: { plan: DatabasePlan }) =>
      setState((s) => (s === null || controller.current !== mine ? s : { ...s, plans: [...s.plans.filter((p) => p.name !== event.plan.name), event.plan] }));
    call('query.explain', { sql, target, analyze }, { signal: mine.signal, onEvent }).then(
      (result) => controller.current === mine && setState((s) => s && { ...s, plans: result.databases, running: false }),
      (error: unknown) =>
        controller.current === mine && setState((s) => s && { ...s, running: false, error: mine.signal.aborted || isCancelled(error) ? null : error }),
    );
  }, []);
  const cancel = useCallback(() => controller.current?.abort(), []);
  const close = useCallback(() => {
    controller.current?.abort();
    setState(null);
  }, []);
  return { state, explain, cancel, close };
}

export interface FileExportState {
  readonly file: string;
  readonly running: boolean;
  /** Rows written so far per database, from the export's progress events. */
  readonly written: Readonly<Record<string, number>>;
  readonly result: MethodResult<'query.export'> | null;
  readonly error: unknown;
  readonly cancelled: boolean;
}

/** Every row of the target streamed to a file on the machine running the console, with progress per database. */
export function useFileExport() {
  const [state, setState] = useState<FileExportState | null>(null);
  const controller = useRef<AbortController | null>(null);
  useEffect(() => () => controller.current?.abort(), []);
  const start = useCallback((sql: string, target: QueryTargetParam, file: string, format: ExportFormat, overwrite = false) => {
    controller.current?.abort();
    const mine = new AbortController();
    controller.current = mine;
    setState({ file, running: true, written: {}, result: null, error: null, cancelled: false });
    const onEvent = (event: { database: string; rowsWritten: number }) =>
      setState((s) => s && { ...s, written: { ...s.written, [event.database]: event.rowsWritten } });
    call('query.export', { sql, target, file, format, overwrite }, { signal: mine.signal, onEvent }).then(
      (result) => controller.current === mine && setState((s) => s && { ...s, running: false, result }),
      (error: unknown) => {
        if (controller.current !== mine) return;
        const cancelled = mine.signal.aborted || isCancelled(error);
        setState((s) => s && { ...s, running: false, cancelled, error: cancelled ? null : error });
      },
    );
  }, []);
  const cancel = useCallback(() => controller.current?.abort(), []);
  const reset = useCallback(() => setState(null), []);
  return { state, start, cancel, reset };
}

/** This profile's history and saved queries; every change re-reads them. */
export function useQueryLibrary() {
  const library = useQuery('query.history', {});
  const reload = library.refetch;
  const save = useCallback(
    async (name: string, sql: string, target: QueryTargetParam | undefined) => {
      await call('query.save', target === undefined ? { name, sql } : { name, sql, target });
      reload();
    },
    [reload],
  );
  const remove = useCallback(
    async (name: string) => {
      await call('query.deleteSaved', { name });
      reload();
    },
    [reload],
  );
  const clearHistory = useCallback(async () => {
    await call('query.clearHistory', {});
    reload();
  }, [reload]);
  return { library, reload, save, remove, clearHistory };
}

export const useCatalogTables = () => useQuery('catalog.tables', {});
