import { findCopyField, isCopyNull } from './copy-fields.ts';
import type { FieldRange } from './copy-fields.ts';

/*
 * Keys of the counting maps, packed small: a uuid's 36 characters become 16 bytes, an integer's digits
 * two per byte. A tag byte keeps the packings apart, so equal COPY texts, and only they, pack equal.
 */

const TAG_RAW = 0x00;
const TAG_UUID = 0x01;
const TAG_DIGITS = 0x80;
const MAX_DIGITS = 30;

/** Room for any key the counter packs; longer keys are refused by the table. */
export const PACKED_KEY_BYTES = 0x10000 + 16;

/**
 * Packs fields `fields` (COPY field indexes) of a row into `out`; returns the length, or -1 when a field
 * is NULL or missing (a NULL foreign key or tenant key belongs to no website).
 */
export function packCopyKey(buf: Buffer, start: number, end: number, fields: readonly number[], out: Buffer, range: FieldRange): number {
  if (fields.length === 1) {
    // The common case, kept apart so it stays small enough to inline into the row loop.
    findCopyField(buf, start, end, fields[0]!, range);
    if (range.start < 0 || isCopyNull(buf, range.start, range.end)) return -1;
    return packOne(buf, range.start, range.end, out);
  }
  out[0] = TAG_RAW;
  let length = 1;
  for (const field of fields) {
    findCopyField(buf, start, end, field, range);
    if (range.start < 0 || isCopyNull(buf, range.start, range.end)) return -1;
    if (length + range.end - range.start + 1 > out.length) return -1;
    if (length > 1) out[length++] = 0x09;
    length += buf.copy(out, length, range.start, range.end);
  }
  return length;
}

function packOne(buf: Buffer, start: number, end: number, out: Buffer): number {
  const length = end - start;
  if (length === 36 && packUuid(buf, start, out)) return 17;
  if (length > 0 && length <= MAX_DIGITS && allDigits(buf, start, end)) {
    out[0] = TAG_DIGITS + length;
    for (let i = 0; i < length; i += 2) {
      const high = buf[start + i]! - 0x30;
      const low = i + 1 < length ? buf[start + i + 1]! - 0x30 : 0;
      out[1 + (i >> 1)] = (high << 4) | low;
    }
    return 1 + ((length + 1) >> 1);
  }
  if (length + 1 > out.length) return -1;
  out[0] = TAG_RAW;
  buf.copy(out, 1, start, end);
  return length + 1;
}

function allDigits(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Value of each lowercase hex digit, -1 for any other byte. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) HEX[0x61 + c] = 10 + c;
/** Where the 16 byte pairs of `8-4-4-4-12` sit. */
const UUID_PAIRS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/** `8-4-4-4-12` lowercase hex, as uuid_out writes it; anything else is left to the raw packing. This runs once per child row. */
function packUuid(buf: Buffer, start: number, out: Buffer): boolean {
  if (buf[start + 8] !== 0x2d || buf[start + 13] !== 0x2d || buf[start + 18] !== 0x2d || buf[start + 23] !== 0x2d) return false;
  let bad = 0;
  for (let k = 0; k < 16; k++) {
    const at = start + UUID_PAIRS[k]!;
    const high = HEX[buf[at]!]!;
    const low = HEX[buf[at + 1]!]!;
    bad |= high | low;
    out[1 + k] = (high << 4) | low;
  }
  if (bad < 0) return false;
  out[0] = TAG_UUID;
  return true;
}
