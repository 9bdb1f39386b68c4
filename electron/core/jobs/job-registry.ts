import { randomUUID } from 'node:crypto';
import type { JobKind, JobProgressEvent } from '../../../shared/methods/job-methods.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import { runWithSignal } from '../call-context.ts';

/** Progress as a job reports it; the registry adds the job's id and kind. */
export type ProgressReport = Omit<JobProgressEvent, 'type' | 'jobId' | 'kind'>;

/** What a job's work receives: its identity, the signal that says stop, and where to report progress. */
export interface RunningJob {
  readonly id: string;
  readonly kind: JobKind;
  readonly signal: AbortSignal;
  progress(report: ProgressReport): void;
}

export interface JobSpec {
  readonly id?: string;
  readonly kind: JobKind;
  readonly title: string;
  readonly caller: string;
  /** Called with the newest progress at most once a second and once at the end (durable kinds save it). */
  readonly persist?: (event: JobProgressEvent) => Promise<void>;
}

/** A job this console is running, as the Jobs page and `jobs.watch` see it. */
export interface JobSnapshot {
  readonly id: string;
  readonly kind: JobKind;
  readonly title: string;
  readonly caller: string;
  readonly startedAt: Date;
  readonly progress: JobProgressEvent | null;
  readonly stopping: boolean;
  /** `running` until the work ends; then how it ended (`interrupted`: stopped on request). */
  readonly state: 'running' | 'succeeded' | 'failed' | 'interrupted';
  readonly finishedAt: Date | null;
  readonly error: ErrorInfo | null;
}

interface Entry {
  snapshot: JobSnapshot;
  readonly controller: AbortController;
  readonly listeners: Set<(event: JobProgressEvent) => void>;
  readonly done: Promise<void>;
}

const PERSIST_EVERY_MS = 1_000;

/**
 * The jobs running in this console. Work is started here, so a job keeps running when the call that
 * started it returns (a UI's `moves.start`) and anyone can follow it (`jobs.watch`) or stop it
 * (`jobs.stop`, Ctrl-C): stopping aborts the job's signal, which cancels its statements on every
 * database and lets the work end at its next safe point.
 */
export class JobRegistry {
  readonly #running = new Map<string, Entry>();
  /** Jobs that ended here recently: their last snapshot, for a watcher that arrives just after the end. */
  readonly #recent = new Map<string, JobSnapshot>();
  readonly #observers = new Set<(snapshot: JobSnapshot) => void>();

