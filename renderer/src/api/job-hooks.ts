import { useCallback, useEffect, useRef, useState } from 'react';
import type { Job, JobProgressEvent, MethodName, MethodParams, MethodResult } from '../../../shared/contract.ts';
import { listNeedsPolling, nextProgress } from '../view/job-list.ts';
import { ApiError, call } from './client.ts';
import { readAgainAfterJob, useQuery } from './hooks.ts';
import { usePolling } from './use-polling.ts';

const ELSEWHERE_POLL_MS = 2000;
/** Refusals a second read would only repeat. */
const FINAL_CODES = new Set(['JOB_NOT_FOUND', 'PROFILE_CHANGED', 'UNAUTHORIZED']);

/** Every job of every kind; read again on every visit, and every 2 s while another console runs one (this console's follow their events). */
export function useJobList() {
  const list = useQuery('jobs.list', {}, { fresh: true });
  usePolling(list.refetch, listNeedsPolling(list.data?.jobs ?? []), ELSEWHERE_POLL_MS);
  return list;
}

/**
 * An `onEvent` for a job page: its detail read again when the job reaches a new phase, and at most once
 * every `everyMs` within one (a load reports every batch of rows: a read each would keep the primary
 * answering back to back for as long as the job runs).
 */
export function refetchOnPhase(refetch: () => void, everyMs: number, now: () => number = Date.now): (event: JobProgressEvent) => void {
  let last = { phase: '', at: Number.NEGATIVE_INFINITY };
  return (event) => {
    const at = now();
    if (event.phase === last.phase && at - last.at < everyMs) return;
    last = { phase: event.phase, at };
    refetch();
  };
}

export interface LiveJob {
  /** The job as last known: from jobs.watch's answer, or jobs.get while it runs in another console. */
  readonly job: Job | null;
  /** The newest progress event, when it arrived, and the one before it (for a rate). */
  readonly progress: JobProgressEvent | null;
  readonly progressAt: number | null;
  readonly earlier: { event: JobProgressEvent; at: number } | null;
  /** True while this console runs the job and its events arrive (no polling then). */
  readonly following: boolean;
  readonly error: unknown;
}

type LiveHandlers = { onEvent?: (event: JobProgressEvent) => void; onEnd?: (job: Job) => void };
const NOT_FOLLOWED: LiveJob = { job: null, progress: null, progressAt: null, earlier: null, following: false, error: undefined };

/**
 * Follows a job: when this console runs it, by its events (jobs.watch), with no polling; when another
 * console runs it, by asking jobs.get every two seconds until it stops. `onEvent` sees each event
 * (a page refreshes its detail on a new phase); `onEnd` once the job has ended.
 */
export function useLiveJob(
  jobId: string | null,
  handlers: LiveHandlers = {},
  /** Followed again when it changes: a job page passes the job's state, so a job resumed there (running again) is followed, its Stop shown. */
  again: string | undefined = undefined,
): LiveJob {
  const [state, setState] = useState<LiveJob>(NOT_FOLLOWED);
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    // A job no longer followed (or another one) starts from nothing: never the last job's frozen events.
    setState(NOT_FOLLOWED);
    if (jobId === null) return;
    return followJob(jobId, setState, () => latest.current);
    // `again` is in the dependencies only as a reason to follow the job anew.
  }, [jobId, again]);
  return state;
}

/** Follows one job until it ends (useLiveJob's effect); returns what stops following it. */
function followJob(jobId: string, setState: (update: (s: LiveJob) => LiveJob) => void, handlers: () => LiveHandlers): () => void {
  const controller = new AbortController();
  let timer: number | undefined;
  // Seen running while followed here: its end may have changed what other pages show (a website's shard).
  let sawRunning = false;
  const onEvent = (event: JobProgressEvent) => {
    if (controller.signal.aborted) return;
    sawRunning = true;
    setState((s) => ({ ...s, following: true, ...nextProgress(s, event, Date.now()) }));
    handlers().onEvent?.(event);
  };
  // After a lost stream, a job of this console is read like one of another's until it ends.
  let streamLost = false;
  const settle = (job: Job) => {
    // An answer after the page stopped following (the desktop's watch answers its abort with the job):
    // it would overwrite the next job's state, and its poll would outlive the page.
    if (controller.signal.aborted) return;
    setState((s) => ({ ...s, job, following: false, progress: job.progress ?? s.progress }));
    // Running here by now (resumed from this page, the run taken up a moment after the answer): followed by its events.
    if (job.here && job.state === 'running' && !streamLost) {
      sawRunning = true;
      watch();
      return;
    }
    if ((job.live && !job.here) || (streamLost && job.state === 'running')) {
      sawRunning = true;
      timer = window.setTimeout(poll, ELSEWHERE_POLL_MS);
      return;
    }
    // Every page reads again what the job changed when next shown, whichever page watched it end.
    if (sawRunning) readAgainAfterJob(job);
    handlers().onEnd?.(job);
  };
  // A failed read is shown and tried again: the row never freezes on its last answer.
  const poll = () =>
    void call('jobs.get', { jobId }, { signal: controller.signal }).then(settle, (error: unknown) => {
      if (controller.signal.aborted) return;
      setState((s) => ({ ...s, error }));
      // An answer that will not change (no such job, another profile open) ends the polling.
      if (!(error instanceof ApiError && FINAL_CODES.has(error.code))) timer = window.setTimeout(poll, ELSEWHERE_POLL_MS);
    });
  const watch = () =>
    void call('jobs.watch', { jobId }, { signal: controller.signal, onEvent }).then(settle, (error: unknown) => {
      if (controller.signal.aborted) return;
      streamLost = true;
      setState((s) => ({ ...s, error, following: false }));
      poll();
    });
  watch();
  return () => {
    controller.abort();
    window.clearTimeout(timer);
  };
}

export interface StreamedCall<M extends MethodName> {
  readonly data: MethodResult<M> | undefined;
  readonly error: unknown;
  readonly running: boolean;
  readonly progress: JobProgressEvent | null;
  /** Runs the call again (a refresh). */
  readonly run: () => void;
  /** Stops the call in flight: the console cancels its statements. */
  readonly cancel: () => void;
}

/**
 * A call that reports progress while it runs (a size scan): its events shown as they come, and a
 * Cancel that stops it on the server. The answer is kept until the next run.
 */
export function useStreamedCall<M extends MethodName>(method: M, params: MethodParams<M>, key: string): StreamedCall<M> {
  const [state, setState] = useState<{ data: MethodResult<M> | undefined; error: unknown; running: boolean; progress: JobProgressEvent | null }>({
    data: undefined,
    error: undefined,
    running: false,
    progress: null,
  });
  const controller = useRef<AbortController | null>(null);
  const paramsRef = useRef(params);
  paramsRef.current = params;
  const run = useCallback(() => {
    controller.current?.abort();
    const mine = new AbortController();
    controller.current = mine;
    setState((s) => ({ ...s, running: true, error: undefined, progress: null }));
    call(method, paramsRef.current, { signal: mine.signal, onEvent: (event) => setState((s) => ({ ...s, progress: event as JobProgressEvent })) }).then(
      (data) => controller.current === mine && setState({ data, error: undefined, running: false, progress: null }),
      (error: unknown) => controller.current === mine && setState((s) => ({ ...s, error, running: false })),
    );
  }, [method, key]);
  useEffect(() => {
    run();
    return () => controller.current?.abort();
  }, [run]);
  const cancel = useCallback(() => controller.current?.abort(), []);
  return { ...state, run, cancel };
}
