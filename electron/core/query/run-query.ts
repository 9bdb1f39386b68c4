import { randomUUID } from 'node:crypto';
import type { CallContext } from '../call-context.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { DatabaseCursor, GRID_MAX_BYTES, GRID_PAGES, GRID_RUN_MAX_BYTES, SharedBytes } from './database-cursor.ts';
import { describeQueryError } from './describe-query-error.ts';
import type { QueryEngine } from './query-engine.ts';
import { QueryResultBuilder } from './query-result-builder.ts';
import { QueryRun } from './query-run.ts';
import { readOnlySettings, rowLimit } from './query-settings.ts';
import type { QueryEvent, QueryRequest } from './query-types.ts';
import type { ReadOnlySettings } from './read-only-session.ts';
import { resolveQueryTargets } from './resolve-query-targets.ts';
import { guardStatement, type GuardedStatement } from './sql-statement-guard.ts';

/**
 * Runs one guarded statement on every database of the target at once, each on its own query pool in a
 * READ ONLY transaction, streaming per database `columns`, `rows` and `done` through `call.emit` as they
 * arrive. A database that fails (error, timeout, unreachable, stopped mid-run) gets its error in its
 * `done`; the others' rows stand. Resolves, once every database is done, to the open run: its merged
 * result, and the cursors of truncated databases kept for "fetch more". Aborting the call cancels every
 * statement still running on the servers and rejects with the signal's reason; nothing stays open.
 */
export async function runQuery(engine: QueryEngine, call: CallContext<QueryEvent>, request: QueryRequest): Promise<QueryRun> {
  const statement = guardStatement(request.sql);
  const limit = rowLimit(request.limit);
  const settings = readOnlySettings(engine.ctx.profile, { timeoutSeconds: request.timeoutSeconds, keepOpenMs: engine.keepOpenMs });
  const plan = await resolveQueryTargets(engine.ctx, request.target, statement);
  await engine.openRuns.makeRoom(plan.databases.map((d) => d.name));
  call.signal.throwIfAborted();
  const started = performance.now();
  const builder = new QueryResultBuilder();
  const emit = (event: QueryEvent) => {
    builder.add(event);
    if (!call.signal.aborted) call.emit(event);
  };
  const shared = new SharedBytes(GRID_RUN_MAX_BYTES);
  const opened = await Promise.all(
    plan.databases.map((target) => firstPage({ engine, target, statement, values: plan.values, settings, limit, signal: call.signal, emit, started, shared })),
  );
  const cursors = opened.filter((c): c is DatabaseCursor => c !== null);
  if (call.signal.aborted) {
    await Promise.allSettled(cursors.map((c) => c.close()));
    throw call.signal.reason;
  }
  const result = builder.result(plan.databases.map((d) => d.name));
  const run = new QueryRun({
    id: randomUUID(),
    request,
    statement,
    plan,
    settings,
    limit,
    result,
    union: builder.union,
    cursors,
    keepOpenMs: engine.keepOpenMs,
  });
  engine.openRuns.add(run);
  return run;
}

interface FirstPage {
  readonly engine: QueryEngine;
  readonly target: DatabaseTarget;
  readonly statement: GuardedStatement;
  readonly values: readonly unknown[];
  readonly settings: ReadOnlySettings;
  readonly limit: number;
  readonly signal: AbortSignal;
  readonly emit: (event: QueryEvent) => void;
  readonly started: number;
  readonly shared: SharedBytes;
}

/** One database's part of a run; its cursor when rows are left for "fetch more", null otherwise. Never throws. */
async function firstPage(p: FirstPage): Promise<DatabaseCursor | null> {
  const name = p.target.name;
  let cursor: DatabaseCursor | null = null;
  let rows = 0;
  const ms = () => Math.round(performance.now() - p.started);
  try {
    cursor = await DatabaseCursor.open(p.engine.pools.pool(p.target), p.target, p.statement, p.values, {
      settings: p.settings,
      typeNames: p.engine.typeNames,
      signal: p.signal,
    });
    p.emit({ type: 'columns', database: name, columns: cursor.columns });
    const read = await cursor.read(p.limit, {
      pages: GRID_PAGES,
      maxBytes: GRID_MAX_BYTES,
      shared: p.shared,
      signal: p.signal,
      onRows: (page) => {
        rows += page.length;
        p.emit({ type: 'rows', database: name, rows: page });
      },
    });
    p.emit({ type: 'done', outcome: { name, rows, truncated: read.truncated, ms: ms(), error: null } });
    if (read.truncated) return cursor;
    await cursor.close();
    return null;
  } catch (error) {
    await cursor?.close();
    if (!p.signal.aborted)
      p.emit({ type: 'done', outcome: { name, rows, truncated: false, ms: ms(), error: describeQueryError(p.target, error, p.settings.statementTimeoutMs) } });
    return null;
  }
}
