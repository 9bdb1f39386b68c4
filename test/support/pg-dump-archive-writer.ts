import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import lz4js from 'lz4js';
import { openArchive } from '../../electron/core/backups/archive/open-archive.ts';
import type { TocEntry } from '../../electron/core/backups/archive/toc-entries.ts';

/*
 * A test-only pg_dump archive writer. No pg_dump on these machines writes archive versions 1.15 or 1.16
 * or compresses with lz4 or zstd, so tests take a real pg_dump 15 archive and write it again to the
 * spec (pg_backup_archiver.c's WriteHead/WriteToc, pg_backup_custom.c's blocks): another version
 * header, the compression algorithm byte, the relkind field, and each table's COPY text compressed
 * anew (lz4 frames by lz4js, zstd frames by zstd-wasm, zlib by Node), in chunks as pg_dump cuts them.
 */

export type WrittenVersion = '1.12' | '1.13' | '1.14' | '1.15' | '1.16';
export type WrittenCompression = 'none' | 'gzip' | 'lz4' | 'zstd';

export interface RewriteOptions {
  readonly version: WrittenVersion;
  readonly compression: WrittenCompression;
  readonly format: 'custom' | 'directory';
  /** Custom only: leave every data offset unset, as pg_dump does writing to a pipe. */
  readonly piped?: boolean;
}

/** zstd-wasm is instantiated once: a second init() leaves its heap views pointing at the first instance's memory. */
let zstdReady: Promise<void> | null = null;
const ALGORITHM_CODES: Record<WrittenCompression, number> = { none: 0, gzip: 1, lz4: 2, zstd: 3 };
const SUFFIXES: Record<WrittenCompression, string> = { none: '', gzip: '.gz', lz4: '.lz4', zstd: '.zst' };
const CHUNK = 4096;
const ZSTD_FRAME = 1 << 20;
const RELKINDS: Record<string, string> = { TABLE: 'r', 'TABLE DATA': 'r', VIEW: 'v', 'MATERIALIZED VIEW': 'm', SEQUENCE: 'S' };
const SECTION_CODES = { none: 1, 'pre-data': 2, data: 3, 'post-data': 4 } as const;

/** Rewrites the custom archive `source` as `target` (a file, or a folder for the directory format). */
export async function rewriteArchive(source: string, target: string, options: RewriteOptions): Promise<void> {
  zstdReady ??= zstdInit();
  await zstdReady;
  const archive = await openArchive(source);
  try {
    const texts = new Map<number, Buffer>();
    for (const entry of archive.dataEntries) {
      const rows: Buffer[] = [];
      for await (const row of archive.rows(entry)) rows.push(row, Buffer.from('\n'));
      texts.set(entry.dumpId, Buffer.concat([...rows, Buffer.from('\\.\n\n')]));
    }
    const minor = Number(options.version.split('.')[1]);
    const writer = new ArchiveWriter(minor);
    writeHeader(writer, archive.info, minor, options);
    if (options.format === 'directory') {
      await mkdir(target, { recursive: true });
      for (const entry of archive.info.entries) writeEntry(writer, entry, minor, { directoryFile: texts.has(entry.dumpId) ? `${entry.dumpId}.dat` : '' });
      await writeFile(path.join(target, 'toc.dat'), writer.bytes());
      for (const [dumpId, text] of texts) {
        await writeFile(path.join(target, `${dumpId}.dat${SUFFIXES[options.compression]}`), compressed(text, options.compression, 'file'));
      }
      return;
    }
    await writeFile(target, customArchive(writer, archive.info.entries, texts, minor, options));
  } finally {
    await archive.close();
  }
}

function customArchive(writer: ArchiveWriter, entries: readonly TocEntry[], texts: Map<number, Buffer>, minor: number, options: RewriteOptions): Buffer {
  const blocks = new Map<number, Buffer>();
  for (const [dumpId, text] of texts) blocks.set(dumpId, dataBlock(dumpId, compressed(text, options.compression, 'stream')));
  // Offsets are fixed-width, so the TOC's length is known before the offsets are.
  const tocStart = writer.length;
  const measure = new ArchiveWriter(minor);
  for (const entry of entries) writeEntry(measure, entry, minor, { offset: blocks.has(entry.dumpId) ? 0 : null, piped: options.piped ?? false });
  let next = tocStart + measure.length;
  const offsets = new Map<number, number>();
  for (const entry of entries) {
    const block = blocks.get(entry.dumpId);
    if (!block) continue;
    offsets.set(entry.dumpId, next);
    next += block.length;
  }
  for (const entry of entries) writeEntry(writer, entry, minor, { offset: offsets.get(entry.dumpId) ?? null, piped: options.piped ?? false });
  return Buffer.concat([writer.bytes(), ...entries.flatMap((e) => (blocks.has(e.dumpId) ? [blocks.get(e.dumpId)!] : []))]);
}

