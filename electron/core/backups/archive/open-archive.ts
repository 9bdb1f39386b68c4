import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ReadMeter } from './archive-data-source.ts';
import { archiveUnreadable } from './archive-unreadable.ts';
import { openCustomArchive } from './custom-archive.ts';
import type { OpenedToc } from './custom-archive.ts';
import { openDirectoryArchive } from './directory-archive.ts';
import { openPlainArchive, PLAIN_START } from './plain-archive.ts';
import { PgDumpArchive } from './pg-dump-archive.ts';
import type { ArchiveFormat, ArchiveInfo, ArchiveProgressHandler } from './pg-dump-archive.ts';
import { throttleProgress } from './throttle-progress.ts';

export type DetectedFormat = ArchiveFormat | 'plain-gzip';

export interface OpenArchiveOptions {
  readonly signal?: AbortSignal;
  /** Opening a plain dump reads it whole (it has no TOC): this reports how far. */
  readonly onProgress?: ArchiveProgressHandler;
}

/**
 * What kind of pg_dump output a path holds: a folder with toc.dat (directory format), `PGDMP` (custom),
 * gzip magic (a compressed plain dump), `-- PostgreSQL database dump` (plain). A pipe is read as a
 * custom archive, the only format pg_dump streams that this reader can take without seeking.
 */
export async function detectArchiveFormat(target: string): Promise<{ format: DetectedFormat; path: string }> {
  const info = await stat(target).catch((cause: unknown) => {
    throw archiveUnreadable({ file: target, entry: 'the file', offset: 0 }, 'cannot open the archive', cause);
  });
  if (info.isDirectory()) {
    const toc = await stat(path.join(target, 'toc.dat')).catch(() => null);
    if (!toc) throw archiveUnreadable({ file: target, entry: 'the folder', offset: 0 }, 'a folder without toc.dat is not a directory-format dump');
    return { format: 'directory', path: target };
  }
  if (!info.isFile()) return { format: 'custom', path: target };
  const head = await readHead(target);
  if (head.subarray(0, 5).toString('latin1') === 'PGDMP') {
    // toc.dat itself (format code 3) stands for its folder.
    return head[10] === 3 ? { format: 'directory', path: path.dirname(target) } : { format: 'custom', path: target };
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return { format: 'plain-gzip', path: target };
  if (head.toString('utf8').replace(/\r\n/g, '\n').startsWith(PLAIN_START)) return { format: 'plain', path: target };
  // pg_dump 16+ writes plain dumps compressed with lz4 or zstd too: this reader inflates those inside custom and directory archives only.
  const magic = head.length >= 4 ? head.readUInt32BE(0) : 0;
  const outer = magic === 0x04224d18 ? 'lz4' : magic === 0x28b52ffd ? 'zstd' : null;
  if (outer) {
    throw archiveUnreadable(
      { file: target, entry: 'the header', offset: 0 },
      `${outer === 'lz4' ? 'an' : 'a'} ${outer}-compressed file (a plain dump written with -Z ${outer}?): decompress it first (${outer} -d FILE) and open the .sql it gives`,
    );
  }
  if (head.subarray(257, 262).toString('latin1') === 'ustar') {
    throw archiveUnreadable({ file: target, entry: 'the header', offset: 0 }, 'tar-format dumps are not read: use the custom or directory format');
  }
  throw archiveUnreadable({ file: target, entry: 'the header', offset: 0 }, 'not a pg_dump archive (no PGDMP magic, toc.dat, gzip or plain SQL dump header)');
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Opens any pg_dump output this reader knows, by looking at it: see detectArchiveFormat. */
export async function openArchive(target: string, options: OpenArchiveOptions = {}): Promise<PgDumpArchive> {
  options.signal?.throwIfAborted();
  const detected = await detectArchiveFormat(target);
  const meter: ReadMeter = { bytes: 0 };
  if (detected.format === 'plain' || detected.format === 'plain-gzip') return openPlain(detected.path, detected.format === 'plain-gzip', meter, options);
  const opened = detected.format === 'directory' ? await openDirectoryArchive(detected.path, meter) : await openCustomArchive(detected.path, meter);
  return new PgDumpArchive(tocInfo(detected.path, detected.format, opened), opened.data);
}

function tocInfo(file: string, format: ArchiveFormat, toc: OpenedToc): ArchiveInfo {
  const { header, entries } = toc;
  const encoding = /client_encoding = '([^']*)'/.exec(entries.find((e) => e.desc === 'ENCODING')?.defn ?? '')?.[1] ?? 'UTF8';
  return {
    path: file,
    format,
    compression: header.compression,
    archiveVersion: header.version,
    serverVersion: header.serverVersion,
    pgDumpVersion: header.pgDumpVersion,
    dumpedAtLocal: header.dumpedAtLocal,
    dumpedAtDst: header.dumpedAtDst,
    database: header.database,
    encoding,
    offsetsUnset: format === 'custom' && entries.some((e) => e.desc === 'TABLE DATA' && e.data.kind === 'unset'),
    entries,
  };
}

async function openPlain(file: string, gzip: boolean, meter: ReadMeter, options: OpenArchiveOptions): Promise<PgDumpArchive> {
  const report = options.onProgress ? throttleProgress(options.onProgress) : null;
  const opened = await openPlainArchive(file, gzip, meter, {
    ...(options.signal ? { signal: options.signal } : {}),
    onBytes: (done, total) => report?.({ phase: 'scanning the SQL dump', done, total, unit: 'bytes' }),
  });
  const info: ArchiveInfo = {
    path: file,
    format: 'plain',
    compression: gzip ? 'gzip' : 'none',
    archiveVersion: null,
    serverVersion: opened.scan.serverVersion,
    pgDumpVersion: opened.scan.pgDumpVersion,
    dumpedAtLocal: null,
    dumpedAtDst: null,
    database: opened.scan.database,
    encoding: opened.scan.encoding ?? 'UTF8',
    offsetsUnset: false,
    entries: opened.scan.entries,
  };
  return new PgDumpArchive(info, opened.data, opened.damage);
}
