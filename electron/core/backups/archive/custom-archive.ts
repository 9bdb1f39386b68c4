import type { ConsoleError } from '../../../../shared/errors.ts';
import { readArchiveHeader } from './archive-header.ts';
import type { ArchiveHeader } from './archive-header.ts';
import { entryLabel, firstInOrder } from './archive-data-source.ts';
import type { ArchiveDataSource, EntryStream, ReadMeter } from './archive-data-source.ts';
import { archiveUnreadable, passesThroughReader } from './archive-unreadable.ts';
import { ByteSource } from './byte-source.ts';
import { decompressStream } from './decompress-stream.ts';
import { readTocEntries } from './toc-entries.ts';
import type { TocEntry } from './toc-entries.ts';

const MAGIC = Buffer.from('PGDMP');
const BLOCK_DATA = 1;
const BLOCK_BLOBS = 3;
const BATCH = 256 * 1024;

export interface OpenedToc {
  readonly header: ArchiveHeader;
  readonly entries: readonly TocEntry[];
}

/** Reads the magic, header and TOC of a custom archive or a directory dump's toc.dat. */
export async function readToc(source: ByteSource, tail: 'custom-offset' | 'directory-file'): Promise<OpenedToc> {
  source.entry = 'header';
  const magic = await source.bytes(MAGIC.length, 'the magic string');
  if (!magic.equals(MAGIC)) throw source.fail('not a pg_dump archive (no PGDMP magic)', 0);
  const header = await readArchiveHeader(source);
  const entries = await readTocEntries(source, header, tail);
  return { header, entries };
}

/** A custom-format archive: `pg_dump -Fc`, written to a seekable file (data offsets set) or to a pipe (unset). */
export async function openCustomArchive(file: string, meter: ReadMeter): Promise<OpenedToc & { data: ArchiveDataSource }> {
  const source = await ByteSource.open(file, meter);
  try {
    const toc = await readToc(source, 'custom-offset');
    if (toc.header.formatCode !== 1) throw source.fail(`format code ${toc.header.formatCode} is not a custom archive`);
    const data = new CustomDataSource(file, toc, source.position, source.seekable ? null : source, source.size, meter);
    if (source.seekable) await source.close();
    return { ...toc, data };
  } catch (error) {
    await source.close();
    throw error;
  }
}

class CustomDataSource implements ArchiveDataSource {
  readonly seekable: boolean;
  readonly totalBytes: number | null;
  readonly meter: ReadMeter;
  readonly #file: string;
  readonly #toc: OpenedToc;
  readonly #dataStart: number;
  /** The one sequential source of a piped archive; null for a file, where each read opens its own. */
  #pipe: ByteSource | null;
  #positions: Promise<{ positions: Map<number, number>; failure: unknown }> | null = null;

  constructor(file: string, toc: OpenedToc, dataStart: number, pipe: ByteSource | null, size: number | null, meter: ReadMeter) {
    this.#file = file;
    this.#toc = toc;
    this.#dataStart = dataStart;
    this.#pipe = pipe;
    this.seekable = pipe === null;
    this.totalBytes = size === null ? null : size - dataStart;
    this.meter = meter;
  }

