import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** sha256 of a file, streamed (an archive is never read into memory). */
export async function sha256OfFile(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash, { signal });
  return hash.digest('hex');
}

export interface FileChecksum {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** What a dump on disk weighs and hashes to: a custom archive's file, or every file of a directory dump. */
export interface DumpChecksum {
  readonly bytes: number;
  readonly sha256: string;
  /** A directory dump's files; absent for a single file. */
  readonly files?: FileChecksum[];
}

/**
 * A directory dump's checksum: each file's sha256, then the sha256 of the sorted `name sha256` lines,
 * so a file added, removed, renamed or changed anywhere changes it.
 */
/** The files pg_dump writes into a directory-format dump (a file browser's .DS_Store or Thumbs.db is none of them). */
export const DUMP_FILE = /^(toc\.dat|(blob_)?\d+\.dat(\.(gz|lz4|zst))?|blobs(_\d+)?\.toc)$/;

export async function checksumDump(target: string, signal?: AbortSignal): Promise<DumpChecksum> {
  const info = await stat(target);
  if (!info.isDirectory()) return { bytes: info.size, sha256: await sha256OfFile(target, signal) };
  const names = (await readdir(target)).filter((name) => DUMP_FILE.test(name)).sort();
  const files: FileChecksum[] = [];
  for (const name of names) {
    const file = path.join(target, name);
    files.push({ name, bytes: (await stat(file)).size, sha256: await sha256OfFile(file, signal) });
  }
  const listing = createHash('sha256')
    .update(files.map((f) => `${f.name} ${f.sha256}\n`).join(''))
    .digest('hex');
  return { bytes: files.reduce((n, f) => n + f.bytes, 0), sha256: listing, files };
}

/** Bytes a dump in progress has written so far (its file, or the files of its folder). */
export async function bytesWritten(target: string): Promise<number> {
  const info = await stat(target).catch(() => null);
  if (info === null) return 0;
  if (!info.isDirectory()) return info.size;
  const sizes = await Promise.all(
    (await readdir(target).catch(() => [] as string[])).map((n) =>
      stat(path.join(target, n)).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}
