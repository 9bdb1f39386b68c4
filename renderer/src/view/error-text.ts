import { ApiError, MalformedResponseError, TransportError } from '../api/client.ts';

/* What an error component says: the core's own sentence, with its code when there is one. */

export interface ErrorText {
  title: string;
  message: string;
  code: string | null;
  target: string | null;
}

const titles: Partial<Record<string, string>> = {
  WEBSITE_NOT_FOUND: 'Website not found',
  UNAUTHORIZED: 'Not signed in to this console',
  DATABASE_UNREACHABLE: 'Database unreachable',
  AUTH_FAILED: 'Database refused the login',
  SHARD_UNKNOWN: 'Unknown shard',
  INVALID_PARAMS: 'Invalid request',
  SHARD_EXISTS: 'Already in the profile',
  LOCKED: 'Busy in another console or session',
  MIGRATION_FAILED: 'Migration failed',
  PROFILE_CHANGED: 'Another profile is open now',
  PLAN_CHANGED: 'The migrations changed since the plan',
  MIGRATION_EDITED: 'A migration was edited after it ran',
};

export function describeError(error: unknown): ErrorText {
  if (error instanceof ApiError) {
    return { title: titles[error.code] ?? 'The console core reported an error', message: error.message, code: error.code, target: error.target ?? null };
  }
  if (error instanceof MalformedResponseError) return { title: 'Unexpected response', message: error.message, code: null, target: error.method };
  if (error instanceof TransportError) return { title: 'No connection to the console core', message: error.message, code: null, target: null };
  if (error instanceof Error) return { title: 'Something went wrong', message: error.message, code: null, target: null };
  return { title: 'Something went wrong', message: String(error), code: null, target: null };
}