  read(entry: TocEntry, signal?: AbortSignal): EntryStream {
    if (!this.seekable) return this.#pipedRead(entry, signal);
    let source: ByteSource | null = null;
    const file = this.#file;
    const self = this;
    const chunks = async function* (): AsyncGenerator<Buffer> {
      source = await ByteSource.open(file, self.meter);
      source.entry = entryLabel(entry);
      try {
        const offset = await self.#offsetOf(entry);
        source.seek(offset);
        await expectBlock(source, self.#toc.header, entry);
        yield* dataOf(source, self.#toc.header, signal);
      } finally {
        await source.close();
      }
    };
    return { entry, chunks: chunks(), fail: (reason, cause) => failAt(source, file, entry, reason, cause) };
  }

  async *readInOrder(wanted: readonly TocEntry[], signal?: AbortSignal): AsyncIterable<EntryStream> {
    const ids = new Set(wanted.map((e) => e.dumpId));
    const offsets = this.seekable && wanted.every((e) => e.data.kind === 'at');
    if (offsets) {
      const sorted = [...wanted].sort((a, b) => offsetOf(a) - offsetOf(b));
      for (const entry of sorted) yield this.read(entry, signal);
      return;
    }
    const source = this.#pipe ?? (await ByteSource.open(this.#file, this.meter));
    this.#pipe = null;
    try {
      if (source.seekable) source.seek(this.#dataStart);
      else if (source.position !== this.#dataStart) throw source.fail('a piped archive can be read only once');
      yield* this.#sequentialBlocks(source, ids, signal);
    } finally {
      await source.close();
    }
  }

  /** Walks the data blocks from the end of the TOC, skipping by chunk lengths, as pg_restore does when offsets are unset. */
  async *#sequentialBlocks(source: ByteSource, ids: Set<number>, signal?: AbortSignal): AsyncGenerator<EntryStream> {
    const header = this.#toc.header;
    const byId = new Map(this.#toc.entries.map((e) => [e.dumpId, e]));
    const left = new Set(ids);
    while (left.size > 0 && (await source.ensure(1))) {
      signal?.throwIfAborted();
      source.entry = 'a data block header';
      const type = await source.byte('a data block header');
      const dumpId = await source.int(header.intSize, 'a data block header');
      const entry = byId.get(dumpId);
      if (!entry || (type !== BLOCK_DATA && type !== BLOCK_BLOBS)) throw source.fail(`a corrupt data block header (type ${type}, dump id ${dumpId})`);
      source.entry = entryLabel(entry);
      if (type === BLOCK_DATA && left.has(dumpId)) {
        left.delete(dumpId);
        yield { entry, chunks: dataOf(source, header, signal), fail: (reason, cause) => failAt(source, this.#file, entry, reason, cause) };
        continue;
      }
      await skipBlock(source, header.intSize, type, signal);
    }
    if (left.size > 0) {
      const missing = [...left].map((id) => entryLabel(byId.get(id)!));
      source.entry = missing[0]!;
      throw source.fail(
        `the archive ends before the data of ${missing.length} ${missing.length === 1 ? 'entry' : 'entries'} (${missing.slice(0, 3).join(', ')})`,
      );
    }
  }

  async #offsetOf(entry: TocEntry): Promise<number> {
    if (entry.data.kind === 'at') return entry.data.offset;
    this.#positions ??= this.#scanPositions();
    const { positions, failure } = await this.#positions;
    const offset = positions.get(entry.dumpId);
    if (offset === undefined) throw failure ?? failAt(null, this.#file, entry, 'the archive holds no data block for this entry');
    return offset;
  }

  /**
   * A file written through a pipe has no offsets in its TOC: find each block once, by skipping chunks.
   * Damage stops the scan, not the blocks found before it: those still read, the rest fail with it.
   */
  async #scanPositions(): Promise<{ positions: Map<number, number>; failure: unknown }> {
    const source = await ByteSource.open(this.#file, { bytes: 0 });
    const positions = new Map<number, number>();
    try {
      source.seek(this.#dataStart);
      source.entry = 'the data blocks (looking for their offsets)';
      while (await source.ensure(1)) {
        const at = source.position;
        const type = await source.byte('a data block header');
        const dumpId = await source.int(this.#toc.header.intSize, 'a data block header');
        if (type !== BLOCK_DATA && type !== BLOCK_BLOBS) throw source.fail(`a corrupt data block header (type ${type})`, at);
        positions.set(dumpId, at);
        await skipBlock(source, this.#toc.header.intSize, type);
      }
      return { positions, failure: null };
    } catch (failure) {
      return { positions, failure };
    } finally {
      await source.close();
    }
  }

  #pipedRead(entry: TocEntry, signal?: AbortSignal): EntryStream {
    return firstInOrder(entry, this.readInOrder([entry], signal), (reason, cause) => failAt(null, this.#file, entry, reason, cause));
  }

  async close(): Promise<void> {
    await this.#pipe?.close();
    this.#pipe = null;
  }
}

function offsetOf(entry: TocEntry): number {
  return entry.data.kind === 'at' ? entry.data.offset : 0;
}

async function expectBlock(source: ByteSource, header: ArchiveHeader, entry: TocEntry): Promise<void> {
  const at = source.position;
  const type = await source.byte('a data block header');
  const dumpId = await source.int(header.intSize, 'a data block header');
  if (type !== BLOCK_DATA || dumpId !== entry.dumpId) {
    throw source.fail(`the data block at this offset is not this entry's (type ${type}, dump id ${dumpId}, expected ${entry.dumpId})`, at);
  }
}

/** The decompressed data of the block the source stands in, chunk after chunk until the zero length. */
function dataOf(source: ByteSource, header: ArchiveHeader, signal?: AbortSignal): AsyncIterable<Buffer> {
  return wrapDecodeErrors(source, decompressStream(header.compression, chunkPieces(source, header.intSize, signal), 'zlib'));
}

/**
 * The block's chunk payloads, joined into batches of BATCH bytes: pg_dump writes 4 KiB chunks (about a
 * row each without compression), and a decoder fed per chunk spends its time on the feeding.
 */
async function* chunkPieces(source: ByteSource, intSize: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
  let batch = Buffer.allocUnsafe(BATCH);
  let used = 0;
  for (;;) {
    const length = await readChunkLength(source, intSize);
    if (length === 0) break;
    signal?.throwIfAborted();
    let left = length;
    while (left > 0) {
      if (used === batch.length) {
        yield batch;
        batch = Buffer.allocUnsafe(BATCH);
        used = 0;
      }
      const take = Math.min(left, batch.length - used);
      await source.copyTo(batch, used, take, 'a data chunk');
      used += take;
      left -= take;
    }
  }
  if (used > 0) yield batch.subarray(0, used);
}

async function readChunkLength(source: ByteSource, intSize: number): Promise<number> {
  const at = source.position;
  const length = await source.int(intSize, 'a data chunk length');
  if (length < 0) throw source.fail(`a corrupt data chunk length ${length}`, at);
  if (source.size !== null && source.position + length > source.size) {
    throw source.fail(`a data chunk of ${length} bytes runs ${source.position + length - source.size} bytes past the end of the file`, at);
  }
  return length;
}

async function skipBlock(source: ByteSource, intSize: number, type: number, signal?: AbortSignal): Promise<void> {
  const skipChunks = async () => {
    for (;;) {
      const length = await readChunkLength(source, intSize);
      if (length === 0) return;
      signal?.throwIfAborted();
      await source.skip(length, 'a data chunk');
    }
  };
  if (type === BLOCK_DATA) return skipChunks();
  // Large objects: {oid, chunks} until an oid of 0.
  while ((await source.int(intSize, 'a large object oid')) !== 0) await skipChunks();
}

async function* wrapDecodeErrors(source: ByteSource, data: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* data;
  } catch (error) {
    if (passesThroughReader(error)) throw error;
    throw source.fail((error as Error).message, source.position, error);
  }
}

function failAt(source: ByteSource | null, file: string, entry: TocEntry, reason: string, cause?: unknown): ConsoleError {
  if (source) {
    source.entry = entryLabel(entry);
    return source.fail(reason, source.position, cause);
  }
  // Nothing of the entry was read yet: its place is the offset the TOC records.
  return archiveUnreadable({ file, entry: entryLabel(entry), offset: offsetOf(entry) }, reason, cause);
}
