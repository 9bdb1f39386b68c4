import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleError } from '../../../../shared/errors.ts';
import { seedDemo } from '../../../../electron/core/demo/seed-demo.ts';
import { applyMigrations } from '../../../../electron/core/migrations/apply-migrations.ts';
import { inspectArchive } from '../../../../electron/core/backups/archive/inspect-archive.ts';
import type { ArchiveInspection } from '../../../../electron/core/backups/archive/inspect-archive.ts';
import { openArchive } from '../../../../electron/core/backups/archive/open-archive.ts';
import { websiteRows } from '../../../../electron/core/backups/archive/website-rows.ts';
import type { ArchiveProgress } from '../../../../electron/core/backups/archive/pg-dump-archive.ts';
import { startArchiveTestServer } from '../../../support/archive-test-server.ts';
import type { ArchiveTestServer } from '../../../support/archive-test-server.ts';

/*
 * Damaged archives: cut short at many offsets, or with bytes overwritten. Each read must end quickly
 * with ARCHIVE_UNREADABLE naming file, entry and offset, and keep the rows it read before the damage.
 */

let db: ArchiveTestServer;
const files = { custom: '', customNone: '', piped: '', directory: '', plain: '', plainGzip: '' };
type DumpName = keyof typeof files;
let full: ArchiveInspection;

const bin = fileURLToPath(new URL('../../../../bin/shard-console.js', import.meta.url));

beforeAll(async () => {
  db = await startArchiveTestServer();
  await applyMigrations(db.pool, { layout: 'primary' });
  await seedDemo({ primary: db.pool, shards: {} }, { websites: 6, scale: 0.02 });
  files.custom = path.join(db.dumps, 'custom.dump');
  files.customNone = path.join(db.dumps, 'custom0.dump');
  files.piped = path.join(db.dumps, 'piped.dump');
  files.directory = path.join(db.dumps, 'dir');
  files.plain = path.join(db.dumps, 'plain.sql');
  files.plainGzip = path.join(db.dumps, 'plain.sql.gz');
  await Promise.all([
    db.pgDump(['-Fc', '-f', files.custom]),
    db.pgDump(['-Fc', '-Z0', '-f', files.customNone]),
    db.pgDump(['-Fc'], { stdoutTo: files.piped }),
    db.pgDump(['-Fd', '-f', files.directory]),
    db.pgDump(['-Fp', '-f', files.plain]),
    db.pgDump(['-Fp', '-Z6', '-f', files.plainGzip]),
  ]);
  const archive = await openArchive(files.custom);
  full = await inspectArchive(archive);
  await archive.close();
  expect(full.complete).toBe(true);
});

afterAll(async () => {
  await db?.stop();
});

/** Opens and counts a damaged copy; resolves to the counts, or to the error opening threw. Fails the test past 10 s. */
async function readDamaged(file: string): Promise<{ result: ArchiveInspection | null; error: ConsoleError }> {
  const work = (async () => {
    try {
      const archive = await openArchive(file);
      try {
        const result = await inspectArchive(archive);
        if (result.complete) return { result, error: null };
        return { result, error: ConsoleError.fromInfo(result.error!) };
      } finally {
        await archive.close();
      }
    } catch (error) {
      return { result: null, error: error as ConsoleError };
    }
  })();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`reading ${file} did not finish in 10 s`)), 10_000));
  const outcome = await Promise.race([work, timeout]);
  if (!outcome.error) throw new Error(`the damaged ${file} read as complete`);
  return outcome as { result: ArchiveInspection | null; error: ConsoleError };
}

function expectNamedDamage(error: ConsoleError, file: string): void {
  expect(error).toBeInstanceOf(ConsoleError);
  expect(error.code).toBe('ARCHIVE_UNREADABLE');
  const details = error.details as { file: string; entry: string; offset: number };
  expect(details.file.startsWith(file)).toBe(true);
  expect(typeof details.entry).toBe('string');
  expect(Number.isInteger(details.offset)).toBe(true);
  expect(error.message).toContain(details.file);
  expect(error.message).toContain(details.entry);
  expect(error.message).toContain(`byte ${details.offset}`);
}

/** Rows read before the damage are reported as such: complete tables are exact, the others at most what there is. */
function expectHonestPartialCounts(result: ArchiveInspection): void {
  const fullRows = new Map(full.tables.map((t) => [t.table, t.rows]));
  for (const t of result.tables) {
    if (t.status === 'complete') expect(t.rows, t.table).toBe(fullRows.get(t.table));
    else expect(t.rows, t.table).toBeLessThanOrEqual(fullRows.get(t.table)!);
    if (t.status === 'not reached') expect(t.rows).toBe(0);
  }
}

function offsetsAcross(size: number, count: number): number[] {
  const offsets = new Set([0, 1, 5, 9, 12, 20, 40, 100, size - 1, size - 2, size - 5]);
  for (let i = 1; i < count; i++) offsets.add(Math.floor((size * i) / count));
  return [...offsets].filter((o) => o >= 0 && o < size).sort((a, b) => a - b);
}

