import { ConsoleError } from '../../../../shared/errors.ts';
import type { ArchiveCompression } from './archive-header.ts';
import type { ArchiveDataSource, EntryStream } from './archive-data-source.ts';
import { archiveSchema } from './archive-schema.ts';
import type { ArchiveSchema } from './archive-schema.ts';
import { CopyLineSplitter } from './copy-line-splitter.ts';
import type { RowRangeHandler } from './copy-line-splitter.ts';
import { sortDataEntries } from './data-entries.ts';
import type { DataEntry, NotReadEntry } from './data-entries.ts';
import type { TocEntry } from './toc-entries.ts';

export type ArchiveFormat = 'custom' | 'directory' | 'plain';

/** Progress of a long operation; callers get a few calls a second at most. */
export interface ArchiveProgress {
  readonly phase: string;
  readonly done: number;
  readonly total: number | null;
  readonly unit: 'bytes' | 'rows';
}

export type ArchiveProgressHandler = (progress: ArchiveProgress) => void;

export interface ReadOptions {
  readonly signal?: AbortSignal;
}

/** What an archive says about itself. */
export interface ArchiveInfo {
  readonly path: string;
  readonly format: ArchiveFormat;
  readonly compression: ArchiveCompression;
  /** `1.14`; null for a plain dump, which has no archive header. */
  readonly archiveVersion: string | null;
  readonly serverVersion: string | null;
  readonly pgDumpVersion: string | null;
  /**
   * When the dump started, ISO 8601 WITHOUT an offset (`2025-03-01T02:15:00`): pg_dump stores the local
   * time of the machine it ran on as a struct tm and no zone, so this is that wall-clock time, not UTC.
   * Null for a plain dump (which has no such field).
   */
  readonly dumpedAtLocal: string | null;
  /** The struct tm's daylight-saving flag; null when there is no dump time. */
  readonly dumpedAtDst: boolean | null;
  readonly database: string | null;
  /** The dump's client encoding (`UTF8`): COPY text and TOC strings are in it. */
  readonly encoding: string;
  /** A custom archive written to a pipe: its TOC has no data offsets. */
  readonly offsetsUnset: boolean;
  readonly entries: readonly TocEntry[];
}

/** An opened pg_dump archive: header, TOC, schema and a streaming reader of its tables' rows. */
export class PgDumpArchive {
  readonly info: ArchiveInfo;
  /** Tables whose rows can be read. */
  readonly dataEntries: readonly DataEntry[];
  /** Data named but not read (large objects, --inserts tables), with the reason. */
  readonly notRead: readonly NotReadEntry[];
  /** Damage found while opening (a plain dump is scanned whole to open it): what precedes it stays readable. */
  readonly damage: ConsoleError | null;
  readonly #data: ArchiveDataSource;
  #schema: ArchiveSchema | null = null;

  constructor(info: ArchiveInfo, data: ArchiveDataSource, damage: ConsoleError | null = null) {
    this.info = info;
    this.#data = data;
    this.damage = damage;
    const sorted = sortDataEntries(info.entries);
    this.dataEntries = sorted.data;
    this.notRead = sorted.notRead;
  }

  /** Whether entries can be read in any order (false for a pipe and a gzip-compressed plain dump). */
  get seekable(): boolean {
    return this.#data.seekable;
  }

  /** Archive bytes that reading all data goes through, and how many were read so far (for progress). */
  get totalBytes(): number | null {
    return this.#data.totalBytes;
  }

  get bytesRead(): number {
    return this.#data.meter.bytes;
  }

  /** Node's name for the dump's encoding, for decoding fields. */
  get textEncoding(): BufferEncoding {
    return this.info.encoding === 'LATIN1' || this.info.encoding === 'SQL_ASCII' ? 'latin1' : 'utf8';
  }

  /** Tables and views in the live catalog's shapes (CatalogTable, CatalogView), from the archive's DDL. */
  schema(): ArchiveSchema {
    this.#schema ??= archiveSchema(this.info.entries);
    return this.#schema;
  }

