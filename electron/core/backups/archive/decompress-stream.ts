import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import type { ArchiveCompression } from './archive-header.ts';
import { Lz4FrameDecoder } from './lz4-frame-decoder.ts';
import { ZstdUnits } from './zstd-units.ts';

/**
 * How gzip data is wrapped: custom archives hold a bare zlib stream per table (`78 9c`), directory
 * dumps and compressed plain dumps real gzip files (`1f 8b`).
 */
export type GzipContainer = 'zlib' | 'gzip';

/** Output pieces of about this size keep per-piece overhead low while the next one inflates on the thread pool. */
const ZLIB_CHUNK = 1024 * 1024;
const ZLIB_AHEAD = 4 * ZLIB_CHUNK;
/** Input is handed to a decoder in batches this large: custom archives store 4 KiB chunks. */
const INPUT_BATCH = 256 * 1024;

/** A decoder's complaint about its input, as opposed to an error reading the archive itself. */
export class CompressedDataError extends Error {
  override readonly name = 'CompressedDataError';
}

/** Decompresses a stream of pieces; the output is the table's COPY text. Errors of the data itself are CompressedDataError. */
export function decompressStream(compression: ArchiveCompression, input: AsyncIterable<Buffer>, container: GzipContainer): AsyncIterable<Buffer> {
  switch (compression) {
    case 'none':
      return input;
    case 'gzip':
      return zlibStream(batched(input), container);
    case 'lz4':
      return syncDecoderStream(batched(input), lz4Decoder());
    case 'zstd':
      return syncDecoderStream(batched(input), zstdDecoder());
  }
}

async function* batched(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const piece of input) {
    parts.push(piece);
    size += piece.length;
    if (size >= INPUT_BATCH) {
      yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
}

async function* zlibStream(input: AsyncIterable<Buffer>, container: GzipContainer): AsyncGenerator<Buffer> {
  // A deep output buffer lets inflating (on the thread pool) run ahead of the row loop instead of in lockstep.
  const options = { chunkSize: ZLIB_CHUNK, readableHighWaterMark: ZLIB_AHEAD };
  const decoder = container === 'zlib' ? zlib.createInflate(options) : zlib.createGunzip(options);
  const source = Readable.from(input, { objectMode: false, highWaterMark: INPUT_BATCH });
  let readError: unknown = null;
  source.on('error', (error) => {
    readError = error;
    decoder.destroy(error);
  });
  source.pipe(decoder);
  try {
    for await (const out of decoder as AsyncIterable<Buffer>) yield out;
  } catch (error) {
    // The archive's own read error (truncation) wins over the decoder's echo of it.
    if (readError) throw readError;
    throw new CompressedDataError(`gzip data is damaged: ${(error as Error).message}`);
  } finally {
    source.destroy();
    decoder.destroy();
  }
}

/** A decoder run in this thread: each step's output is produced as it is taken, so a big input batch is never held expanded. */
interface SyncDecoder {
  push(input: Buffer): Iterable<Buffer>;
  end(): Iterable<Buffer>;
}

async function* syncDecoderStream(input: AsyncIterable<Buffer>, decoder: SyncDecoder): AsyncGenerator<Buffer> {
  for await (const piece of input) yield* decodeOrThrow(() => decoder.push(piece));
  yield* decodeOrThrow(() => decoder.end());
}

function* decodeOrThrow(step: () => Iterable<Buffer>): Generator<Buffer> {
  let output: Iterator<Buffer>;
  try {
    output = step()[Symbol.iterator]();
  } catch (error) {
    throw damaged(error);
  }
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = output.next();
    } catch (error) {
      throw damaged(error);
    }
    if (next.done) return;
    yield next.value;
  }
}

const damaged = (error: unknown) => new CompressedDataError(`compressed data is damaged: ${(error as Error).message}`);

function lz4Decoder(): SyncDecoder {
  const decoder = new Lz4FrameDecoder();
  return {
    push: (input) => decoder.push(input),
    end: () => {
      decoder.end();
      return [];
    },
  };
}

/** fzstd fed one checked unit at a time (zstd-units.ts): each push turns out at most one block. */
function zstdDecoder(): SyncDecoder {
  let out: Buffer[] = [];
  let finished = false;
  const units = new ZstdUnits();
  const decoder = new ZstdDecompress((data, final) => {
    if (data.length) out.push(Buffer.from(data.buffer, data.byteOffset, data.length));
    if (final) finished = true;
  });
  const take = () => {
    const result = out;
    out = [];
    return result;
  };
  return {
    *push(input) {
      for (const unit of units.push(input)) {
        decoder.push(unit);
        yield* take();
      }
    },
    end() {
      if (!units.complete) throw new Error('the zstd data ends inside a frame');
      decoder.push(new Uint8Array(0), true);
      if (!finished) throw new Error('the zstd data ends inside a frame');
      return take();
    },
  };
}
