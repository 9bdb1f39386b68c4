import type { DatabaseTarget } from '../config/profile-schema.ts';
import { databaseError, isStatementTimeout } from '../pools/database-error.ts';
import type { QueryDatabaseError } from './query-types.ts';

/**
 * One database's failure as the result carries it: the console's code and sentence (the same mapping
 * as every other call: unreachable, shut down, authentication...), and PostgreSQL's SQLSTATE when the
 * server sent one. A statement timeout says which timeout ran out and how to raise it for a run.
 */
export function describeQueryError(target: DatabaseTarget, error: unknown, statementTimeoutMs: number): QueryDatabaseError {
  const raw = error as { code?: unknown; message?: unknown };
  const sqlstate = typeof raw.code === 'string' && /^[0-9A-Z]{5}$/.test(raw.code) ? raw.code : null;
  if (isStatementTimeout(error)) {
    const seconds = statementTimeoutMs / 1000;
    return {
      code: 'DATABASE_ERROR',
      sqlstate,
      message: `${target.name} did not finish within the run's statement timeout (${seconds} s). Give the run a longer timeout (the profile's pool.statementTimeoutMs is the default), or narrow the query.`,
    };
  }
  const described = databaseError(target, error);
  return { code: described.code, sqlstate, message: described.message };
}
