/*
 * A streaming decoder for LZ4 frames (the lz4 frame format, as pg_dump 16+ writes with LZ4F and the lz4
 * tool writes). No npm package decodes frames piece by piece with bounds checks (lz4js decodes a whole
 * frame held in memory and, on damaged input, writes garbage instead of failing), so this is small and
 * our own: damaged input must fail, never decode to wrong rows.
 */

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** Linked blocks may copy from the previous 64 KiB of output. */
const HISTORY = 64 * 1024;
const BLOCK_SIZES: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };
const MIN_MATCH = 4;

export class Lz4FormatError extends Error {
  override readonly name = 'Lz4FormatError';
}

type State =
  | { kind: 'magic' }
  | { kind: 'skip'; left: number }
  | { kind: 'descriptor' }
  | { kind: 'block-size' }
  | { kind: 'block'; size: number; compressed: boolean }
  | { kind: 'trailer'; bytes: number; next: 'block-size' | 'magic' };

export class Lz4FrameDecoder {
  #pending: Buffer = Buffer.alloc(0);
  #state: State = { kind: 'magic' };
  #blockMax = BLOCK_SIZES[7]!;
  #blockChecksum = false;
  #contentChecksum = false;
  #linked = false;
  #history: Buffer = Buffer.alloc(0);
  #framesDone = 0;

