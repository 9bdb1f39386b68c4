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
