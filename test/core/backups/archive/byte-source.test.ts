import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ByteSource } from '../../../../electron/core/backups/archive/byte-source.ts';

/*
 * The archive reader's buffered file: a TOC string's length comes from the file itself, so a corrupt
 * one must be refused at once, and a long string read in one go, never grown a megabyte at a time.
 */

const folders: string[] = [];
afterAll(async () => Promise.all(folders.map((f) => rm(f, { recursive: true, force: true }))));

/** pg_dump's WriteInt of `value` (sign byte, 4 bytes little-endian), then a sparse file of `size` bytes. */
async function stringOfLength(value: number, size: number): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sc-bytes-'));
  folders.push(dir);
  const file = path.join(dir, 'toc');
  const head = Buffer.alloc(5);
  head.writeUInt32LE(value, 1);
  await writeFile(file, head);
  const handle = await open(file, 'r+');
  await handle.truncate(size);
  await handle.close();
  return file;
}

describe('ByteSource', () => {
  it('refuses a string length longer than any string it could hold, without reading it', async () => {
    const file = await stringOfLength(600_000_000, 700_000_000);
    const source = await ByteSource.open(file);
    const started = performance.now();
    await expect(source.str(4, 'a TOC entry')).rejects.toMatchObject({
      code: 'ARCHIVE_UNREADABLE',
      message: expect.stringContaining('a corrupt string length 600000000'),
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reads a long string in one go, not grown a megabyte at a time (each growth copied all read so far)', { timeout: 60_000 }, async () => {
    const file = await stringOfLength(200_000_000, 200_000_005);
    // Every read of a file handle counted.
    const probe = await open(file, 'r');
    const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const read = proto.read;
    let reads = 0;
    proto.read = function (this: unknown, ...args: unknown[]) {
      reads++;
      return read.apply(this, args);
    };
    try {
      const source = await ByteSource.open(file);
      const text = await source.str(4, 'a TOC entry');
      expect(text?.length).toBe(200_000_000);
      expect(source.position).toBe(200_000_005);
    } finally {
      proto.read = read;
    }
    // A megabyte at a time: 191 reads, copying 19 GB on the way.
    expect(reads).toBeLessThan(10);
  });
});
