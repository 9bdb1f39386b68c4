import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveCompression } from './archive-header.ts';
import { entryLabel } from './archive-data-source.ts';
import type { ArchiveDataSource, EntryStream, ReadMeter } from './archive-data-source.ts';
import { archiveUnreadable, passesThroughReader } from './archive-unreadable.ts';
import { ByteSource } from './byte-source.ts';
import { readToc } from './custom-archive.ts';
import type { OpenedToc } from './custom-archive.ts';
import { decompressStream } from './decompress-stream.ts';
import type { TocEntry } from './toc-entries.ts';

const SUFFIXES: Record<ArchiveCompression, string> = { none: '', gzip: '.gz', lz4: '.lz4', zstd: '.zst' };
const READ_SIZE = 1 << 20;

/** A directory dump (`pg_dump -Fd`): toc.dat, and one `<dumpId>.dat[.gz|.lz4|.zst]` file per table. */
export async function openDirectoryArchive(dir: string, meter: ReadMeter): Promise<OpenedToc & { data: ArchiveDataSource }> {
  const source = await ByteSource.open(path.join(dir, 'toc.dat'), meter);
  try {
    const toc = await readToc(source, 'directory-file');
    if (toc.header.formatCode !== 3) throw source.fail(`format code ${toc.header.formatCode} is not a directory dump's toc.dat`);
    const files = new Map<number, DataFile>();
    for (const entry of toc.entries) {
      if (entry.desc !== 'TABLE DATA' || !entry.fileName) continue;
      // pg_dump names `<dumpId>.dat`: a name that leads out of the folder is damage (or a forgery), never followed.
      if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(entry.fileName))
        throw source.fail(
          `the TOC names the data file ${JSON.stringify(entry.fileName.slice(0, 80))}, which is no file inside the archive's folder: the archive is damaged; take this database from another backup`,
        );
      files.set(entry.dumpId, await findDataFile(dir, entry.fileName, toc.header.compression));
    }
    return { ...toc, data: new DirectoryDataSource(files, meter) };
  } finally {
    await source.close();
  }
}

interface DataFile {
  readonly file: string;
  readonly compression: ArchiveCompression;
  /** -1 when the file is missing: reading it then fails, naming it. */
  readonly size: number;
}

/** The TOC names `3702.dat`; pg_dump adds the compression's suffix. A file decompressed by hand is read as it is. */
async function findDataFile(dir: string, fileName: string, compression: ArchiveCompression): Promise<DataFile> {
  const order: ArchiveCompression[] = [compression, 'none', 'gzip', 'lz4', 'zstd'];
  for (const candidate of order) {
    const file = path.join(dir, fileName + SUFFIXES[candidate]);
    const info = await stat(file).catch(() => null);
    if (info?.isFile()) return { file, compression: candidate, size: info.size };
  }
  return { file: path.join(dir, fileName + SUFFIXES[compression]), compression, size: -1 };
}

class DirectoryDataSource implements ArchiveDataSource {
  readonly seekable = true;
  readonly totalBytes: number;
  readonly meter: ReadMeter;
  readonly #files: ReadonlyMap<number, DataFile>;

  constructor(files: ReadonlyMap<number, DataFile>, meter: ReadMeter) {
    this.#files = files;
    this.meter = meter;
    this.totalBytes = [...files.values()].reduce((sum, f) => sum + Math.max(0, f.size), 0);
  }

  read(entry: TocEntry, signal?: AbortSignal): EntryStream {
    const dataFile = this.#files.get(entry.dumpId);
    const place = { file: dataFile?.file ?? `(no data file for dump id ${entry.dumpId})`, entry: entryLabel(entry), offset: 0 };
    const fail = (reason: string, cause?: unknown) => archiveUnreadable(place, reason, cause);
    const meter = this.meter;
    async function* pieces(): AsyncGenerator<Buffer> {
      if (!dataFile || dataFile.size < 0) throw fail('the data file is missing');
      const stream = createReadStream(dataFile.file, { highWaterMark: READ_SIZE });
      try {
        for await (const piece of stream as AsyncIterable<Buffer>) {
          signal?.throwIfAborted();
          place.offset += piece.length;
          meter.bytes += piece.length;
          yield piece;
        }
      } finally {
        stream.destroy();
      }
    }
    async function* chunks(): AsyncGenerator<Buffer> {
      try {
        yield* decompressStream(dataFile?.compression ?? 'none', pieces(), 'gzip');
      } catch (error) {
        if (passesThroughReader(error)) throw error;
        throw fail((error as Error).message, error);
      }
    }
    return { entry, chunks: chunks(), fail };
  }

  async *readInOrder(wanted: readonly TocEntry[], signal?: AbortSignal): AsyncIterable<EntryStream> {
    for (const entry of wanted) yield this.read(entry, signal);
  }

  async close(): Promise<void> {}
}
