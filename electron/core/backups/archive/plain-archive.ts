import { createReadStream } from 'node:fs';
import type { ConsoleError } from '../../../../shared/errors.ts';
import { stat } from 'node:fs/promises';
import { entryLabel, firstInOrder } from './archive-data-source.ts';
import type { ArchiveDataSource, EntryStream, ReadMeter } from './archive-data-source.ts';
import { archiveUnreadable, isArchiveUnreadable, passesThroughReader } from './archive-unreadable.ts';
import type { ArchivePlace } from './archive-unreadable.ts';
import { decompressStream } from './decompress-stream.ts';
import { PlainDumpScanner } from './plain-dump-scanner.ts';
import type { PlainDataRange, PlainDumpScan } from './plain-dump-scanner.ts';
import type { TocEntry } from './toc-entries.ts';

const READ_SIZE = 1 << 20;

export interface OpenedPlain {
  readonly scan: PlainDumpScan;
  readonly data: ArchiveDataSource;
  /** The scan stopped at damage (a truncated or corrupt gzip file): what was found before it is kept. */
  readonly damage: ConsoleError | null;
}

/**
 * A plain SQL dump, optionally gzip-compressed as a whole (`pg_dump -Fp -Z`). It has no TOC, so opening
 * reads it once to find the entries and where each table's rows are; a compressed one cannot seek, so
 * reading its data decompresses again from the start.
 */
export async function openPlainArchive(
  file: string,
  gzip: boolean,
  meter: ReadMeter,
  options: { signal?: AbortSignal; onBytes?: (done: number, total: number) => void } = {},
): Promise<OpenedPlain> {
  const size = (await stat(file)).size;
  if (gzip) await assertPlainDumpInside(file, meter);
  const scanner = new PlainDumpScanner();
  const place: ArchivePlace & { offset: number } = { file, entry: 'the SQL text', offset: 0 };
  let damage: ConsoleError | null = null;
  try {
    for await (const piece of sqlText(file, gzip, place, meter)) {
      options.signal?.throwIfAborted();
      scanner.push(piece);
      options.onBytes?.(place.offset, size);
    }
  } catch (error) {
    if (options.signal?.aborted || (passesThroughReader(error) && !isArchiveUnreadable(error))) throw error;
    damage = isArchiveUnreadable(error) ? error : archiveUnreadable({ ...place, entry: lastEntry(scanner) }, (error as Error).message, error);
  }
  const scan = scanner.finish();
  // A plain dump cut after its last table still parses: only pg_dump's closing line shows it is whole.
  if (!damage && !scan.whole) {
    damage = archiveUnreadable({ file, entry: lastEntry(scanner), offset: size }, "the dump ends before pg_dump's closing line: it is cut short");
  }
  return { scan, damage, data: new PlainDataSource(file, gzip, scan.ranges, size, meter) };
}

/** How pg_dump's plain SQL text begins. */
export const PLAIN_START = '--\n-- PostgreSQL database dump';

/** A gzip file is taken for a compressed plain dump only when its text begins as pg_dump's does (any gzip file would pass for one cut short). */
async function assertPlainDumpInside(file: string, meter: ReadMeter): Promise<void> {
  let head = '';
  const place = { offset: 0 };
  try {
    for await (const piece of sqlText(file, true, place, meter)) {
      head += piece.toString('latin1', 0, 64);
      if (head.length >= 64) break;
    }
  } catch {
    // Damage this early is the scan's to report, with its offset.
    return;
  }
  if (head.startsWith('PGDMP')) {
    throw archiveUnreadable(
      { file, entry: 'the header', offset: 0 },
      'a custom-format archive compressed again with gzip: gunzip it first (gunzip -k FILE) and open what it gives (the custom format compresses its own data)',
    );
  }
  if (!head.replace(/\r\n/g, '\n').startsWith(PLAIN_START)) {
    throw archiveUnreadable(
      { file, entry: 'the header', offset: 0 },
      'a gzip file, but not a pg_dump archive: its text does not begin as a plain SQL dump does. Point at the backup file pg_dump wrote',
    );
  }
}

function lastEntry(scanner: PlainDumpScanner): string {
  const entry = scanner.entries.at(-1);
  return entry ? entryLabel(entry) : 'the SQL text';
}

