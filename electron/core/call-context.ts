import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What every handler receives beside its params: a signal that aborts when the caller cancels (the
 * CLI's Ctrl-C, the UI's Cancel, a closed HTTP stream), an `emit` for the method's events (progress,
 * streamed result chunks), and who made the call. Long work checks the signal at safe points and
 * cancels its PostgreSQL statements when it fires.
 */
export interface CallContext<E = unknown> {
  readonly signal: AbortSignal;
  emit(event: E): void;
  /** Who started the call, for jobs and the audit log: `cli user@host`, `ui`, `http`, `test`. */
  readonly caller: string;
}

/** A context for work started outside any transport (tests, the demo): never aborts, drops events. */
export function detachedCall<E = unknown>(caller = 'internal', onEvent: (event: E) => void = () => {}): CallContext<E> {
  return { signal: new AbortController().signal, emit: onEvent, caller };
}

/*
 * The signal of the call (or job) whose work is running, carried with the async context: every
 * PostgreSQL session that work takes (pools' longSession) is cancelled when it aborts, without the
 * signal threaded through every function between the handler and the SQL.
 */
const scope = new AsyncLocalStorage<AbortSignal>();

/** Runs `work` with `signal` as the current call's signal (nested calls see the innermost one). */
export function runWithSignal<T>(signal: AbortSignal, work: () => T): T {
  return scope.run(signal, work);
}

/** The current call's signal, if the work runs inside a call or a job. */
export function currentSignal(): AbortSignal | undefined {
  return scope.getStore();
}

/** The safe-point check of long work: throws the stop's reason when the current call or job was stopped. */
export function stopIfRequested(): void {
  scope.getStore()?.throwIfAborted();
}