  /** Told of every job this console starts and of how each ended (the log listens). */
  observe(observer: (snapshot: JobSnapshot) => void): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  start<T>(spec: JobSpec, work: (job: RunningJob) => Promise<T>): { readonly id: string; readonly done: Promise<T> } {
    const id = spec.id ?? randomUUID();
    if (this.#running.has(id)) throw new ConsoleError('JOB_BUSY', `Job ${id} is already running in this console. Follow it on the Jobs page.`, { target: id });
    const controller = new AbortController();
    const listeners = new Set<(event: JobProgressEvent) => void>();
    const snapshot: JobSnapshot = {
      id,
      kind: spec.kind,
      title: spec.title,
      caller: spec.caller,
      startedAt: new Date(),
      progress: null,
      stopping: false,
      state: 'running',
      finishedAt: null,
      error: null,
    };
    const persist = throttledPersist(spec.persist);
    const job: RunningJob = {
      id,
      kind: spec.kind,
      signal: controller.signal,
      progress: (report) => {
        const event: JobProgressEvent = { type: 'progress', jobId: id, kind: spec.kind, ...report };
        const entry = this.#running.get(id);
        if (entry) entry.snapshot = { ...entry.snapshot, progress: event };
        for (const listener of listeners) {
          try {
            listener(event);
          } catch {
            // A watcher that fails (a closed stream, an event its transport refuses) is the watcher's
            // problem, never the job's: it stops being told, the work goes on.
            listeners.delete(listener);
          }
        }
        persist.push(event);
      },
    };
    // The work runs under the job's own signal, not the starting call's: it outlives that call, and every
    // PostgreSQL session it takes is cancelled when the job is stopped.
    const result = Promise.resolve().then(() => runWithSignal(controller.signal, () => work(job)));
    const ended = (state: JobSnapshot['state'], error: unknown) => {
      const entry = this.#running.get(id);
      this.#running.delete(id);
      if (entry) this.#remember({ ...entry.snapshot, state, finishedAt: new Date(), error: error === null ? null : errorInfo(error) });
      listeners.clear();
    };
    const done = result.then(
      () => persist.flush().then(() => ended('succeeded', null)),
      // Stopped: by this registry, or by the work itself (its lock lost to another console: it ends CANCELLED).
      (error: unknown) => persist.flush().then(() => ended(controller.signal.aborted || isCancelled(error) ? 'interrupted' : 'failed', error)),
    );
    this.#running.set(id, { snapshot, controller, listeners, done });
    this.#tell(snapshot);
    return { id, done: result };
  }

  isRunning(id: string): boolean {
    return this.#running.has(id);
  }

  snapshot(id: string): JobSnapshot | null {
    return this.#running.get(id)?.snapshot ?? this.#recent.get(id) ?? null;
  }

  /** Running jobs, then those that ended here recently, newest first. */
  history(): JobSnapshot[] {
    const running = [...this.#running.values()].map((e) => e.snapshot);
    const ended = [...this.#recent.values()].filter((s) => !this.#running.has(s.id));
    return [...running, ...ended].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  }

  /** Follows a running job's progress; returns the unsubscribe, or null when it is not running here. */
  subscribe(id: string, listener: (event: JobProgressEvent) => void): (() => void) | null {
    const entry = this.#running.get(id);
    if (!entry) return null;
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }

  /** Resolves when the job has ended here (at once when it is not running here). */
  whenDone(id: string): Promise<void> {
    return this.#running.get(id)?.done ?? Promise.resolve();
  }

  /** Aborts a running job's signal; false when it is not running here. */
  stop(id: string, by: string): boolean {
    const entry = this.#running.get(id);
    if (!entry) return false;
    entry.snapshot = { ...entry.snapshot, stopping: true };
    entry.controller.abort(new ConsoleError('CANCELLED', `Stopped on request by ${by}. The job stopped at a safe point and can be resumed.`, { target: id }));
    return true;
  }

  /** Stops every job and waits for each to reach its safe point (closing the console). */
  async stopAll(by: string): Promise<void> {
    const ids = [...this.#running.keys()];
    for (const id of ids) this.stop(id, by);
    await Promise.all(ids.map((id) => this.whenDone(id)));
  }

  #tell(snapshot: JobSnapshot): void {
    for (const observer of this.#observers) {
      try {
        observer(snapshot);
      } catch {
        // an observer's failure is not the job's
      }
    }
  }

  #remember(snapshot: JobSnapshot): void {
    this.#tell(snapshot);
    this.#recent.set(snapshot.id, snapshot);
    while (this.#recent.size > 100) this.#recent.delete(this.#recent.keys().next().value!);
  }
}

const isCancelled = (error: unknown) => error instanceof ConsoleError && error.code === 'CANCELLED';

function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof ConsoleError) return error.toInfo();
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/**
 * Saves the newest event at most once a second, the last one at the end, and one held back by the
 * throttle a second later at most (a step that then runs an hour is saved as running, not as the step
 * before it); a failed save never stops the job.
 */
function throttledPersist(persist: JobSpec['persist']) {
  let pending: JobProgressEvent | null = null;
  let last = 0;
  let saving: Promise<void> = Promise.resolve();
  let later: ReturnType<typeof setTimeout> | null = null;
  const save = () => {
    if (later !== null) clearTimeout(later);
    later = null;
    if (!persist || pending === null) return saving;
    const event = pending;
    pending = null;
    last = Date.now();
    saving = saving.then(() => persist(event)).catch(() => {});
    return saving;
  };
  return {
    push(event: JobProgressEvent) {
      pending = event;
      const wait = PERSIST_EVERY_MS - (Date.now() - last);
      if (wait <= 0) void save();
      else if (later === null && persist) {
        later = setTimeout(() => void save(), wait);
        later.unref?.();
      }
    },
    flush: () => save(),
  };
}
