import { ConsoleError } from '../../../shared/errors.ts';
import type { CallContext } from '../call-context.ts';
import type { QueryEngine } from './query-engine.ts';
import type { QueryRun } from './query-run.ts';
import type { QueryEvent, QueryRequest, QueryResult } from './query-types.ts';
import { runQuery } from './run-query.ts';

/** A run's answer to its caller: the merged first pages, and the id "fetch more" names. */
export interface QueryRunResult extends QueryResult {
  readonly runId: string;
  /** Databases with rows waiting in an open cursor. */
  readonly open: readonly string[];
}

/**
 * One editor's runs (a window, a CLI invocation): at most one run holds cursors open at a time, so a
 * session never takes more than one connection per database from the query pools; a new run closes
 * the one it replaces before it starts.
 */
export class QuerySession {
  readonly #engine: QueryEngine;
  #current: QueryRun | null = null;
  /** Counts runs started, so a run that a newer one replaced while it was still running closes at once. */
  #started = 0;

  constructor(engine: QueryEngine) {
    this.#engine = engine;
  }

  async run(call: CallContext<QueryEvent>, request: QueryRequest): Promise<QueryRunResult> {
    const mine = ++this.#started;
    await this.close();
    const run = await runQuery(this.#engine, call, request);
    if (mine !== this.#started) await run.close();
    else this.#current = run;
    return { runId: run.id, open: run.openDatabases, ...run.result };
  }

  async fetchMore(call: CallContext<QueryEvent>, runId: string, options: { databases?: readonly string[]; limit?: number } = {}): Promise<QueryRunResult> {
    const run = this.#current;
    if (!run || run.id !== runId) {
      throw new ConsoleError('ACTION_NOT_ALLOWED', `Run ${runId} is no longer open (a newer run replaced it, or it was closed). Run the query again.`, {
        target: runId,
      });
    }
    let result: QueryResult;
    try {
      result = await run.fetchMore(call, options);
    } finally {
      this.#engine.openRuns.touch(run);
    }
    return { runId, open: run.openDatabases, ...result };
  }

  /** Closes the open run's cursors, if any. */
  async close(): Promise<void> {
    const run = this.#current;
    this.#current = null;
    await run?.close();
  }
}