/** The dump's SQL text from `start`; `place.offset` follows the file bytes read, for error messages. */
function sqlText(file: string, gzip: boolean, place: { offset: number }, meter: ReadMeter, start = 0, end?: number): AsyncIterable<Buffer> {
  async function* raw(): AsyncGenerator<Buffer> {
    const stream = createReadStream(file, { highWaterMark: READ_SIZE, start, ...(end === undefined ? {} : { end: end - 1 }) });
    place.offset = start;
    try {
      for await (const piece of stream as AsyncIterable<Buffer>) {
        place.offset += piece.length;
        meter.bytes += piece.length;
        yield piece;
      }
    } finally {
      stream.destroy();
    }
  }
  return gzip ? decompressStream('gzip', raw(), 'gzip') : raw();
}

class PlainDataSource implements ArchiveDataSource {
  readonly seekable: boolean;
  readonly totalBytes: number;
  readonly meter: ReadMeter;
  readonly #file: string;
  readonly #gzip: boolean;
  readonly #ranges: ReadonlyMap<number, PlainDataRange>;

  constructor(file: string, gzip: boolean, ranges: ReadonlyMap<number, PlainDataRange>, size: number, meter: ReadMeter) {
    this.#file = file;
    this.#gzip = gzip;
    this.#ranges = ranges;
    this.seekable = !gzip;
    this.totalBytes = size;
    this.meter = meter;
  }

  read(entry: TocEntry, signal?: AbortSignal): EntryStream {
    if (this.#gzip) return this.#inOrderStream([entry], signal);
    const range = this.#ranges.get(entry.dumpId) ?? { start: 0, end: 0 };
    const place = { file: this.#file, entry: entryLabel(entry), offset: range.start };
    const fail = (reason: string, cause?: unknown) => archiveUnreadable(place, reason, cause);
    const text = range.end > range.start ? sqlText(this.#file, false, place, this.meter, range.start, range.end) : emptyText();
    return { entry, chunks: withAbort(text, signal), fail };
  }

  async *readInOrder(wanted: readonly TocEntry[], signal?: AbortSignal): AsyncIterable<EntryStream> {
    if (!this.#gzip) {
      for (const entry of this.#sorted(wanted)) yield this.read(entry, signal);
      return;
    }
    const place = { file: this.#file, entry: 'the SQL text', offset: 0 };
    const cursor = new TextCursor(sqlText(this.#file, true, place, this.meter));
    try {
      for (const entry of this.#sorted(wanted)) {
        const range = this.#ranges.get(entry.dumpId)!;
        place.entry = entryLabel(entry);
        yield { entry, chunks: withAbort(cursor.range(range.start, range.end), signal), fail: (reason, cause) => archiveUnreadable(place, reason, cause) };
      }
    } finally {
      await cursor.close();
    }
  }

  #inOrderStream(entries: readonly TocEntry[], signal?: AbortSignal): EntryStream {
    const entry = entries[0]!;
    const file = this.#file;
    return firstInOrder(entry, this.readInOrder(entries, signal), (reason, cause) =>
      archiveUnreadable({ file, entry: entryLabel(entry), offset: 0 }, reason, cause),
    );
  }

  #sorted(wanted: readonly TocEntry[]): TocEntry[] {
    return wanted.filter((e) => this.#ranges.has(e.dumpId)).sort((a, b) => this.#ranges.get(a.dumpId)!.start - this.#ranges.get(b.dumpId)!.start);
  }

  async close(): Promise<void> {}
}

async function* emptyText(): AsyncGenerator<Buffer> {}

async function* withAbort(chunks: AsyncIterable<Buffer>, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    signal?.throwIfAborted();
    yield chunk;
  }
}

/** Hands out byte ranges of one forward-only text stream, in increasing order. */
class TextCursor {
  readonly #source: AsyncIterator<Buffer>;
  #piece: Buffer = Buffer.alloc(0);
  #pieceStart = 0;

  constructor(text: AsyncIterable<Buffer>) {
    this.#source = text[Symbol.asyncIterator]();
  }

  async *range(start: number, end: number): AsyncGenerator<Buffer> {
    let at = start;
    while (at < end) {
      const pieceEnd = this.#pieceStart + this.#piece.length;
      if (at >= pieceEnd) {
        const next = await this.#source.next();
        if (next.done) return;
        this.#pieceStart = pieceEnd;
        this.#piece = next.value;
        continue;
      }
      const from = at - this.#pieceStart;
      const to = Math.min(end, pieceEnd) - this.#pieceStart;
      yield this.#piece.subarray(from, to);
      at = this.#pieceStart + to;
    }
  }

  async close(): Promise<void> {
    await this.#source.return?.();
  }
}
