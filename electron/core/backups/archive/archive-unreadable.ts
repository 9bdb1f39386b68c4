import { ConsoleError } from '../../../../shared/errors.ts';

/** Where in an archive reading stopped: the file, the TOC entry being read (or the header/TOC) and the byte offset. */
export interface ArchivePlace {
  readonly file: string;
  readonly entry: string;
  readonly offset: number;
}

/**
 * The one error for a damaged, truncated or unsupported archive. The message names file, entry and offset
 * because an operator holding a broken backup needs to know how far it is good, not just that it failed.
 */
export function archiveUnreadable(place: ArchivePlace, reason: string, cause?: unknown): ConsoleError {
  const message = `${place.file}: ${reason} (in ${place.entry}, at byte ${place.offset})`;
  return new ConsoleError('ARCHIVE_UNREADABLE', message, {
    target: place.file,
    details: { file: place.file, entry: place.entry, offset: place.offset },
    ...(cause === undefined ? {} : { cause }),
  });
}

export function isArchiveUnreadable(error: unknown): error is ConsoleError {
  return error instanceof ConsoleError && error.code === 'ARCHIVE_UNREADABLE';
}

/**
 * Errors that are not about the archive and pass through a reader as they are: damage already named,
 * and a stop (an AbortError, or the job's own reason, a ConsoleError CANCELLED, which a job's
 * throwIfAborted throws): a stop reported as damage would send the operator after a good backup.
 */
export function passesThroughReader(error: unknown): boolean {
  return isArchiveUnreadable(error) || (error instanceof ConsoleError && error.code === 'CANCELLED') || (error as Error | undefined)?.name === 'AbortError';
}
