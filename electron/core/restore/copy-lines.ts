import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { findCopyField, type FieldRange } from '../backups/archive/copy-fields.ts';
import type { DataEntry } from '../backups/archive/data-entries.ts';

const NEWLINE = Buffer.from('\n');
const BATCH_BYTES = 256 * 1024;
const TAB = 0x09;

/** Lines (without their newline) joined into pieces of about 256 KB: one write per piece, not per row. */
async function* pieces(lines: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const line of lines) {
    parts.push(line, NEWLINE);
    size += line.length + 1;
    if (size >= BATCH_BYTES) {
      yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}

/**
 * Streams COPY text lines into `COPY ... FROM STDIN` on this session, pulling the next lines only as
 * the server takes them (backpressure: nothing piles up in memory). Resolves to the rows COPY wrote.
 */
export async function copyLines(client: pg.ClientBase, copySql: string, lines: AsyncIterable<Buffer>): Promise<number> {
  const into = client.query(copyFrom(copySql));
  await pipeline(Readable.from(pieces(lines), { objectMode: false }), into);
  return into.rowCount;
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