  /** Feeds compressed bytes; returns the output they complete, in order. */
  push(input: Buffer): Buffer[] {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, input]) : input;
    const out: Buffer[] = [];
    let pos = 0;
    for (;;) {
      const used = this.#step(this.#pending, pos, out);
      if (used === 0) break;
      pos += used;
    }
    this.#pending = this.#pending.subarray(pos);
    return out;
  }

  /** Call at the end of input: a frame cut short throws. */
  end(): void {
    if (this.#state.kind !== 'magic' || this.#pending.length > 0 || this.#framesDone === 0) {
      throw new Lz4FormatError('the LZ4 data ends inside a frame');
    }
  }

  /** Consumes one unit of the frame when it is all there; returns the bytes used, 0 when more input is needed. */
  #step(buf: Buffer, pos: number, out: Buffer[]): number {
    const left = buf.length - pos;
    const state = this.#state;
    switch (state.kind) {
      case 'magic': {
        if (left < 4) return 0;
        const magic = buf.readUInt32LE(pos);
        if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
          if (left < 8) return 0;
          const skip = buf.readUInt32LE(pos + 4);
          if (skip > 0) this.#state = { kind: 'skip', left: skip };
          return 8;
        }
        if (magic !== FRAME_MAGIC) throw new Lz4FormatError(`not an LZ4 frame (magic ${magic.toString(16)})`);
        this.#state = { kind: 'descriptor' };
        return 4;
      }
      case 'skip': {
        const take = Math.min(left, state.left);
        if (take === 0) return 0;
        this.#state = state.left === take ? { kind: 'magic' } : { kind: 'skip', left: state.left - take };
        return take;
      }
      case 'descriptor':
        return this.#descriptor(buf, pos, left);
      case 'block-size': {
        if (left < 4) return 0;
        const word = buf.readUInt32LE(pos);
        if (word === 0) {
          this.#state = this.#contentChecksum ? { kind: 'trailer', bytes: 4, next: 'magic' } : { kind: 'magic' };
          if (!this.#contentChecksum) this.#framesDone++;
          return 4;
        }
        const size = word & 0x7fffffff;
        if (size === 0) throw new Lz4FormatError('an empty LZ4 block');
        if (size > this.#blockMax) throw new Lz4FormatError(`an LZ4 block of ${size} bytes exceeds the frame's ${this.#blockMax}`);
        this.#state = { kind: 'block', size, compressed: (word & 0x80000000) === 0 };
        return 4;
      }
      case 'block': {
        if (left < state.size) return 0;
        out.push(this.#block(buf.subarray(pos, pos + state.size), state.compressed));
        this.#state = this.#blockChecksum ? { kind: 'trailer', bytes: 4, next: 'block-size' } : { kind: 'block-size' };
        return state.size;
      }
      case 'trailer': {
        if (left < state.bytes) return 0;
        if (state.next === 'magic') this.#framesDone++;
        this.#state = { kind: state.next };
        return state.bytes;
      }
    }
  }

  #descriptor(buf: Buffer, pos: number, left: number): number {
    if (left < 2) return 0;
    const flags = buf[pos]!;
    const bd = buf[pos + 1]!;
    if (flags >> 6 !== 1) throw new Lz4FormatError(`unsupported LZ4 frame version ${flags >> 6}`);
    const length = 2 + (flags & 0x08 ? 8 : 0) + (flags & 0x01 ? 4 : 0) + 1;
    if (left < length) return 0;
    const blockMax = BLOCK_SIZES[(bd >> 4) & 7];
    if (!blockMax) throw new Lz4FormatError(`an unknown LZ4 block size code ${(bd >> 4) & 7}`);
    if (flags & 0x01) throw new Lz4FormatError('LZ4 frames with a dictionary are not supported');
    this.#blockMax = blockMax;
    this.#linked = (flags & 0x20) === 0;
    this.#blockChecksum = (flags & 0x10) !== 0;
    this.#contentChecksum = (flags & 0x04) !== 0;
    this.#history = Buffer.alloc(0);
    this.#state = { kind: 'block-size' };
    return length;
  }

  #block(block: Buffer, compressed: boolean): Buffer {
    if (!compressed) {
      const copy = Buffer.from(block);
      this.#remember(copy);
      return copy;
    }
    const history = this.#linked ? this.#history : Buffer.alloc(0);
    const window = Buffer.allocUnsafe(history.length + this.#blockMax);
    history.copy(window, 0);
    const end = decodeLz4Block(block, window, history.length);
    const output = window.subarray(history.length, end);
    this.#remember(window.subarray(0, end));
    return output;
  }

  #remember(recent: Buffer): void {
    if (!this.#linked) return;
    const joined = recent.length >= HISTORY ? recent : Buffer.concat([this.#history, recent]);
    this.#history = Buffer.from(joined.subarray(Math.max(0, joined.length - HISTORY)));
  }
}

/**
 * Decodes one LZ4 block from `src` into `dst` starting at `start` (bytes before it are the history that
 * matches may reach); returns the end of the output. Every length and offset is checked.
 */
export function decodeLz4Block(src: Buffer, dst: Buffer, start: number): number {
  let s = 0;
  let d = start;
  const sEnd = src.length;
  const dEnd = dst.length;
  while (s < sEnd) {
    const token = src[s++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw new Lz4FormatError('an LZ4 literal length runs past its block');
        b = src[s++]!;
        literals += b;
      } while (b === 255);
    }
    if (s + literals > sEnd || d + literals > dEnd) throw new Lz4FormatError('LZ4 literals run past their block');
    src.copy(dst, d, s, s + literals);
    s += literals;
    d += literals;
    if (s === sEnd) break;
    if (s + 2 > sEnd) throw new Lz4FormatError('an LZ4 match offset runs past its block');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new Lz4FormatError(`an LZ4 match reaches before the start of the data (offset ${offset})`);
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw new Lz4FormatError('an LZ4 match length runs past its block');
        b = src[s++]!;
        length += b;
      } while (b === 255);
    }
    length += MIN_MATCH;
    if (d + length > dEnd) throw new Lz4FormatError('an LZ4 match runs past the block size');
    copyMatch(dst, d, offset, length);
    d += length;
  }
  return d;
}

function copyMatch(dst: Buffer, d: number, offset: number, length: number): void {
  const from = d - offset;
  if (offset >= length) {
    dst.copyWithin(d, from, from + length);
    return;
  }
  // Overlapping: the match repeats the last `offset` bytes, so copy in runs that double each time.
  let done = 0;
  let run = offset;
  while (done < length) {
    const take = Math.min(run, length - done);
    dst.copyWithin(d + done, from, from + take);
    done += take;
    run += take;
  }
}
