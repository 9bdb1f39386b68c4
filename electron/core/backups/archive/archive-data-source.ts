import type { ConsoleError } from '../../../../shared/errors.ts';
import type { TocEntry } from './toc-entries.ts';

/** One entry's data on its way out of the archive: decompressed COPY text, and where reading stands. */
export interface EntryStream {
  readonly entry: TocEntry;
  /** The table's COPY text, decompressed, in pieces. */
  readonly chunks: AsyncIterable<Buffer>;
  /** An ARCHIVE_UNREADABLE error naming the file, this entry and the offset reached so far. */
  fail(reason: string, cause?: unknown): ConsoleError;
}

/** Bytes read from the archive's files so far: progress counts what was really read. */
export interface ReadMeter {
  bytes: number;
}

/**
 * What each format (custom, directory, plain) gives the reader: an entry's data on demand when the
 * archive can seek, and every wanted entry once in the archive's own order when it cannot.
 */
export interface ArchiveDataSource {
  /** Entries can be read in any order, more than once. False for a pipe and a compressed plain dump. */
  readonly seekable: boolean;
  /** Bytes the data reading will go through, for progress; null for a pipe. */
  readonly totalBytes: number | null;
  readonly meter: ReadMeter;
  read(entry: TocEntry, signal?: AbortSignal): EntryStream;
  /** Each wanted entry once, in the archive's order; read each entry's chunks to the end before asking for the next. */
  readInOrder(wanted: readonly TocEntry[], signal?: AbortSignal): AsyncIterable<EntryStream>;
  close(): Promise<void>;
}

/** `TABLE DATA public.pwb_pages`: how errors and progress name an entry. */
export function entryLabel(entry: TocEntry): string {
  return `${entry.desc} ${entry.namespace ? `${entry.namespace}.` : ''}${entry.tag}`;
}

/**
 * The first entry of a read in order, as one entry's stream (a pipe, a compressed plain dump: the only
 * way through either). Its failures name where that read got to, or, before it began, what `before`
 * says. The read in order is closed however the chunks end, early (a reader that stopped, damage, a
 * failed load) as well as at their end: else its source stays open (a pipe's descriptor, with pg_dump
 * blocked on its other end; a file stream and its inflater).
 */
export function firstInOrder(entry: TocEntry, reads: AsyncIterable<EntryStream>, before: (reason: string, cause?: unknown) => ConsoleError): EntryStream {
  const streams = reads[Symbol.asyncIterator]();
  let current: EntryStream | null = null;
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      const next = await streams.next();
      if (next.done) return;
      current = next.value;
      yield* current.chunks;
    } finally {
      await streams.return?.();
    }
  }
  return { entry, chunks: chunks(), fail: (reason, cause) => (current ? current.fail(reason, cause) : before(reason, cause)) };
}
