import type { ByteSource } from './byte-source.ts';

export type ArchiveCompression = 'none' | 'gzip' | 'lz4' | 'zstd';

/** What the first bytes of a custom archive (or a directory dump's toc.dat) say. */
export interface ArchiveHeader {
  /** `1.14`: follows the pg_dump binary, not the server (1.14 for pg_dump 12-15, 1.16 for 17 and 18). */
  readonly version: string;
  readonly versionNumber: number;
  readonly intSize: number;
  readonly offSize: number;
  /** pg_dump's format code: 1 custom, 3 directory and tar. */
  readonly formatCode: number;
  readonly compression: ArchiveCompression;
  /**
   * When the dump started, as ISO 8601 text WITHOUT an offset (`2025-03-01T02:15:00`): the header stores
   * pg_dump's struct tm, the local time of the machine that ran pg_dump, and no time zone, so no UTC
   * instant can honestly be derived from it.
   */
  readonly dumpedAtLocal: string;
  /** The struct tm's isdst flag: whether that local time was daylight-saving time. */
  readonly dumpedAtDst: boolean;
  readonly database: string | null;
  readonly serverVersion: string | null;
  readonly pgDumpVersion: string | null;
  readonly entryCount: number;
}

/** Archive versions as pg_dump compares them: major, minor, revision in one number. */
export function archiveVersion(major: number, minor: number, rev = 0): number {
  return (major * 256 + minor) * 256 + rev;
}

export const VERSION_1_12 = archiveVersion(1, 12);
export const VERSION_1_14 = archiveVersion(1, 14);
export const VERSION_1_15 = archiveVersion(1, 15);
export const VERSION_1_16 = archiveVersion(1, 16);

const ALGORITHMS: readonly ArchiveCompression[] = ['none', 'gzip', 'lz4', 'zstd'];
const MAX_ENTRIES = 50_000_000;

/** Reads the header after the `PGDMP` magic; the source must stand just past the magic. */
export async function readArchiveHeader(source: ByteSource): Promise<ArchiveHeader> {
  source.entry = 'header';
  const [major, minor, rev] = [await source.byte('the header'), await source.byte('the header'), await source.byte('the header')];
  const versionNumber = archiveVersion(major, minor, rev);
  if (versionNumber < VERSION_1_12 || versionNumber >= archiveVersion(1, 17)) {
    throw source.fail(`unsupported archive version ${major}.${minor} (this reader knows 1.12 to 1.16)`);
  }
  const intSize = await source.byte('the header');
  const offSize = await source.byte('the header');
  if (intSize < 1 || intSize > 6 || offSize < 1 || offSize > 8) throw source.fail(`implausible integer sizes ${intSize}/${offSize} in the header`);
  const formatCode = await source.byte('the header');
  const compression = await readCompression(source, versionNumber, intSize);
  const tm: number[] = [];
  for (let i = 0; i < 7; i++) tm.push(await source.int(intSize, 'the dump time'));
  const database = await source.str(intSize, 'the database name');
  const serverVersion = await source.str(intSize, 'the server version');
  const pgDumpVersion = await source.str(intSize, 'the pg_dump version');
  const entryCount = await source.int(intSize, 'the TOC entry count');
  if (entryCount < 0 || entryCount > MAX_ENTRIES) throw source.fail(`implausible TOC entry count ${entryCount}`);
  return {
    version: `${major}.${minor}`,
    versionNumber,
    intSize,
    offSize,
    formatCode,
    compression,
    dumpedAtLocal: structTmText(tm),
    dumpedAtDst: (tm[6] ?? 0) > 0,
    database,
    serverVersion,
    pgDumpVersion,
    entryCount,
  };
}

async function readCompression(source: ByteSource, version: number, intSize: number): Promise<ArchiveCompression> {
  if (version >= VERSION_1_15) {
    const code = await source.byte('the compression algorithm');
    const algorithm = ALGORITHMS[code];
    if (!algorithm) throw source.fail(`unknown compression algorithm ${code}`);
    return algorithm;
  }
  // Up to 1.14 only zlib existed: the header holds a level, 0 for none (pg_dump 15 writes -1 for the default).
  return (await source.int(intSize, 'the compression level')) === 0 ? 'none' : 'gzip';
}

function structTmText(tm: readonly number[]): string {
  const [sec = 0, min = 0, hour = 0, mday = 1, mon = 0, year = 0] = tm;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(year + 1900).padStart(4, '0')}-${two(mon + 1)}-${two(mday)}T${two(hour)}:${two(min)}:${two(sec)}`;
}