  dataEntry(table: string): DataEntry | undefined {
    return this.dataEntries.find((e) => e.table === table);
  }

  /**
   * One table's rows as raw COPY lines: one complete row per Buffer, without its newline and without the
   * final `\.`, byte for byte as pg_dump wrote them (so they can go straight into COPY ... FROM STDIN).
   * Streams: only the piece being decoded is in memory.
   */
  async *rows(entry: DataEntry, options: ReadOptions = {}): AsyncGenerator<Buffer> {
    let batch: Buffer[] = [];
    const splitter = new CopyLineSplitter((buf, start, end) => batch.push(buf.subarray(start, end)));
    const stream = this.#data.read(entry.toc, options.signal);
    try {
      for await (const chunk of stream.chunks) {
        options.signal?.throwIfAborted();
        splitter.push(chunk);
        const rows = batch;
        batch = [];
        yield* rows;
      }
      splitter.finish();
    } catch (error) {
      throw asArchiveError(error, stream, options.signal);
    }
  }

  /**
   * The same rows as `scanRows`, pulled: each decompressed piece's rows go to `onRow` (byte ranges of the
   * piece), then the generator yields, so the caller takes what it kept of that piece before the next is
   * read. A promise a piece, not one a row.
   */
  async *rowsByPiece(entry: DataEntry, onRow: RowRangeHandler, options: ReadOptions = {}): AsyncGenerator<void> {
    const splitter = new CopyLineSplitter(onRow);
    const stream = this.#data.read(entry.toc, options.signal);
    try {
      for await (const chunk of stream.chunks) {
        options.signal?.throwIfAborted();
        splitter.push(chunk);
        yield;
      }
      splitter.finish();
    } catch (error) {
      throw asArchiveError(error, stream, options.signal);
    }
  }

  /** The fast path: every row of one table to `onRow` as a byte range, no allocation per row; resolves to the row count. */
  async scanRows(entry: DataEntry, onRow: RowRangeHandler, options: ReadOptions & { onChunk?: () => void } = {}): Promise<number> {
    return consumeEntry(this.#data.read(entry.toc, options.signal), onRow, options);
  }

  /**
   * Every given table once, in the archive's own order (the only way through a pipe). `visit` returns
   * the row handler for an entry; `done` hears the entry's row count when its data ended cleanly.
   */
  async scanInOrder(
    entries: readonly DataEntry[],
    visit: (entry: DataEntry) => RowRangeHandler,
    options: ReadOptions & { onChunk?: () => void; done?: (entry: DataEntry, rows: number) => void } = {},
  ): Promise<void> {
    const byId = new Map(entries.map((e) => [e.dumpId, e]));
    for await (const stream of this.#data.readInOrder(
      entries.map((e) => e.toc),
      options.signal,
    )) {
      const entry = byId.get(stream.entry.dumpId)!;
      const rows = await consumeEntry(stream, visit(entry), options);
      options.done?.(entry, rows);
    }
  }

  async close(): Promise<void> {
    await this.#data.close();
  }
}

async function consumeEntry(stream: EntryStream, onRow: RowRangeHandler, options: ReadOptions & { onChunk?: () => void }): Promise<number> {
  const splitter = new CopyLineSplitter(onRow);
  try {
    for await (const chunk of stream.chunks) {
      options.signal?.throwIfAborted();
      splitter.push(chunk);
      options.onChunk?.();
    }
    splitter.finish();
    return splitter.rows;
  } catch (error) {
    throw asArchiveError(error, stream, options.signal);
  }
}

/** Abort stays an abort and ARCHIVE_UNREADABLE stays as it is; anything else about the data is damage at this entry. */
function asArchiveError(error: unknown, stream: EntryStream, signal?: AbortSignal): unknown {
  if (signal?.aborted || error instanceof ConsoleError || (error as Error | undefined)?.name === 'AbortError') return error;
  return stream.fail((error as Error).message, error);
}
