/*
 * zstd data cut into the units its format is made of (a frame header, one block, a frame's checksum),
 * each checked against the limits libzstd decodes by before the decoder (fzstd) sees it:
 * - a window of at most 32 MiB (see MAX_WINDOW): fzstd allocates and zero-fills the window a frame
 *   header declares, up to 2 GiB, and decodes offsets past 2^25 wrongly;
 * - no block larger than the format allows (128 KiB, or the window when smaller): fzstd expands an RLE
 *   block of 4 bytes to whatever size its header says, up to 2 MiB;
 * - no reserved block type, no dictionary (pg_dump uses none).
 * Handed one unit at a time, the decoder turns out at most one block (128 KiB) per push, so a damaged or
 * hostile archive is refused, or read within bounded memory, instead of expanding a batch of input into
 * gigabytes. Skippable frames are passed over.
 */

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/**
 * 32 MiB, below libzstd's own limit (2^27): fzstd reads a match offset's extra bits 32 at a time from an
 * unaligned bit position, so an offset of 2^26 or more (a window past 2^25) can lose its top bits and
 * copy from the wrong place, with no error (pg_dump writes no zstd checksum). pg_dump's levels up to 19
 * use windows of 8 MiB at most, level 20 32 MiB; `-Z zstd:long` and levels 21-22 up to 128 MiB.
 */
export const MAX_WINDOW = 1 << 25;
const MAX_BLOCK = 128 * 1024;

type State = { at: 'frame' } | { at: 'block'; blockMax: number; checksum: boolean } | { at: 'checksum' } | { at: 'skip'; left: number };

/** A unit's length and whether the decoder is to see it (a skippable frame's bytes are not). */
interface Unit {
  readonly length: number;
  readonly pass: boolean;
}

export class ZstdUnits {
  #carry: Buffer = Buffer.alloc(0);
  #state: State = { at: 'frame' };

  /** The whole units the data pushed so far completes; a unit cut by the piece's end waits for the next piece. */
  *push(piece: Buffer): Generator<Buffer> {
    const data = this.#carry.length > 0 ? Buffer.concat([this.#carry, piece]) : piece;
    let at = 0;
    for (;;) {
      const unit = this.#next(data, at);
      if (unit === null) break;
      if (unit.pass) yield data.subarray(at, at + unit.length);
      at += unit.length;
    }
    // A copy: the rest of a big piece is not kept alive by the few bytes that wait.
    this.#carry = Buffer.from(data.subarray(at));
  }

  /** Whether the data ended between frames, as whole zstd data does. */
  get complete(): boolean {
    return this.#carry.length === 0 && this.#state.at === 'frame';
  }

  #next(data: Buffer, at: number): Unit | null {
    const left = data.length - at;
    switch (this.#state.at) {
      case 'frame':
        return this.#frameHeader(data, at, left);
      case 'block':
        return this.#block(data, at, left, this.#state.blockMax, this.#state.checksum);
      case 'checksum':
        if (left < 4) return null;
        this.#state = { at: 'frame' };
        return { length: 4, pass: true };
      case 'skip': {
        if (left === 0) return null;
        const length = Math.min(left, this.#state.left);
        this.#state = this.#state.left === length ? { at: 'frame' } : { at: 'skip', left: this.#state.left - length };
        return { length, pass: false };
      }
    }
  }

  #frameHeader(data: Buffer, at: number, left: number): Unit | null {
    if (left < 4) return null;
    const magic = data.readUInt32LE(at);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (left < 8) return null;
      const size = data.readUInt32LE(at + 4);
      this.#state = size === 0 ? { at: 'frame' } : { at: 'skip', left: size };
      return { length: 8, pass: false };
    }
    if (magic !== FRAME_MAGIC) throw new Error(`no zstd frame starts here (magic 0x${magic.toString(16)})`);
    if (left < 5) return null;
    const descriptor = data[at + 4]!;
    const contentSizeFlag = descriptor >> 6;
    const singleSegment = (descriptor >> 5) & 1;
    if (descriptor & 8) throw new Error('a zstd frame header has its reserved bit set');
    const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
    const contentSizeBytes = [singleSegment, 2, 4, 8][contentSizeFlag]!;
    const length = 5 + (singleSegment ? 0 : 1) + dictionaryBytes + contentSizeBytes;
    if (left < length) return null;
    if (dictionaryBytes > 0 && readLittleEndian(data, at + 5 + (singleSegment ? 0 : 1), dictionaryBytes) !== 0)
      throw new Error('a zstd frame needs a dictionary, which pg_dump never uses');
    const window = singleSegment ? contentSize(data, at + 5 + dictionaryBytes, contentSizeBytes) : windowSize(data[at + 5]!);
    if (window > MAX_WINDOW)
      throw new Error(
        `a zstd frame asks for a ${Math.round(window / (1024 * 1024))} MiB window, more than the 32 MiB the console's decoder reads without error (pg_dump -Z zstd:long, or level 21 or 22). Read this archive with pg_restore, or dump again at a lower level without long`,
      );
    this.#state = { at: 'block', blockMax: Math.min(MAX_BLOCK, Math.max(1, window)), checksum: ((descriptor >> 2) & 1) === 1 };
    return { length, pass: true };
  }

  #block(data: Buffer, at: number, left: number, blockMax: number, checksum: boolean): Unit | null {
    if (left < 3) return null;
    const header = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16);
    const last = (header & 1) === 1;
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3) throw new Error('a zstd block has the reserved block type');
    if (size > blockMax) throw new Error(`a zstd block of ${size} bytes is larger than the format allows (${blockMax})`);
    const length = 3 + (type === 1 ? 1 : size);
    if (left < length) return null;
    if (last) this.#state = checksum ? { at: 'checksum' } : { at: 'frame' };
    return { length, pass: true };
  }
}

function windowSize(descriptor: number): number {
  const base = 2 ** (10 + (descriptor >> 3));
  return base + (base / 8) * (descriptor & 7);
}

function contentSize(data: Buffer, at: number, bytes: number): number {
  const value = readLittleEndian(data, at, bytes);
  return bytes === 2 ? value + 256 : value;
}

function readLittleEndian(data: Buffer, at: number, bytes: number): number {
  let value = 0;
  for (let i = bytes - 1; i >= 0; i--) value = value * 256 + data[at + i]!;
  return value;
}
