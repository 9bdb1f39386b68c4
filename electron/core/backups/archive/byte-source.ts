import type { ConsoleError } from '../../../../shared/errors.ts';
import { constants } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { ReadMeter } from './archive-data-source.ts';
import { archiveUnreadable } from './archive-unreadable.ts';

const READ_SIZE = 1 << 20;
const EMPTY = Buffer.alloc(0);
/**
 * The longest TOC string read: PostgreSQL's own limit for one value (1 GB) would not fit a JavaScript
 * string (about 512 MB), and no definition pg_dump writes comes near either: a longer one is a corrupt length.
 */
const MAX_STRING = Math.min(1 << 30, constants.MAX_STRING_LENGTH);

/**
 * Buffered reading of an archive file by absolute offset: a regular file can seek, a pipe (FIFO) only goes
 * forward. Every read past the end throws ARCHIVE_UNREADABLE naming `entry`, which the caller keeps
 * pointing at what it is reading, so a truncated archive always says where it broke.
 */
export class ByteSource {
  readonly file: string;
  /** File size; null for a pipe. */
  readonly size: number | null;
  /** What is being read, for error messages: `header`, `TOC`, `TABLE DATA public.pwb_pages`. */
  entry = 'header';
  #handle: FileHandle | null;
  #stream: AsyncIterator<Buffer> | null;
  #buf: Buffer = EMPTY;
  #pos = 0;
  #bufStart = 0;
  #eof = false;
  /** The buffer before the current one: reads alternate between the two instead of allocating. */
  #spare: Buffer | null = null;
  readonly #meter: ReadMeter;

  private constructor(file: string, handle: FileHandle | null, stream: AsyncIterator<Buffer> | null, size: number | null, meter: ReadMeter) {
    this.file = file;
    this.#handle = handle;
    this.#stream = stream;
    this.size = size;
    this.#meter = meter;
  }

  static async open(file: string, meter: ReadMeter = { bytes: 0 }): Promise<ByteSource> {
    const handle = await open(file, 'r');
    try {
      const stat = await handle.stat();
      if (stat.isFile()) return new ByteSource(file, handle, null, stat.size, meter);
    } catch (error) {
      await handle.close();
      throw error;
    }
    const stream = createReadStream(file, { fd: handle, highWaterMark: READ_SIZE }) as AsyncIterable<Buffer>;
    return new ByteSource(file, null, stream[Symbol.asyncIterator](), null, meter);
  }

  get seekable(): boolean {
    return this.#handle !== null;
  }

  /** Absolute offset of the next byte. */
  get position(): number {
    return this.#bufStart + this.#pos;
  }

  get available(): number {
    return this.#buf.length - this.#pos;
  }

  fail(reason: string, offset = this.position, cause?: unknown): ConsoleError {
    return archiveUnreadable({ file: this.file, entry: this.entry, offset }, reason, cause);
  }

  /** Makes at least `n` bytes available; false when the file ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.available < n) {
      if (!(await this.#fill(n))) return false;
    }
    return true;
  }

  /**
   * Reads on, at least READ_SIZE bytes and as many as `wanted` asks for at once: a long string grown a
   * READ_SIZE at a time would copy what it has so far on every read (quadratic in its length).
   */
  async #fill(wanted: number): Promise<boolean> {
    if (this.#eof) return false;
    const rest = this.available;
    const more = Math.max(READ_SIZE, wanted - rest);
    if (this.#handle) {
      // Views from bytes() live only until the next read, so the previous buffer can take the next read.
      const spare = this.#spare;
      const target = spare && spare.length >= rest + more ? spare : Buffer.allocUnsafe(rest + more);
      this.#spare = this.#buf.length >= READ_SIZE && this.#buf.length <= 4 * READ_SIZE ? this.#buf : null;
      this.#buf.copy(target, 0, this.#pos);
      let read = 0;
      for (;;) {
        const { bytesRead } = await this.#handle.read(target, rest + read, more - read, this.#bufStart + this.#buf.length + read);
        read += bytesRead;
        if (bytesRead === 0) this.#eof = true;
        if (bytesRead === 0 || read >= Math.min(more, wanted - rest)) break;
      }
      this.#meter.bytes += read;
      this.#bufStart += this.#pos;
      this.#buf = target.subarray(0, rest + read);
      this.#pos = 0;
      return read > 0;
    }
    const parts = rest > 0 ? [this.#buf.subarray(this.#pos)] : [];
    let size = rest;
    while (size < rest + 1 || size < wanted) {
      const next = await this.#stream!.next();
      if (next.done) {
        this.#eof = true;
        break;
      }
      this.#meter.bytes += next.value.length;
      parts.push(next.value);
      size += next.value.length;
    }
    this.#bufStart += this.#pos;
    this.#buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    this.#pos = 0;
    return size > rest;
  }

  async #require(n: number, what: string): Promise<void> {
    if (!(await this.ensure(n))) throw this.fail(`the archive ends inside ${what} (${n} bytes needed, ${this.available} left)`);
  }

