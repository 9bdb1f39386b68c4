import type { ErrorCode } from '../../../shared/errors.ts';

/**
 * The HTTP status of each error envelope, in one place. The body is the same envelope on every
 * transport; the status lets proxies, logs and scripts (`curl --fail`) tell a refused call from a
 * successful one. A code missing here answers 500, and a test names it (test/core/http).
 */
export const HTTP_STATUS_BY_ERROR: Readonly<Record<string, number>> = Object.freeze({
  INVALID_PARAMS: 400,
  CONFIG_INVALID: 400,
  CONFIG_MISSING_VARIABLE: 400,
  UNAUTHORIZED: 401,
  READ_ONLY: 403,
  UNKNOWN_METHOD: 404,
  CONFIG_NOT_FOUND: 404,
  WEBSITE_NOT_FOUND: 404,
  SHARD_UNKNOWN: 404,
  JOB_NOT_FOUND: 404,
  SHARD_EXISTS: 409,
  LOCKED: 409,
  MOVE_REFUSED: 409,
  MOVE_CONFLICT: 409,
  JOB_BUSY: 409,
  ACTION_NOT_ALLOWED: 409,
  // nginx's "client closed request": the caller stopped the call itself.
  CANCELLED: 499,
  BACKUP_REFUSED: 409,
  RESTORE_REFUSED: 409,
  BACKUP_FAILED: 500,
  RESTORE_FAILED: 500,
  PORT_IN_USE: 409,
  PROFILE_CHANGED: 409,
  PLAN_CHANGED: 409,
  MIGRATION_EDITED: 409,
  ARCHIVE_UNREADABLE: 422,
  MIGRATION_FAILED: 500,
  MOVE_FAILED: 500,
  VERIFY_FAILED: 500,
  INTERNAL: 500,
  AUTH_FAILED: 502,
  DATABASE_ERROR: 502,
  DATABASE_UNREACHABLE: 503,
});

export function httpStatusFor(code: ErrorCode): number {
  return HTTP_STATUS_BY_ERROR[code] ?? 500;
}