function compressed(text: Buffer, compression: WrittenCompression, container: 'stream' | 'file'): Buffer {
  switch (compression) {
    case 'none':
      return text;
    case 'gzip':
      return container === 'stream' ? zlib.deflateSync(text) : zlib.gzipSync(text);
    case 'lz4':
      return Buffer.from(lz4js.compress(text));
    case 'zstd':
      return zstdFrames(text);
  }
}

/**
 * zstd-wasm's heap is small, so large texts become a sequence of frames of 1 MiB each (several
 * 128 KiB blocks per frame): concatenated frames are one valid zstd stream.
 */
function zstdFrames(text: Buffer): Buffer {
  const frames: Buffer[] = [];
  for (let at = 0; at < text.length || frames.length === 0; at += ZSTD_FRAME) frames.push(Buffer.from(zstdCompress(text.subarray(at, at + ZSTD_FRAME), 3)));
  return Buffer.concat(frames);
}

function dataBlock(dumpId: number, payload: Buffer): Buffer {
  const writer = new ArchiveWriter(16);
  writer.byte(1);
  writer.int(dumpId);
  for (let at = 0; at < payload.length; at += CHUNK) {
    const chunk = payload.subarray(at, at + CHUNK);
    writer.int(chunk.length);
    writer.raw(chunk);
  }
  writer.int(0);
  return writer.bytes();
}

function writeHeader(
  writer: ArchiveWriter,
  info: { dumpedAtLocal: string | null; database: string | null; serverVersion: string | null; pgDumpVersion: string | null; entries: readonly TocEntry[] },
  minor: number,
  options: RewriteOptions,
): void {
  writer.raw(Buffer.from('PGDMP'));
  writer.byte(1);
  writer.byte(minor);
  writer.byte(0);
  writer.byte(4);
  writer.byte(8);
  writer.byte(options.format === 'custom' ? 1 : 3);
  if (minor >= 15) writer.byte(ALGORITHM_CODES[options.compression]);
  else writer.int(options.compression === 'none' ? 0 : -1);
  const [date, time] = (info.dumpedAtLocal ?? '2000-01-01T00:00:00').split('T') as [string, string];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second] = time.split(':').map(Number) as [number, number, number];
  for (const field of [second, minute, hour, day, month - 1, year - 1900, 0]) writer.int(field);
  writer.str(info.database);
  writer.str(info.serverVersion);
  writer.str(info.pgDumpVersion);
  writer.int(info.entries.length);
}

function writeEntry(writer: ArchiveWriter, entry: TocEntry, minor: number, tail: { offset?: number | null; piped?: boolean; directoryFile?: string }): void {
  writer.int(entry.dumpId);
  writer.int(entry.hadDumper ? 1 : 0);
  writer.str(entry.tableOid);
  writer.str(entry.oid);
  writer.str(entry.tag);
  writer.str(entry.desc);
  writer.int(SECTION_CODES[entry.section]);
  writer.str(entry.defn);
  writer.str(entry.dropStmt);
  writer.str(entry.copyStmt);
  writer.str(entry.namespace);
  writer.str(entry.tablespace);
  if (minor >= 14) writer.str(entry.tableAm);
  if (minor >= 16) writer.int(RELKINDS[entry.desc]?.charCodeAt(0) ?? 0);
  writer.str(entry.owner);
  writer.str('false');
  for (const dependency of entry.dependencies) writer.str(String(dependency));
  writer.str(null);
  if (tail.directoryFile !== undefined) {
    writer.str(tail.directoryFile);
    return;
  }
  const offset = tail.offset ?? null;
  writer.byte(offset === null ? 3 : tail.piped ? 1 : 2);
  const bytes = Buffer.alloc(8);
  if (offset !== null && !tail.piped) bytes.writeBigUInt64LE(BigInt(offset));
  writer.raw(bytes);
}

/** pg_dump's primitive encodings: bytes, Int (sign byte + 4 bytes little-endian), Str (Int length, -1 for NULL). */
class ArchiveWriter {
  readonly #parts: Buffer[] = [];
  #length = 0;

  constructor(readonly minor: number) {}

  get length(): number {
    return this.#length;
  }

  raw(bytes: Buffer): void {
    this.#parts.push(bytes);
    this.#length += bytes.length;
  }

  byte(value: number): void {
    this.raw(Buffer.from([value]));
  }

  int(value: number): void {
    const out = Buffer.alloc(5);
    out[0] = value < 0 ? 1 : 0;
    out.writeUInt32LE(Math.abs(value), 1);
    this.raw(out);
  }

  str(text: string | null): void {
    if (text === null) return this.int(-1);
    const bytes = Buffer.from(text, 'utf8');
    this.int(bytes.length);
    this.raw(bytes);
  }

  bytes(): Buffer {
    return Buffer.concat(this.#parts);
  }
}