  async byte(what: string): Promise<number> {
    await this.#require(1, what);
    return this.#buf[this.#pos++]!;
  }

  /** The next `n` bytes, as a view that is valid only until the next read from this source. */
  async bytes(n: number, what: string): Promise<Buffer> {
    await this.#require(n, what);
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  /**
   * A sign byte then `intSize` little-endian magnitude bytes (pg_dump's WriteInt). Built by
   * multiplication: a shift would turn bit 31 negative.
   */
  async int(intSize: number, what: string): Promise<number> {
    await this.#require(1 + intSize, what);
    const buf = this.#buf;
    const start = this.#pos;
    const sign = buf[start]!;
    if (sign > 1) throw this.fail(`a corrupt integer in ${what} (sign byte ${sign})`);
    let value = 0;
    for (let i = intSize; i >= 1; i--) value = value * 256 + buf[start + i]!;
    this.#pos += 1 + intSize;
    return sign ? -value : value;
  }

  /** pg_dump's WriteStr: an Int length (-1 for NULL), then the bytes; text in the archive is UTF-8 or ASCII. */
  async str(intSize: number, what: string): Promise<string | null> {
    const length = await this.int(intSize, what);
    if (length === -1) return null;
    if (length < 0 || (this.size !== null && this.position + length > this.size) || length > MAX_STRING) {
      throw this.fail(`a corrupt string length ${length} in ${what}`);
    }
    return (await this.bytes(length, what)).toString('utf8');
  }

  /** Copies the next `n` bytes into `target` at `at`: data chunks go to the decoder this way, never as views of the read buffer. */
  async copyTo(target: Buffer, at: number, n: number, what: string): Promise<void> {
    let left = n;
    let to = at;
    while (left > 0) {
      if (this.available === 0) await this.#require(1, what);
      const take = Math.min(left, this.available);
      this.#buf.copy(target, to, this.#pos, this.#pos + take);
      this.#pos += take;
      to += take;
      left -= take;
    }
  }

  async skip(n: number, what: string): Promise<void> {
    if (this.#handle && n > this.available) {
      const target = this.position + n;
      if (this.size !== null && target > this.size) throw this.fail(`the archive ends inside ${what} (${target - this.size} bytes missing)`);
      this.seek(target);
      return;
    }
    let left = n;
    while (left > 0) {
      if (this.available === 0) await this.#require(1, what);
      const take = Math.min(left, this.available);
      this.#pos += take;
      left -= take;
    }
  }

  /** Moves to an absolute offset; only a regular file can. */
  seek(offset: number): void {
    if (!this.#handle) throw this.fail('a piped archive cannot go back; read its entries in order');
    if (offset >= this.#bufStart && offset <= this.#bufStart + this.#buf.length) {
      this.#pos = offset - this.#bufStart;
      return;
    }
    this.#buf = EMPTY;
    this.#pos = 0;
    this.#bufStart = offset;
    this.#eof = false;
  }

  async close(): Promise<void> {
    if (this.#handle) await this.#handle.close();
    else await this.#stream?.return?.();
  }
}
