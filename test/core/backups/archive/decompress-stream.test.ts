import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

  it('inflates zlib streams (custom format) and gunzips gzip files (directory format)', async () => {
    expect((await collect(decompressStream('gzip', pieces(zlib.deflateSync(text), 4096), 'zlib'))).equals(text)).toBe(true);
    expect((await collect(decompressStream('gzip', pieces(zlib.gzipSync(text), 100), 'gzip'))).equals(text)).toBe(true);
    const cut = zlib.deflateSync(text).subarray(0, 5000);
    await expect(collect(decompressStream('gzip', pieces(cut, 4096), 'zlib'))).rejects.toBeInstanceOf(CompressedDataError);
  });
});