describe.each<DumpName>(['custom', 'customNone', 'piped', 'plain', 'plainGzip'])('a %s dump cut short', (format) => {
  it('fails with the file, entry and offset at every cut, and keeps what it read', async () => {
    const source = files[format];
    const size = (await stat(source)).size;
    const cut = path.join(db.dumps, `cut-${format}`);
    let partial = 0;
    // A plain dump ends with a blank line; cutting only that loses nothing and reads as whole.
    const offsets = offsetsAcross(size, 40).filter((o) => !(format === 'plain' && o === size - 1));
    for (const offset of offsets) {
      await copyFile(source, cut);
      await truncate(cut, offset);
      const { result, error } = await readDamaged(cut);
      expectNamedDamage(error, cut);
      if (result) {
        expectHonestPartialCounts(result);
        if (result.tables.some((t) => t.rows > 0)) partial++;
      }
    }
    // Cuts in the data still report the rows before them.
    expect(partial).toBeGreaterThan(5);
  });
});

describe('a piped dump cut exactly between two data blocks', () => {
  it('names the entries it never reached instead of reading as complete', async () => {
    // The same data dumped to a file: its TOC gives each block's offset, and the blocks are byte for byte the piped ones.
    const archive = await openArchive(files.custom);
    await archive.close();
    const starts = archive.info.entries.flatMap((e) => (e.data.kind === 'at' ? [e.data.offset] : [])).sort((a, b) => a - b);
    const [piped, seekable] = await Promise.all([readFile(files.piped), readFile(files.custom)]);
    expect(starts.length).toBeGreaterThan(2);
    expect(piped.subarray(starts[0]!).equals(seekable.subarray(starts[0]!))).toBe(true);
    const cut = path.join(db.dumps, 'cut-between-blocks');
    // Right after the TOC (no data at all), and before the last block (one table's data missing).
    for (const offset of [starts[0]!, starts.at(-1)!]) {
      await writeFile(cut, piped.subarray(0, offset));
      const { error } = await readDamaged(cut);
      expectNamedDamage(error, cut);
      expect(error.message, `cut at ${offset}`).toMatch(/ends before the data of/);
    }
  });
});

describe('a directory dump with a data file cut short', () => {
  it('names that file and its table', async () => {
    const names = (await readdir(files.directory)).filter((f) => f.endsWith('.dat.gz'));
    const sizes = await Promise.all(names.map(async (f) => ({ f, size: (await stat(path.join(files.directory, f))).size })));
    const biggest = sizes.sort((a, b) => b.size - a.size)[0]!;
    const data = path.join(files.directory, biggest.f);
    const original = await readFile(data);
    try {
      await writeFile(data, original.subarray(0, Math.floor(original.length / 2)));
      const { result, error } = await readDamaged(files.directory);
      expectNamedDamage(error, data);
      expect((error.details as { entry: string }).entry).toMatch(/^TABLE DATA public\.pwb_/);
      expectHonestPartialCounts(result!);
      expect(result!.tables.filter((t) => t.status === 'partial')).toHaveLength(1);
    } finally {
      await writeFile(data, original);
    }
  });
});

describe('a directory dump whose TOC names a data file outside its folder', () => {
  it('is refused when opened, never followed', async () => {
    const toc = path.join(files.directory, 'toc.dat');
    const original = await readFile(toc);
    // A data file's name in the TOC, swapped for one of the same length that climbs out of the folder.
    const name = (await readdir(files.directory)).find((f) => /^\d{4}\.dat\.gz$/.test(f))!.replace(/\.gz$/, '');
    const at = original.indexOf(Buffer.from(name));
    expect(at).toBeGreaterThan(0);
    const forged = Buffer.from(original);
    forged.write(`../${name.slice(3)}`, at, 'latin1');
    try {
      await writeFile(toc, forged);
      const error = await openArchive(files.directory).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'ARCHIVE_UNREADABLE', message: expect.stringContaining("which is no file inside the archive's folder") });
    } finally {
      await writeFile(toc, original);
    }
  });
});

describe.each<DumpName>(['custom', 'piped', 'plainGzip'])('a compressed %s dump with bytes overwritten', (format) => {
  it('fails or reads, but never hangs, and damage in the data is always caught', async () => {
    const original = await readFile(files[format]);
    const broken = path.join(db.dumps, `broken-${format}`);
    const dataStart = format === 'plainGzip' ? 0 : await firstDataBlock(files.custom);
    let caught = 0;
    let tried = 0;
    for (const offset of offsetsAcross(original.length, 30)) {
      for (const value of [0x00, 0xff, 0x5a]) {
        const copy = Buffer.from(original);
        if (copy[offset] === value) continue;
        copy[offset] = value;
        await writeFile(broken, copy);
        const outcome = await readDamaged(broken).catch((e: Error) => (e.message.includes('read as complete') ? null : Promise.reject(e)));
        tried++;
        if (!outcome) {
          // Header and TOC text carry no checksum: an overwritten letter in a definition can read fine.
          expect(offset < dataStart || format === 'plainGzip').toBe(true);
          continue;
        }
        caught++;
        expectNamedDamage(outcome.error, broken);
      }
    }
    expect(caught).toBeGreaterThan(tried / 2);
  });
});

