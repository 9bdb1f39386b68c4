import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CompressedDataError, decompressStream } from '../../../../electron/core/backups/archive/decompress-stream.ts';

/* Streaming decompression as the reader uses it, on data from the compression tools themselves. */

async function* pieces(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const piece of stream) out.push(piece);
  return Buffer.concat(out);
}

const text = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `${i}\tcity ${i % 97}\t{"k": "é😀 ${i % 13}"}\n`).join(''));

describe('decompressStream', () => {
  it.runIf(existsSync('/usr/bin/zstd'))('reads a streamed zstd frame without a content size, as pg_dump writes them', async () => {
    // Read from a pipe, the zstd tool cannot know the size: the frame header leaves it out.
    const compressed = execFileSync('bash', ['-c', 'cat | /usr/bin/zstd -q -c -3'], { input: text, maxBuffer: 64 << 20 });
    expect((compressed[4]! & 0xc0) >> 6).toBe(0);
    expect((await collect(decompressStream('zstd', pieces(compressed, 777), 'zlib'))).equals(text)).toBe(true);
    await expect(collect(decompressStream('zstd', pieces(compressed.subarray(0, compressed.length - 20), 777), 'zlib'))).rejects.toBeInstanceOf(
      CompressedDataError,
    );
  });

  it.runIf(existsSync('/usr/bin/zstd'))('reads frames one after another, a skippable frame between them, and a checksum', async () => {
    const half = text.length >> 1;
    const first = execFileSync('/usr/bin/zstd', ['-q', '-c', '--check'], { input: text.subarray(0, half), maxBuffer: 64 << 20 });
    const second = execFileSync('/usr/bin/zstd', ['-q', '-c', '--no-check'], { input: text.subarray(half), maxBuffer: 64 << 20 });
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const empty = Buffer.from([0x5f, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]);
    const data = Buffer.concat([first, skippable, second, empty]);
    for (const size of [1, 777, 1 << 20]) expect((await collect(decompressStream('zstd', pieces(data, size), 'zlib'))).equals(text)).toBe(true);
  });

  it.runIf(existsSync('/usr/bin/zstd'))('reads a frame that states its content size, single-segment when small, as the zstd tool writes a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sc-zstd-'));
    try {
      for (const [name, content] of [
        ['small', text.subarray(0, 1000)],
        ['large', text],
        ['empty', Buffer.alloc(0)],
      ] as const) {
        const file = path.join(dir, name);
        writeFileSync(file, content);
        const compressed = execFileSync('/usr/bin/zstd', ['-q', '-c', file], { maxBuffer: 64 << 20 });
        // The frame header states the content size (its flag bits, or the single-segment bit with one byte).
        expect((compressed[4]! & 0xc0) !== 0 || (compressed[4]! & 0x20) !== 0, name).toBe(true);
        expect((await collect(decompressStream('zstd', pieces(compressed, 333), 'zlib'))).equals(content), name).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses zstd data that would expand past what the format allows, before it expands', async () => {
    // A frame header (no content size, a 1 MiB window), then blocks.
    const header = (window: number) => Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, window]);
    const block = (type: number, size: number, last: boolean, payload: number[]) => {
      const h = (size << 3) | (type << 1) | (last ? 1 : 0);
      return Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, ...payload]);
    };
    const oneMiB = (20 - 10) << 3;
    // An RLE block of 2 MiB from 4 bytes: blocks hold 128 KiB at most.
    const rle = Buffer.concat([header(oneMiB), block(1, (1 << 21) - 1, true, [0x78])]);
    await expect(collect(decompressStream('zstd', pieces(rle, 4096), 'zlib'))).rejects.toThrow(/larger than the format allows/);
    // A 2 GiB window, which the decoder would allocate and zero.
    const huge = Buffer.concat([header((31 - 10) << 3), block(0, 1, true, [0x41])]);
    await expect(collect(decompressStream('zstd', pieces(huge, 4096), 'zlib'))).rejects.toThrow(/asks for a 2048 MiB window/);
    // Past 32 MiB (pg_dump -Z zstd:long, levels 20-22) the decoder loses a match offset's top bits and
    // would turn out wrong rows without an error: refused, saying what reads it.
    const long = Buffer.concat([header((26 - 10) << 3), block(0, 1, true, [0x41])]);
    await expect(collect(decompressStream('zstd', pieces(long, 4096), 'zlib'))).rejects.toThrow(/asks for a 64 MiB window.*zstd:long.*pg_restore/);
    const widest = Buffer.concat([header((25 - 10) << 3), block(0, 1, true, [0x41])]);
    expect((await collect(decompressStream('zstd', pieces(widest, 4096), 'zlib'))).toString()).toBe('A');
    // The reserved block type.
    await expect(collect(decompressStream('zstd', pieces(Buffer.concat([header(oneMiB), block(3, 1, true, [0])]), 4096), 'zlib'))).rejects.toBeInstanceOf(
      CompressedDataError,
    );
  });

  it('expands zstd data a block at a time as it is read: 8,000 RLE blocks of 128 KiB in 32 KB are never held at once', async () => {
    const blocks = Array.from({ length: 8000 }, (_, i) => {
      const h = ((128 * 1024) << 3) | (1 << 1) | (i === 7999 ? 1 : 0);
      return Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 0x78]);
    });
    const data = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (20 - 10) << 3]), ...blocks]);
    const before = process.memoryUsage().rss;
    let taken = 0;
    for await (const out of decompressStream('zstd', pieces(data, 64 * 1024), 'zlib')) {
      expect(out.length).toBeLessThanOrEqual(128 * 1024);
      if (++taken === 20) break;
    }
    // 1 GB expanded at once would show; 20 blocks are 2.5 MB.
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('inflates zlib streams (custom format) and gunzips gzip files (directory format)', async () => {
    expect((await collect(decompressStream('gzip', pieces(zlib.deflateSync(text), 4096), 'zlib'))).equals(text)).toBe(true);
    expect((await collect(decompressStream('gzip', pieces(zlib.gzipSync(text), 100), 'gzip'))).equals(text)).toBe(true);
    const cut = zlib.deflateSync(text).subarray(0, 5000);
    await expect(collect(decompressStream('gzip', pieces(cut, 4096), 'zlib'))).rejects.toBeInstanceOf(CompressedDataError);
  });
});
