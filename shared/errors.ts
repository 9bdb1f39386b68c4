import { z } from 'zod';

/** Stable error codes: the UI, the CLI and scripts branch on these, so never rename one. */
export const errorCodes = [
  'INVALID_PARAMS',
  'UNKNOWN_METHOD',
  'UNAUTHORIZED',
  'CONFIG_NOT_FOUND',
  'CONFIG_INVALID',
  'CONFIG_MISSING_VARIABLE',
  'DATABASE_UNREACHABLE',
  'AUTH_FAILED',
  'DATABASE_ERROR',
  'WEBSITE_NOT_FOUND',
  'SHARD_UNKNOWN',
  'MIGRATION_FAILED',
  'LOCKED',
  'SHARD_EXISTS',
  'MOVE_REFUSED',
  'MOVE_CONFLICT',
  'MOVE_FAILED',
  'VERIFY_FAILED',
  'JOB_NOT_FOUND',
  'JOB_BUSY',
  'ACTION_NOT_ALLOWED',
  'READ_ONLY',
  /** The caller stopped the call (Cancel, Ctrl-C, a closed stream): the work stopped at a safe point. */
  'CANCELLED',
  /** A backup that cannot start (no suitable pg_dump, a database unreachable): nothing was written. */
  'BACKUP_REFUSED',
  'BACKUP_FAILED',
  /** A restore that must not run (see the message): nothing was changed. */
  'RESTORE_REFUSED',
  'RESTORE_FAILED',
  /** A backup archive that cannot be read (damaged, truncated, unsupported): details name file, entry and offset. */
  'ARCHIVE_UNREADABLE',
  /** The port asked for (`serve --port N`) is taken by another program: details name host and port. */
  'PORT_IN_USE',
  /**
   * The page was loaded for another profile than the one open now (switched in another tab or window of
   * `serve`): the call was not run. Reload the page.
   */
  'PROFILE_CHANGED',
  /**
   * The migration files differ from those of the plan the caller reviewed (`migrations.up` with
   * `planDigest`): nothing ran. Read the plan again.
   */
  'PLAN_CHANGED',
  /**
   * A migration file about to run differs from the one that ran on another database (edited after it
   * was applied): nothing ran. Put the file back as it ran; make the change in a new migration.
   */
  'MIGRATION_EDITED',
  'INTERNAL',
] as const;

export const errorCodeSchema = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** The one error shape every transport returns: a code to branch on and a sentence a person can act on. */
export const errorInfoSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  /** Which database, file or entry the error is about, when there is one. */
  target: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

export const errorEnvelopeSchema = z.object({ ok: z.literal(false), error: errorInfoSchema });
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** A failure with a stable code; thrown by services, turned into an envelope by the dispatcher. */
export class ConsoleError extends Error {
  readonly code: ErrorCode;
  readonly target: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { target?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConsoleError';
    this.code = code;
    this.target = options.target;
    this.details = options.details;
  }

  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.target !== undefined) info.target = this.target;
    if (this.details !== undefined) info.details = this.details;
    return info;
  }

  static fromInfo(info: ErrorInfo): ConsoleError {
    const options: { target?: string; details?: Record<string, unknown> } = {};
    if (info.target !== undefined) options.target = info.target;
    if (info.details !== undefined) options.details = info.details;
    return new ConsoleError(info.code, info.message, options);
  }
}
