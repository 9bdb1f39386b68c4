import { once } from 'node:events';
import { Readable, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ConsoleError } from '../../../shared/errors.ts';
import { findCopyField, type FieldRange } from '../backups/archive/copy-fields.ts';
import type { DataEntry } from '../backups/archive/data-entries.ts';

const NEWLINE = Buffer.from('\n');
const BATCH_BYTES = 256 * 1024;
const TAB = 0x09;

/** Batches of lines (without their newline) as COPY text, joined into pieces of about 256 KB (a big batch makes several): one write per piece, not per row. */
export async function* joinLines(batches: AsyncIterable<readonly Buffer[]>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const lines of batches) {
    for (const line of lines) {
      parts.push(line, NEWLINE);
      size += line.length + 1;
      if (size >= BATCH_BYTES) {
        yield Buffer.concat(parts, size);
        parts = [];
        size = 0;
      }
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}

/** COPY text as it comes, small pieces joined up to about 256 KB (a sparse website keeps a few rows of each piece it reads). */
async function* coalesced(text: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  const flush = () => {
    const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    parts = [];
    size = 0;
    return joined;
  };
  for await (const piece of text) {
    if (piece.length >= BATCH_BYTES) {
      if (size > 0) yield flush();
      yield piece;
      continue;
    }
    parts.push(piece);
    size += piece.length;
    if (size >= BATCH_BYTES) yield flush();
  }
  if (size > 0) yield flush();
}

/**
 * Streams COPY text (whole lines, each ended by a newline) into `COPY ... FROM STDIN` on this session,
 * pulling more only as the server takes it (backpressure: nothing piles up in memory). Resolves to the
 * rows COPY wrote.
 */
export async function copyLines(client: pg.ClientBase, copySql: string, text: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<number> {
  const into = client.query(copyFrom(copySql));
  await pipeline(Readable.from(coalesced(text), { objectMode: false }), into);
  return into.rowCount;
}

/**
 * The same, over several sessions at once (each in its own transaction, the caller commits them): the
 * pieces go to whichever session's COPY is ready for more, so the server's parsing and index upkeep,
 * the bulk of a big table's load, runs on as many backends. Resolves to the rows all of them wrote.
 */
export async function copyLinesInto(clients: readonly pg.ClientBase[], copySql: string, text: AsyncIterable<Buffer>): Promise<number> {
  if (clients.length === 1) return copyLines(clients[0]!, copySql, text);
  const writers = clients.map((c) => c.query(copyFrom(copySql)));
  let failure: Error | null = null;
  for (const w of writers) w.on('error', (error: Error) => (failure ??= error));
  try {
    let next = 0;
    for await (const piece of coalesced(text)) {
      let w = readyWriter(writers, next);
      while (w < 0) {
        if (failure) throw failure;
        await anyDrain(writers);
        w = readyWriter(writers, next);
      }
      if (failure) throw failure;
      writers[w]!.write(piece);
      next = (w + 1) % writers.length;
    }
    for (const w of writers) w.end();
    await Promise.all(writers.map((w) => finished(w)));
  } catch (error) {
    for (const w of writers) w.destroy(error as Error);
    throw failure ?? error;
  }
  return writers.reduce((n, w) => n + w.rowCount, 0);
}

/** The first writer from `from` on that takes more without waiting, or -1. */
function readyWriter(writers: readonly Writable[], from: number): number {
  for (let i = 0; i < writers.length; i++) {
    const k = (from + i) % writers.length;
    if (!writers[k]!.writableNeedDrain) return k;
  }
  return -1;
}

/** Waits until one of the writers drains (or fails); the other waits are called off. */
async function anyDrain(writers: readonly Writable[]): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race(writers.map((w) => once(w, 'drain', { signal: stop.signal })));
  } catch {
    // a writer failed: its 'error' listener recorded why
  } finally {
    stop.abort();
  }
}

/**
 * A projection of archive lines onto some of their fields (by column name), raw: COPY text of a column
 * is valid COPY input for a column of the same type. Columns an entry does not have come out as NULL.
 */
export function projector(columns: readonly string[]): (entry: DataEntry, line: Buffer) => Buffer {
  const byEntry = new Map<number, number[]>();
  const range: FieldRange = { start: 0, end: 0 };
  const NULL = Buffer.from('\\N');
  return (entry, line) => {
    let fields = byEntry.get(entry.dumpId);
    if (!fields) byEntry.set(entry.dumpId, (fields = columns.map((c) => entry.columns.indexOf(c))));
    const parts: Buffer[] = [];
    for (let i = 0; i < fields.length; i++) {
      if (i > 0) parts.push(Buffer.from([TAB]));
      if (fields[i]! < 0) {
        parts.push(NULL);
        continue;
      }
      findCopyField(line, 0, line.length, fields[i]!, range);
      parts.push(range.start < 0 ? NULL : line.subarray(range.start, range.end));
    }
    return Buffer.concat(parts);
  };
}

/** A client_encoding name as a literal (encoding names are letters, digits and underscores). */
export function encodingLiteral(encoding: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(encoding))
    throw new ConsoleError('ARCHIVE_UNREADABLE', `The archive names an encoding this console cannot use: ${JSON.stringify(encoding)}.`);
  return `'${encoding}'`;
}
