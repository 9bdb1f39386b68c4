import { ConsoleError } from '../../../shared/errors.ts';
import type { CallContext } from '../call-context.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { describeQueryError } from './describe-query-error.ts';
import type { QueryEngine } from './query-engine.ts';
import { readOnlySettings } from './query-settings.ts';
import type { QueryDatabaseError, QueryTarget } from './query-types.ts';
import { ReadOnlySession, type ReadOnlySettings } from './read-only-session.ts';
import { resolveQueryTargets } from './resolve-query-targets.ts';
import { guardStatement, type GuardedStatement } from './sql-statement-guard.ts';

export interface ExplainRequest {
  /** The statement itself (SELECT …), not an EXPLAIN. */
  readonly sql: string;
  readonly target: QueryTarget;
  /** EXPLAIN ANALYZE: runs the statement (inside the READ ONLY transaction) to time it. */
  readonly analyze?: boolean;
  readonly timeoutSeconds?: number;
}

/** One database's plan, side by side with the others'. */
export interface DatabasePlan {
  readonly name: string;
  /** PostgreSQL's EXPLAIN (FORMAT JSON) output as it is: `[{"Plan": {...}, "Planning Time": ...}]`. */
  readonly plan: unknown;
  /** The top node's estimated total cost and rows. */
  readonly totalCost: number | null;
  readonly planRows: number | null;
  /** With ANALYZE: the statement's execution and planning time on the server (ms); null without. */
  readonly executionMs: number | null;
  readonly planningMs: number | null;
  /** From the call's start until this database's plan came back. */
  readonly ms: number;
  readonly error: QueryDatabaseError | null;
}

export interface ExplainEvent {
  readonly type: 'plan';
  readonly plan: DatabasePlan;
}

/**
 * EXPLAIN (FORMAT JSON) of one read on every database of the target at once, each plan emitted as it
 * arrives; with `analyze`, EXPLAIN ANALYZE, which runs the statement: still inside a READ ONLY
 * transaction with the run's timeout, and the guard allows it for reads only. Aborting cancels them.
 */
export async function explainQuery(engine: QueryEngine, call: CallContext<ExplainEvent>, request: ExplainRequest): Promise<{ databases: DatabasePlan[] }> {
  const analyze = request.analyze === true;
  const statement = guardStatement(request.sql, { analyze });
  if (statement.kind !== 'query') {
    throw new ConsoleError(
      'INVALID_PARAMS',
      `Explain takes the statement itself (SELECT, WITH … SELECT, VALUES or TABLE), not ${statement.kind === 'show' ? 'SHOW' : 'an EXPLAIN'}: remove the leading keyword.`,
    );
  }
  const options = analyze ? 'FORMAT JSON, ANALYZE, BUFFERS' : 'FORMAT JSON';
  // Guarded again as a whole: what is sent is exactly what the guard allowed.
  const explain = guardStatement(`EXPLAIN (${options}) ${statement.text}`, { analyze });
  const settings = readOnlySettings(engine.ctx.profile, { timeoutSeconds: request.timeoutSeconds, keepOpenMs: engine.keepOpenMs });
  const plan = await resolveQueryTargets(engine.ctx, request.target, statement);
  await engine.openRuns.makeRoom(plan.databases.map((d) => d.name));
  call.signal.throwIfAborted();
  const started = performance.now();
  const databases = await Promise.all(
    plan.databases.map(async (target) => {
      const result = await explainOn(engine, target, explain, plan.values, settings, call.signal, started);
      if (!call.signal.aborted) call.emit({ type: 'plan', plan: result });
      return result;
    }),
  );
  call.signal.throwIfAborted();
  return { databases };
}

async function explainOn(
  engine: QueryEngine,
  target: DatabaseTarget,
  explain: GuardedStatement,
  values: readonly unknown[],
  settings: ReadOnlySettings,
  signal: AbortSignal,
  started: number,
): Promise<DatabasePlan> {
  const ms = () => Math.round(performance.now() - started);
  let session: ReadOnlySession | null = null;
  try {
    session = await ReadOnlySession.open(engine.pools.pool(target), target, settings, signal);
    const result = await session.execute(explain.text, values, signal);
    const plan = JSON.parse(String(result.rows[0]?.[0])) as unknown;
    return { name: target.name, ...planSummary(plan), ms: ms(), error: null };
  } catch (error) {
    const empty = { plan: null, totalCost: null, planRows: null, executionMs: null, planningMs: null };
    return { name: target.name, ...empty, ms: ms(), error: signal.aborted ? null : describeQueryError(target, error, settings.statementTimeoutMs) };
  } finally {
    await session?.close();
  }
}

function planSummary(plan: unknown): Omit<DatabasePlan, 'name' | 'ms' | 'error'> {
  const top = (Array.isArray(plan) ? plan[0] : null) as Record<string, unknown> | null;
  const node = (top?.Plan ?? null) as Record<string, unknown> | null;
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    plan,
    totalCost: num(node?.['Total Cost']),
    planRows: num(node?.['Plan Rows']),
    executionMs: num(top?.['Execution Time']),
    planningMs: num(top?.['Planning Time']),
  };
}
