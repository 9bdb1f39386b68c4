#!/usr/bin/env node
// Draws the app icon and writes every file electron-builder takes it from, so packaging never needs
// its icon-conversion toolset (a download): build/icons/NxN.png (Linux), build/icon.icns (macOS),
// build/icon.ico (Windows) and build/icon.png. Deterministic: the same bytes on every run, so the
// committed files can be checked against this script (test/packaging/app-icons.test.ts).
// Usage: node scripts/make-icons.mjs [outDir]   (default: build/ beside this script's folder)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
// ICNS element types holding PNG data, by pixel size.
const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
];

// --- the drawing: a rounded tile with three stacked database shards, the middle one moving ---------

const TILE_TOP = [15, 118, 110];
const TILE_BOTTOM = [19, 78, 74];
const SHARD = [226, 232, 240];
const MOVING_SHARD = [251, 191, 36];

/** Signed distance from (x, y) to a rounded rectangle centred at (cx, cy): negative inside. */
function roundedRect(x, y, cx, cy, halfW, halfH, radius) {
  const qx = Math.abs(x - cx) - halfW + radius;
  const qy = Math.abs(y - cy) - halfH + radius;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

const SHAPES = [
  { color: SHARD, inside: (x, y) => roundedRect(x, y, 0.5, 0.32, 0.25, 0.065, 0.065) <= 0 },
  { color: MOVING_SHARD, inside: (x, y) => roundedRect(x, y, 0.58, 0.5, 0.25, 0.065, 0.065) <= 0 },
  { color: SHARD, inside: (x, y) => roundedRect(x, y, 0.5, 0.68, 0.25, 0.065, 0.065) <= 0 },
];

/** The colour of one sample point in unit coordinates, or null outside the tile. */
function sample(x, y) {
  if (roundedRect(x, y, 0.5, 0.5, 0.4375, 0.4375, 0.2) > 0) return null;
  const shape = SHAPES.find((s) => s.inside(x, y));
  if (shape) return shape.color;
  const t = (y - 0.0625) / 0.875;
  return TILE_TOP.map((top, i) => top + (TILE_BOTTOM[i] - top) * t);
}

/** RGBA pixels of the icon at `size`, each pixel the average of a grid of samples (anti-aliasing). */
export function drawIcon(size) {
  const grid = size <= 64 ? 8 : size <= 256 ? 4 : 2;
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        covered = 0;
      for (let sy = 0; sy < grid; sy++) {
        for (let sx = 0; sx < grid; sx++) {
          const color = sample((px + (sx + 0.5) / grid) / size, (py + (sy + 0.5) / grid) / size);
          if (color === null) continue;
          r += color[0];
          g += color[1];
          b += color[2];
          covered++;
        }
      }
      const at = (py * size + px) * 4;
      if (covered === 0) continue;
      pixels[at] = Math.round(r / covered);
      pixels[at + 1] = Math.round(g / covered);
      pixels[at + 2] = Math.round(b / covered);
      pixels[at + 3] = Math.round((255 * covered) / (grid * grid));
    }
  }
  return pixels;
}

// --- file formats -------------------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** An 8-bit RGBA PNG. */
export function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A Windows icon whose entries are PNG images (read by Windows Vista and later, and by electron-builder). */
function encodeIco(pngs) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(pngs.length, 4);
  let offset = 6 + 16 * pngs.length;
  const entries = pngs.map(({ size, png }) => {
    const entry = Buffer.alloc(16);
    entry[0] = size >= 256 ? 0 : size; // 0 means 256
    entry[1] = size >= 256 ? 0 : size;
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...pngs.map(({ png }) => png)]);
}

/** A macOS icon family whose elements are PNG images. */
function encodeIcns(elements) {
  const parts = elements.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + parts.reduce((sum, p) => sum + p.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

/** Every icon file, by its path relative to the output folder. */
export function iconFiles() {
  const png = new Map(PNG_SIZES.map((size) => [size, encodePng(size, drawIcon(size))]));
  const files = new Map();
  for (const [size, bytes] of png) files.set(`icons/${size}x${size}.png`, bytes);
  files.set('icon.png', png.get(512));
  files.set('icon.ico', encodeIco(ICO_SIZES.map((size) => ({ size, png: png.get(size) }))));
  files.set('icon.icns', encodeIcns(ICNS_TYPES.map(([type, size]) => ({ type, png: png.get(size) }))));
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'build'));
  for (const [name, bytes] of iconFiles()) {
    mkdirSync(dirname(join(outDir, name)), { recursive: true });
    writeFileSync(join(outDir, name), bytes);
  }
  console.log(`icons written to ${outDir}`);
}
