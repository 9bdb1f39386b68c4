import type pg from 'pg';

/** A row of COPY text: bytes start..end of buf, its newline left out. */
export type CopyRowHandler = (buf: Buffer, start: number, end: number) => void;

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const ERROR_RESPONSE = 0x45; // 'E'
const NEWLINE = 0x0a;
const HEADER = 5;

/**
 * Runs `COPY (...) TO STDOUT` on this session and hands each row to `onRow` where it lies in the bytes
 * received. The server sends one CopyData message a row (the protocol says so for copy-out), so the
 * framing is the row's and nothing is allocated per row; pg-copy-streams' `to` makes a Buffer of each
 * message and joins them again, which for a million-row read-back is most of its cost. It takes the
 * session's socket over the way pg-copy-streams does and gives it back to pg's parser at CopyDone or at
 * an error message, which pg then reports. Rows are handed over as they arrive: `onRow` must not wait.
 * Resolves to the rows COPY sent. If `onRow` throws, the rest of the rows are read and dropped, and
 * the promise rejects with what it threw once the session is ready again.
 */
export function copyOutRows(client: pg.ClientBase, sql: string, onRow: CopyRowHandler): Promise<number> {
  return new Promise((resolve, reject) => {
    client.query(new CopyOutRows(sql, onRow, resolve, reject) as unknown as pg.QueryConfig);
  });
}

interface ProtocolConnection {
  readonly stream: NodeJS.ReadableStream;
  query(text: string): void;
}

class CopyOutRows {
  readonly text: string;
  readonly #onRow: CopyRowHandler;
  readonly #resolve: (rows: number) => void;
  readonly #reject: (error: Error) => void;
  #connection: ProtocolConnection | null = null;
  #pgOnData: ((chunk: Buffer) => void) | null = null;
  #rowCount = 0;
  #failure: Error | null = null;
  /** A message header split between two chunks. */
  readonly #head = Buffer.alloc(HEADER);
  #headLength = 0;
  /** The message being read past a chunk's end: the bytes still to come, and (a row) where they go. */
  #remaining = 0;
  #body: Buffer | null = null;
  #bodyFilled = 0;

  constructor(text: string, onRow: CopyRowHandler, resolve: (rows: number) => void, reject: (error: Error) => void) {
    this.text = text;
    this.#onRow = onRow;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Called by pg when this is the session's turn; an error returned is handed back to handleError. */
  submit(connection: ProtocolConnection): Error | undefined {
    const listeners = connection.stream.listeners('data');
    if (listeners.length !== 1) return new Error(`copy-out expects one reader of the session's socket, found ${listeners.length}`);
    this.#connection = connection;
    this.#pgOnData = listeners[0] as (chunk: Buffer) => void;
    connection.stream.removeListener('data', this.#pgOnData);
    connection.stream.on('data', this.#onData);
    connection.query(this.text);
    return undefined;
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /^COPY (\d+)/.exec(message.text ?? '');
    if (match) this.#rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {
    if (this.#failure) this.#reject(this.#failure);
    else this.#resolve(this.#rowCount);
  }

  handleError(error: Error): void {
    // An error message (pg parses it once the socket is back) or the socket itself failing.
    this.#giveBack(null);
    this.#reject(error);
  }

  readonly #onData = (chunk: Buffer): void => {
    let at = 0;
    if (this.#remaining > 0) {
      at = this.#continueMessage(chunk, at);
      if (this.#remaining > 0) return;
    }
    if (this.#headLength > 0) {
      // The rest of a header the last chunk ended in.
      const take = Math.min(HEADER - this.#headLength, chunk.length - at);
      chunk.copy(this.#head, this.#headLength, at, at + take);
      this.#headLength += take;
      at += take;
      if (this.#headLength < HEADER) return;
      this.#headLength = 0;
      const code = this.#head[0]!;
      // pg reads an error message from its first byte: the header as received, then the rest.
      if (code === ERROR_RESPONSE) return this.#giveBack(Buffer.concat([this.#head, chunk.subarray(at)]));
      if (code === COPY_DONE) return this.#giveBack(chunk.subarray(at));
      at = this.#startMessage(chunk, at, code, this.#head.readUInt32BE(1) - 4);
      if (this.#remaining > 0) return;
    }
    const n = chunk.length;
    while (at < n) {
      if (n - at < HEADER) {
        chunk.copy(this.#head, 0, at, n);
        this.#headLength = n - at;
        return;
      }
      const code = chunk[at]!;
      if (code === ERROR_RESPONSE) return this.#giveBack(chunk.subarray(at));
      const length = chunk.readUInt32BE(at + 1) - 4;
      at += HEADER;
      // CopyDone has no body: what follows (CommandComplete, ReadyForQuery) is pg's.
      if (code === COPY_DONE) return this.#giveBack(chunk.subarray(at));
      at = this.#startMessage(chunk, at, code, length);
      if (this.#remaining > 0) return;
    }
  };

  /** A message whose body starts at `at`: a row is handed over, or gathered when it runs past this chunk; others are skipped. */
  #startMessage(chunk: Buffer, at: number, code: number, length: number): number {
    const available = chunk.length - at;
    if (length <= available) {
      if (code === COPY_DATA) this.#row(chunk, at, at + length);
      return at + length;
    }
    this.#remaining = length - available;
    if (code === COPY_DATA) {
      this.#body = Buffer.allocUnsafe(length);
      chunk.copy(this.#body, 0, at);
      this.#bodyFilled = available;
    }
    return chunk.length;
  }

  /** More of a message the last chunk ended inside. */
  #continueMessage(chunk: Buffer, at: number): number {
    const take = Math.min(this.#remaining, chunk.length - at);
    if (this.#body) {
      chunk.copy(this.#body, this.#bodyFilled, at, at + take);
      this.#bodyFilled += take;
    }
    this.#remaining -= take;
    if (this.#remaining === 0 && this.#body) {
      const body = this.#body;
      this.#body = null;
      this.#row(body, 0, body.length);
    }
    return at + take;
  }

  #row(buf: Buffer, start: number, end: number): void {
    if (this.#failure) return;
    try {
      this.#onRow(buf, start, end > start && buf[end - 1] === NEWLINE ? end - 1 : end);
    } catch (error) {
      this.#failure = error as Error;
    }
  }

  /** The socket back to pg's parser, with the bytes it has to read first. */
  #giveBack(rest: Buffer | null): void {
    const connection = this.#connection;
    if (!connection || !this.#pgOnData) return;
    connection.stream.removeListener('data', this.#onData);
    connection.stream.on('data', this.#pgOnData);
    const pgOnData = this.#pgOnData;
    this.#pgOnData = null;
    if (rest && rest.length > 0) pgOnData(rest);
  }
}