/** Where a custom archive's data starts: the first data block (a piped archive's TOC has the same length). */
async function firstDataBlock(file: string): Promise<number> {
  const archive = await openArchive(file);
  await archive.close();
  return Math.min(...archive.info.entries.flatMap((e) => (e.data.kind === 'at' ? [e.data.offset] : [])));
}

describe('cancellation and progress', () => {
  it('stops promptly when aborted and reports progress a few times a second at most', async () => {
    const archive = await openArchive(files.customNone);
    try {
      const controller = new AbortController();
      const calls: Array<ArchiveProgress & { at: number }> = [];
      const started = Date.now();
      const run = inspectArchive(archive, {
        signal: controller.signal,
        onProgress: (p) => {
          calls.push({ ...p, at: Date.now() });
          controller.abort();
        },
      });
      await expect(run).rejects.toMatchObject({ name: 'AbortError' });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(calls[0]).toMatchObject({ phase: 'counting rows', unit: 'bytes', total: expect.any(Number) });
      const again = await inspectArchive(archive, { onProgress: (p) => calls.push({ ...p, at: Date.now() }) });
      expect(again.complete).toBe(true);
      const reports = calls.slice(1);
      for (let i = 1; i < reports.length - 1; i++) expect(reports[i]!.at - reports[i - 1]!.at).toBeGreaterThanOrEqual(200);
    } finally {
      await archive.close();
    }
  });
});

describe('a gzip file that holds no dump', () => {
  it('is refused as no pg_dump archive, not read as a plain dump cut short', async () => {
    const random = path.join(db.dumps, 'random.gz');
    const text = path.join(db.dumps, 'text.gz');
    await writeFile(random, gzipSync(randomBytes(200_000)));
    await writeFile(text, gzipSync(Buffer.from('hello\n')));
    for (const file of [random, text]) {
      const { result, error } = await readDamaged(file);
      expect(result).toBeNull();
      expect(error.code).toBe('ARCHIVE_UNREADABLE');
      expect(error.message).toBe(
        `${file}: a gzip file, but not a pg_dump archive: its text does not begin as a plain SQL dump does. Point at the backup file pg_dump wrote (in the header, at byte 0)`,
      );
    }
  });
});

describe('a dump written through a pipe, cut short in its last table', () => {
  it("still samples a website's rows from the tables before the damage, and says where the damage is", async () => {
    const cut = path.join(db.dumps, 'piped-cut.dump');
    await copyFile(files.piped, cut);
    await truncate(cut, (await stat(cut)).size - 100);
    const site = [...full.websites].sort((a, b) => b.rows - a.rows)[0]!.websiteId;
    const archive = await openArchive(cut);
    try {
      const found = await websiteRows(archive, site, { sampleRows: 1 });
      expect(found.error).toMatchObject({ code: 'ARCHIVE_UNREADABLE' });
      expect(found.tables.filter((t) => t.rows > 0 && t.sample.length === 1).length).toBeGreaterThan(3);
    } finally {
      await archive.close();
    }
  });
});

describe('compressed files this reader does not open as they are', () => {
  it('says what each is and how to open it: a custom archive gzipped again, an lz4 or zstd plain dump', async () => {
    const gzipped = path.join(db.dumps, 'custom.dump.gz');
    await writeFile(gzipped, gzipSync(await readFile(files.custom)));
    const lz4 = path.join(db.dumps, 'plain.sql.lz4');
    await writeFile(lz4, Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18]), randomBytes(100)]));
    const zstd = path.join(db.dumps, 'plain.sql.zst');
    await writeFile(zstd, Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), randomBytes(100)]));
    for (const [file, says] of [
      [gzipped, 'a custom-format archive compressed again with gzip: gunzip it first'],
      [lz4, 'an lz4-compressed file (a plain dump written with -Z lz4?): decompress it first (lz4 -d FILE)'],
      [zstd, 'a zstd-compressed file (a plain dump written with -Z zstd?): decompress it first (zstd -d FILE)'],
    ] as const) {
      const { result, error } = await readDamaged(file);
      expect(result).toBeNull();
      expect(error).toMatchObject({ code: 'ARCHIVE_UNREADABLE', message: expect.stringContaining(says) });
    }
  });
});

describe('backup doctor on a dump cut short', () => {
  it('says the archive is unreadable, in text as in JSON, and claims nothing is out of place in neither', async () => {
    const cut = path.join(db.dumps, 'cut-for-doctor');
    await copyFile(files.custom, cut);
    await truncate(cut, Math.floor((await stat(files.custom)).size * 0.8));
    const run = (json: boolean) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [bin, 'backup', 'doctor', cut, ...(json ? ['--json'] : [])],
          { env: { ...process.env, SHARD_CONSOLE_PROFILE: undefined } },
          (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const text = await run(false);
    expect(text.code).toBe(1);
    expect(text.stdout).not.toContain('Nothing out of place');
    expect(text.stderr).toMatch(/^ARCHIVE_UNREADABLE: .*cut-for-doctor/m);
    const json = await run(true);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'ARCHIVE_UNREADABLE' }, changes: null });
  });
});
