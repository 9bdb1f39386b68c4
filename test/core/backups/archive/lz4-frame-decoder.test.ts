import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import lz4js from 'lz4js';
import { describe, expect, it } from 'vitest';
import { Lz4FrameDecoder, Lz4FormatError } from '../../../../electron/core/backups/archive/lz4-frame-decoder.ts';

/* The LZ4 frame decoder: frames from two independent encoders, hand-made edge cases, and damage. */

function decodeInPieces(frame: Buffer, sizes: readonly number[]): Buffer {
  const decoder = new Lz4FrameDecoder();
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < frame.length; i++) {
    const size = sizes[i % sizes.length]!;
    out.push(...decoder.push(frame.subarray(at, at + size)));
    at += size;
  }
  decoder.end();
  return Buffer.concat(out);
}

/** Text with repeats near and far, so matches reach back into earlier blocks. */
function sampleText(bytes: number): Buffer {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `${i % 977}\tproperty ${i % 313} in City ${i % 41}\t{"en": "é😀 ${i % 7}"}\n`;
    parts.push(line);
    size += Buffer.byteLength(line);
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

function frame(descriptor: number[], blocks: Buffer[]): Buffer {
  const size = Buffer.alloc(4);
  return Buffer.concat([
    Buffer.from([0x04, 0x22, 0x4d, 0x18]),
    Buffer.from(descriptor),
    ...blocks.flatMap((b) => {
      const header = Buffer.from(size);
      header.writeUInt32LE(b.length, 0);
      return [header, b];
    }),
    Buffer.alloc(4),
  ]);
}

describe('an LZ4 frame decoder', () => {
  it('decodes lz4js frames (linked 4 MiB blocks) fed in pieces of any size', () => {
    const text = sampleText(9 * 1024 * 1024);
    const compressed = Buffer.from(lz4js.compress(text));
    expect(compressed.length).toBeLessThan(text.length / 3);
    expect(decodeInPieces(compressed, [compressed.length]).equals(text)).toBe(true);
    expect(decodeInPieces(compressed, [1, 7, 4096, 65_537]).equals(text)).toBe(true);
  });

  it.runIf(existsSync('/usr/bin/lz4'))("decodes the lz4 tool's frames: linked 64 KiB blocks, checksums, content size", () => {
    const text = sampleText(3 * 1024 * 1024);
    for (const flags of [['-BD', '-B4'], ['-BD', '-B4', '-BX', '--content-size'], ['-B5'], ['-9', '-BD', '-B6']]) {
      const compressed = execFileSync('/usr/bin/lz4', ['-c', ...flags], { input: text, maxBuffer: 64 << 20, stdio: ['pipe', 'pipe', 'ignore'] });
      expect(decodeInPieces(compressed, [5000, 13]).equals(text), flags.join(' ')).toBe(true);
    }
  });

  it('copies matches from the previous block and repeats overlapping matches', () => {
    // 64 KiB blocks, linked. Block 1: "abcdefgh" stored. Block 2: a match 8 back (into block 1), then "ab" and a match 2 back, 10 long.
    const stored = Buffer.from('abcdefgh');
    const second = Buffer.from([0x04, 0x08, 0x00, 0x26, 0x61, 0x62, 0x02, 0x00, 0x10, 0x5a]);
    const bytes = frame([0x40, 0x40, 0x00], [stored, second]);
    // Block 1 is stored as it is: its size word has the high bit set.
    bytes.writeUInt32LE((0x80000000 | stored.length) >>> 0, 7);
    expect(decodeInPieces(bytes, [3]).toString()).toBe(`abcdefghabcdefgh${'ab'.repeat(6)}Z`);
  });

  it('fails on damage instead of making up data', () => {
    const text = sampleText(200_000);
    const good = Buffer.from(lz4js.compress(text));
    expect(() => decodeInPieces(good.subarray(0, good.length - 10), [1000])).toThrow(Lz4FormatError);
    expect(() => decodeInPieces(Buffer.from('not lz4 at all'), [4])).toThrow(/not an LZ4 frame/);
    const farMatch = frame([0x40, 0x40, 0x00], [Buffer.from([0x14, 0x61, 0x09, 0x00, 0x00])]);
    expect(() => decodeInPieces(farMatch, [64])).toThrow(/before the start/);
    let failures = 0;
    for (let at = 7; at < good.length; at += 97) {
      const broken = Buffer.from(good);
      broken[at] = broken[at]! ^ 0xff;
      try {
        const out = decodeInPieces(broken, [4096]);
        if (!out.equals(text)) failures++;
      } catch (error) {
        expect(error).toBeInstanceOf(Lz4FormatError);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
  });
});
