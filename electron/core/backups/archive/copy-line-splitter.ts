/**
 * Called once per row with the bytes of one COPY text line, without its newline. The range form lets the
 * counting loop look at rows inside the decompressed piece without allocating a Buffer per row.
 */
export type RowRangeHandler = (buf: Buffer, start: number, end: number) => void;

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const DOT = 0x2e;

export class CopyDataError extends Error {
  override readonly name = 'CopyDataError';
}

/**
 * The longest line COPY text can hold: PostgreSQL builds each row it sends in one buffer of at most
 * 1 GB. Data that runs on past it without a newline is damaged (or not COPY text), and is not held.
 */
export const MAX_COPY_LINE = 1024 * 1024 * 1024;

/** True for the `\.` line that ends COPY data. */
export function isEndOfCopyData(buf: Buffer, start: number, end: number): boolean {
  return end - start === 2 && buf[start] === BACKSLASH && buf[start + 1] === DOT;
}

/**
 * Cuts a table's COPY text into rows as decompressed pieces arrive. A row is a line: COPY escapes every
 * newline inside a value, so the raw bytes between two newlines are one complete row, byte for byte. A
 * row split over two pieces is joined; only such rows are copied.
 */
export class CopyLineSplitter {
  readonly #onRow: RowRangeHandler;
  /** In a plain dump SQL follows the end marker; in archive data only blank lines may. */
  readonly #sqlMayFollow: boolean;
  #carry: Buffer[] = [];
  #carryLength = 0;
  #ended = false;
  #rows = 0;
  /** Bytes of COPY text consumed, up to and including the end marker's newline. */
  #consumed = 0;

  readonly #maxLine: number;

  constructor(onRow: RowRangeHandler, options: { sqlMayFollow?: boolean; maxLine?: number } = {}) {
    this.#onRow = onRow;
    this.#sqlMayFollow = options.sqlMayFollow ?? false;
    this.#maxLine = options.maxLine ?? MAX_COPY_LINE;
  }

  get rows(): number {
    return this.#rows;
  }

  /** Whether the `\.` line was seen. */
  get ended(): boolean {
    return this.#ended;
  }

  get consumed(): number {
    return this.#consumed;
  }

  /** Takes the next piece; returns how many of its bytes belong to the COPY data (all of them until the end marker). */
  push(piece: Buffer): number {
    if (this.#ended) return this.#afterEnd(piece, 0);
    let pos = 0;
    if (this.#carryLength > 0) {
      const newline = piece.indexOf(NEWLINE);
      if (newline < 0) {
        this.#keep(piece);
        this.#consumed += piece.length;
        return piece.length;
      }
      this.#keep(piece.subarray(0, newline));
      const line = Buffer.concat(this.#carry, this.#carryLength);
      this.#carry = [];
      this.#carryLength = 0;
      this.#line(line, 0, line.length);
      pos = newline + 1;
    }
    const length = piece.length;
    while (!this.#ended) {
      const newline = piece.indexOf(NEWLINE, pos);
      if (newline < 0) break;
      this.#line(piece, pos, newline);
      pos = newline + 1;
    }
    if (this.#ended) {
      this.#consumed += pos;
      return this.#afterEnd(piece, pos);
    }
    if (pos < length) this.#keep(piece.subarray(pos));
    this.#consumed += length;
    return length;
  }

  /** Call when the data ends: data without its end marker is truncated. */
  finish(): void {
    if (!this.#ended) {
      const what = this.#carryLength > 0 ? 'inside a row' : 'before the end-of-data marker (\\.)';
      throw new CopyDataError(`the table's data ends ${what}, after ${this.#rows} complete rows`);
    }
  }

  #line(buf: Buffer, start: number, end: number): void {
    if (end - start === 2 && buf[start] === BACKSLASH && buf[start + 1] === DOT) {
      this.#ended = true;
      return;
    }
    this.#rows++;
    this.#onRow(buf, start, end);
  }

  #keep(part: Buffer): void {
    if (part.length === 0) return;
    if (this.#carryLength + part.length > this.#maxLine) {
      throw new CopyDataError(
        `a row runs on past ${this.#maxLine} bytes without ending, longer than any row PostgreSQL writes: the table's data is damaged there, after ${this.#rows} complete rows`,
      );
    }
    this.#carry.push(part);
    this.#carryLength += part.length;
  }

  #afterEnd(piece: Buffer, pos: number): number {
    if (this.#sqlMayFollow) return pos;
    for (let i = pos; i < piece.length; i++) {
      if (piece[i] !== NEWLINE) throw new CopyDataError(`unexpected bytes after the end-of-data marker, after ${this.#rows} rows`);
    }
    return piece.length;
  }
}
