import { ConsoleError } from '../../../shared/errors.ts';
import type { ResolvedProfile } from '../config/profile-schema.ts';
import type { ReadOnlySettings } from './read-only-session.ts';

/** Rows per database a run shows before "fetch more". */
export const DEFAULT_ROW_LIMIT = 1000;
/** A run's rows are held in memory (the grid, the CLI's JSON): beyond this, export to a file. */
export const MAX_ROW_LIMIT = 100_000;
/**
 * How long a truncated run keeps its cursors (and so its connections and transactions) open for
 * "fetch more" after its last read. An open transaction holds its snapshot, which holds back VACUUM's
 * cleanup on that database: minutes, not hours.
 */
export const DEFAULT_KEEP_OPEN_MS = 120_000;
/** The server ends a transaction idle this much longer than the console's own timer would have: a backstop for a hung console. */
const SERVER_IDLE_MARGIN_MS = 60_000;
const MAX_TIMEOUT_SECONDS = 24 * 60 * 60;

/** The row limit asked for, checked: a whole number from 1 to MAX_ROW_LIMIT. */
export function rowLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_ROW_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_ROW_LIMIT) {
    throw new ConsoleError(
      'INVALID_PARAMS',
      `The row limit is a whole number from 1 to ${MAX_ROW_LIMIT.toLocaleString('en')}, not ${limit}. For more rows, export to a file (every row, streamed).`,
    );
  }
  return limit;
}

/** The statement timeout of a run: its own in seconds when given, the profile's otherwise. */
export function readOnlySettings(
  profile: ResolvedProfile,
  options: { timeoutSeconds?: number | undefined; keepOpenMs: number; cursorTupleFraction?: number },
): ReadOnlySettings {
  const seconds = options.timeoutSeconds;
  if (seconds !== undefined && (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS)) {
    throw new ConsoleError('INVALID_PARAMS', `The timeout is a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS} (a day), not ${seconds}.`);
  }
  return {
    statementTimeoutMs: seconds === undefined ? profile.pool.statementTimeoutMs : Math.max(1, Math.round(seconds * 1000)),
    idleInTransactionMs: options.keepOpenMs + SERVER_IDLE_MARGIN_MS,
    ...(options.cursorTupleFraction === undefined ? {} : { cursorTupleFraction: options.cursorTupleFraction }),
  };
}
