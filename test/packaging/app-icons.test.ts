import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { iconFiles, PNG_SIZES } from '../../scripts/make-icons.mjs';

/*
 * The committed icons (build/) are what scripts/make-icons.mjs draws, in the forms electron-builder
 * takes without converting (a conversion would download its icon toolset): a PNG set for Linux,
 * .icns for macOS, .ico (with a 256 px entry) for Windows.
 */

const buildDir = resolve(import.meta.dirname, '../../build');
const generated = iconFiles();

describe('app icons', () => {
  it('are committed as the script draws them (run `npm run build:icons` after changing it)', () => {
    for (const [name, bytes] of generated) expect(readFileSync(join(buildDir, name)).equals(bytes), name).toBe(true);
  });

  it('are a square PNG of each size, up to 1024 px', () => {
    for (const size of PNG_SIZES) {
      const png = readFileSync(join(buildDir, `icons/${size}x${size}.png`));
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
    }
  });

  it('give Windows a 256 px entry and macOS a 1024 px one', () => {
    const ico = readFileSync(join(buildDir, 'icon.ico'));
    expect(ico.readUInt16LE(2)).toBe(1);
    const sizes = Array.from({ length: ico.readUInt16LE(4) }, (_, i) => ico[6 + i * 16] || 256);
    expect(sizes).toContain(256);
    const icns = readFileSync(join(buildDir, 'icon.icns'));
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    expect(icns.includes(Buffer.from('ic10', 'latin1'))).toBe(true);
  });
});
