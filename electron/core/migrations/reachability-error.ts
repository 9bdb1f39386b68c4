import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { databaseError } from '../pools/database-error.ts';

/**
 * databaseError, plus the server-side ways of saying "not reachable right now": a server shutting
 * down (57P01-57P03) or a broken connection (class 08) is a database to retry later, not a failed
 * migration, and the matrix shows it as unreachable.
 */
export function reachabilityError(target: DatabaseTarget, error: unknown): ConsoleError {
  const mapped = databaseError(target, error);
  const cause = mapped === error ? (mapped.cause as { code?: unknown } | undefined) : (error as { code?: unknown });
  const code = typeof cause?.code === 'string' ? cause.code : '';
  if (mapped.code !== 'DATABASE_ERROR' || !/^(08|57P0)/.test(code)) return mapped;
  const where = `${target.name} (${target.host}:${target.port}/${target.database})`;
  const message =
    `${where} is shutting down or dropped the connection: ${(cause as Error).message ?? code} (SQLSTATE ${code}). ` +
    'Check that the server is running, then run again.';
  return new ConsoleError('DATABASE_UNREACHABLE', message, { target: target.name, cause: error });
}
