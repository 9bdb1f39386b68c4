import { hash as oneShotHash } from 'node:crypto';
import { unescapeCopyBytes } from '../backups/archive/copy-fields.ts';

/*
 * How a restore proves the rows it loaded are the archive's rows: per table, the row count and the sum
 * (mod 2^64) of a 64-bit hash of every row, over the archive's COPY lines on one side and over the
 * target's rows read back with `COPY (SELECT the archive's columns ...) TO STDOUT` on the other. A sum
 * does not depend on row order; a changed, missing or extra row changes it unless hashes collide (about
 * 1 in 2^64 per differing row).
 *
 * The row hash is versioned, and a job keeps the version it started with (a job resumed by a newer
 * console still compares like with like):
 * - 2 (jobs from 2026-12-05 on): the first 64 bits of MurmurHash3_x86_128 with seed 0 (h1 the high
 *   word, h2 the low), computed in place over the line's bytes: no object per row. It is not a
 *   cryptographic hash: it catches rows lost, duplicated or altered by accident (a bug, a torn write, a
 *   wrong setting), which is what verification is for; it does not stand against rows crafted to
 *   collide, and neither side of a restore is written by someone who would want them to.
 * - 1: the first 8 bytes of each line's SHA-256 (several times slower per row).
 *
 * Both sides are COPY text, so a value hashes equal only if PostgreSQL printed it the same way. pg_dump
 * prints with DateStyle ISO, IntervalStyle postgres, extra_float_digits 3, the server's bytea_output and
 * the dumping session's TimeZone (it never sets one: the server's default, or PGTZ of wherever pg_dump
 * ran). The read-back pins DateStyle ISO, IntervalStyle postgres, extra_float_digits 3, bytea_output hex,
 * TimeZone UTC and the archive's client_encoding. Under those settings each type PWB uses prints the
 * same on both sides, byte for byte, with these exceptions made comparable here, on both sides alike:
 * - timestamp with time zone (also inside arrays and tstz ranges): its text carries the session's
 *   offset (`2024-03-01 10:00:00+01`, `1890-01-01 00:00:00+00:19:32` in a zone's local mean time), so
 *   every such value becomes its UTC instant (`@<seconds since 1970>[.fraction]`) from the offset in
 *   the text; `infinity` stays as it is;
 * - bytea: an archive from a server with `bytea_output = escape` holds escape-format text; it becomes hex;
 * - real and double precision, when the archive comes from a server older than 12 (whose
 *   extra_float_digits 3 prints 17 significant digits, not the shortest exact text of 12 and later): each
 *   value becomes the shortest text that reads back to the same float (NaN, Infinity and -0 kept).
 * Unchanged, because they print identically: timestamp without time zone, date, time, numeric (its scale
 * kept), interval, json (stored as written), jsonb (canonical), uuid, text and varchar, boolean, integers,
 * arrays of these, floats from a server of 12 or later (NaN, Infinity, -Infinity and -0 included).
 * Not made comparable (they would fail verification, never pass wrongly): money (lc_monetary), and
 * timestamptz inside composite types or behind a domain.
 */

/** Turns one raw (still COPY-escaped) field into its comparable raw form; null keeps it as it is. */
export type FieldNormalizer = (field: Buffer) => Buffer;

const TIMESTAMPTZ = /^timestamp(\(\d\))? with time zone(\[\])*$|^tstzrange(\[\])*$|^tstzmultirange(\[\])*$/;
const FLOAT = /^(real|double precision)$/;

/** Per COPY field, the normalizer its column's type needs (null: compared as printed). */
export function fieldNormalizers(types: readonly string[], options: { shortestFloats: boolean }): Array<FieldNormalizer | null> {
  return types.map((type) => {
    if (TIMESTAMPTZ.test(type)) return utcInstants;
    if (type === 'bytea') return hexBytea;
    if (options.shortestFloats && FLOAT.test(type)) return type === 'real' ? shortestReal : shortestDouble;
    return null;
  });
}

/** Whether an archive's floats need rewriting to compare: servers before 12 printed 17 significant digits under pg_dump's extra_float_digits 3. */
export function needsShortestFloats(serverVersion: string | null): boolean {
  const major = Number(/^(\d+)/.exec(serverVersion ?? '')?.[1] ?? 99);
  return major < 12;
}

// `2024-03-01 10:00:00.5+01`, `+05:30`, `-00:19:32`, optionally ` BC`; year 4 digits or more.
const STAMP = /(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?( BC)?/g;

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil), any year. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function instant(match: string, ...g: Array<string | undefined>): string {
  const [year, month, day, hour, minute, second, fraction, sign, oh, om, os, bc] = g;
  // PostgreSQL writes year N BC for astronomical year 1 - N.
  const y = bc ? 1 - Number(year) : Number(year);
  const offset = (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0)) * (sign === '-' ? -1 : 1);
  const seconds = daysFromCivil(y, Number(month), Number(day)) * 86400 + Number(hour) * 3600 + Number(minute) * 60 + Number(second) - offset;
  return Number.isSafeInteger(seconds) ? `@${seconds}${fraction ?? ''}` : match;
}

/** Every timestamp-with-offset in the field, as its UTC instant. */
export function utcInstants(field: Buffer): Buffer {
  const text = field.toString('latin1');
  STAMP.lastIndex = 0;
  if (!STAMP.test(text)) return field;
  STAMP.lastIndex = 0;
  return Buffer.from(text.replace(STAMP, instant as (substring: string, ...args: unknown[]) => string), 'latin1');
}

const BACKSLASH = 0x5c;

/** An escape-format bytea (as COPY writes it) as hex-format; hex stays as it is. */
export function hexBytea(field: Buffer): Buffer {
  // Hex format in COPY text: `\\x...` (the backslash itself escaped).
  if (field.length >= 3 && field[0] === BACKSLASH && field[1] === BACKSLASH && field[2] === 0x78) return field;
  if (field.length === 2 && field[0] === BACKSLASH && field[1] === 0x4e) return field; // NULL
  const text = unescapeCopyBytes(field, 0, field.length);
  const bytes: number[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c !== BACKSLASH) {
      bytes.push(c);
      i += 1;
    } else if (text[i + 1] === BACKSLASH) {
      bytes.push(BACKSLASH);
      i += 2;
    } else {
      bytes.push(parseInt(text.toString('latin1', i + 1, i + 4), 8));
      i += 4;
    }
  }
  return Buffer.from(`\\\\x${Buffer.from(bytes).toString('hex')}`, 'latin1');
}

function shortestFloat(field: Buffer, round: (x: number) => number): Buffer {
  const text = field.toString('latin1');
  if (text === '\\N' || text === 'NaN' || text === 'Infinity' || text === '-Infinity') return field;
  const x = round(Number(text));
  if (Number.isNaN(x)) return field;
  return Buffer.from(Object.is(x, -0) ? '-0' : String(x), 'latin1');
}

export const shortestDouble: FieldNormalizer = (field) => shortestFloat(field, (x) => x);
export const shortestReal: FieldNormalizer = (field) => shortestFloat(field, Math.fround);

const TAB = 0x09;

/**
 * A line as it hashes: fields reordered to the compared column order (when the archive's COPY for this
 * entry lists them differently) and each normalized where its type needs it. Returns the line itself
 * when nothing changes, which is most tables.
 */
export function comparableLine(normalizers: ReadonlyArray<FieldNormalizer | null>, order: readonly number[] | null = null): (line: Buffer) => Buffer {
  if (order === null && normalizers.every((n) => n === null)) return (line) => line;
  return (line) => {
    const fields: Buffer[] = [];
    let from = 0;
    for (;;) {
      const tab = line.indexOf(TAB, from);
      fields.push(line.subarray(from, tab < 0 ? line.length : tab));
      if (tab < 0) break;
      from = tab + 1;
    }
    const ordered = order === null ? fields : order.map((i) => fields[i] ?? Buffer.alloc(0));
    const parts: Buffer[] = [];
    for (let i = 0; i < ordered.length; i++) {
      if (i > 0) parts.push(TAB_BUFFER);
      const normalize = normalizers[i];
      parts.push(normalize ? normalize(ordered[i]!) : ordered[i]!);
    }
    return Buffer.concat(parts);
  };
}

const TAB_BUFFER = Buffer.from([TAB]);
const TWO_32 = 4294967296;
const FOLD_AT = 2 ** 52;

/** The row hash of new jobs (see the top of this file); jobs recorded before versions existed used 1. */
export const ROW_HASH_VERSION = 2;
export type RowHashVersion = 1 | 2;

/** Count and order-independent 64-bit hash sum of a table's rows. */
export class RowDigest {
  rows = 0;
  #lo = 0;
  #hi = 0;
  readonly #version: RowHashVersion;
  readonly #words = new Int32Array(4);

  constructor(version: RowHashVersion = ROW_HASH_VERSION) {
    this.#version = version;
  }

  add(line: Uint8Array): void {
    this.addRange(line, 0, line.length);
  }

  /** The row held in bytes start..end of a buffer (a line of a larger piece: nothing is copied). */
  addRange(buf: Uint8Array, start: number, end: number): void {
    this.rows++;
    if (this.#version === 1) {
      // The digest as a 'binary' (latin1) string, one character a byte: Node 20 returns it several times faster than a Buffer.
      const h = oneShotHash('sha256', buf.subarray(start, end), 'binary');
      this.#hi += word(h, 0);
      this.#lo += word(h, 4);
    } else {
      murmur3x86_128(buf, start, end, this.#words);
      this.#hi += this.#words[0]! >>> 0;
      this.#lo += this.#words[1]! >>> 0;
    }
    // Plain numbers stay exact below 2^53: carry the low word's overflow into the high word in time.
    if (this.#lo >= FOLD_AT || this.#hi >= FOLD_AT) this.#fold();
  }

  #fold(): void {
    const carry = Math.floor(this.#lo / TWO_32);
    this.#lo -= carry * TWO_32;
    this.#hi = (this.#hi + carry) % TWO_32;
  }

  /** 16 hex digits: the sum of the rows' hashes mod 2^64. */
  get hash(): string {
    this.#fold();
    this.#hi %= TWO_32;
    return ((BigInt(this.#hi) << 32n) | BigInt(this.#lo)).toString(16).padStart(16, '0');
  }
}

const M1 = 0x239b961b;
const M2 = 0xab0e9789 | 0;
const M3 = 0x38b34ae5;
const M4 = 0xa1e38b93 | 0;
const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
const fmix = (h: number) => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
};

/** A view of the last buffer hashed (the rows of one piece share it): blocks read as 32-bit words, wherever a row starts. */
let viewed: ArrayBufferLike | null = null;
let view: DataView | null = null;

/**
 * MurmurHash3_x86_128 (Austin Appleby's, public domain) with seed 0 of bytes start..end, its four
 * 32-bit words h1..h4 written to `out`: 32-bit integer arithmetic only, little-endian blocks.
 */
export function murmur3x86_128(d: Uint8Array, start: number, end: number, out: Int32Array): void {
  if (d.buffer !== viewed) {
    viewed = d.buffer;
    view = new DataView(d.buffer);
  }
  const words = view!;
  const base = d.byteOffset;
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  const length = end - start;
  const blocks = start + (length & ~15);
  let i = start;
  for (; i < blocks; i += 16) {
    const at = base + i;
    h1 ^= Math.imul(rotl(Math.imul(words.getInt32(at, true), M1), 15), M2);
    h1 = (Math.imul((rotl(h1, 19) + h2) | 0, 5) + 0x561ccd1b) | 0;
    h2 ^= Math.imul(rotl(Math.imul(words.getInt32(at + 4, true), M2), 16), M3);
    h2 = (Math.imul((rotl(h2, 17) + h3) | 0, 5) + 0x0bcaa747) | 0;
    h3 ^= Math.imul(rotl(Math.imul(words.getInt32(at + 8, true), M3), 17), M4);
    h3 = (Math.imul((rotl(h3, 15) + h4) | 0, 5) + 0x96cd1c35) | 0;
    h4 ^= Math.imul(rotl(Math.imul(words.getInt32(at + 12, true), M4), 18), M1);
    h4 = (Math.imul((rotl(h4, 13) + h1) | 0, 5) + 0x32ac3b17) | 0;
  }
  const rest = end - i;
  if (rest > 0) {
    let k1 = 0;
    let k2 = 0;
    let k3 = 0;
    let k4 = 0;
    for (let j = 0; j < rest; j++) {
      const b = d[i + j]! << ((j & 3) * 8);
      if (j < 4) k1 ^= b;
      else if (j < 8) k2 ^= b;
      else if (j < 12) k3 ^= b;
      else k4 ^= b;
    }
    if (rest > 12) h4 ^= Math.imul(rotl(Math.imul(k4, M4), 18), M1);
    if (rest > 8) h3 ^= Math.imul(rotl(Math.imul(k3, M3), 17), M4);
    if (rest > 4) h2 ^= Math.imul(rotl(Math.imul(k2, M2), 16), M3);
    h1 ^= Math.imul(rotl(Math.imul(k1, M1), 15), M2);
  }
  finish(h1 ^ length, h2 ^ length, h3 ^ length, h4 ^ length, out);
}

/** MurmurHash3_x86_128's finalization of its four words (the length already mixed in). */
function finish(h1: number, h2: number, h3: number, h4: number, out: Int32Array): void {
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = fmix((h2 + h1) | 0);
  h3 = fmix((h3 + h1) | 0);
  h4 = fmix((h4 + h1) | 0);
  h1 = fmix(h1);
  h1 = (h1 + h2 + h3 + h4) | 0;
  out[0] = h1;
  out[1] = (h2 + h1) | 0;
  out[2] = (h3 + h1) | 0;
  out[3] = (h4 + h1) | 0;
}

/** Four bytes of a latin1 digest string as an unsigned 32-bit number (big-endian). */
function word(h: string, at: number): number {
  return ((h.charCodeAt(at) << 24) | (h.charCodeAt(at + 1) << 16) | (h.charCodeAt(at + 2) << 8) | h.charCodeAt(at + 3)) >>> 0;
}

/** A 64-bit hash of one line (the first 8 bytes of its SHA-256), for naming differing rows: both sides hashed in one call. */
export function lineHash(line: Buffer): string {
  return oneShotHash('sha256', line, 'hex').slice(0, 16);
}

/**
 * An archive entry's lines with their fields in the table's compared order (its first entry's): a
 * partition dumped with its columns in another order has its lines rewritten, the others pass as they are.
 */
export function inTableOrder(columns: readonly string[]): (entry: { dumpId: number; columns: readonly string[] }, lines: Buffer[]) => Buffer[] {
  const order = columns.join('\u0000');
  const reorder = new Map<number, ((line: Buffer) => Buffer) | null>();
  return (entry, lines) => {
    let moved = reorder.get(entry.dumpId);
    if (moved === undefined) {
      moved =
        entry.columns.join('\u0000') === order
          ? null
          : comparableLine(
              columns.map(() => null),
              columns.map((c) => entry.columns.indexOf(c)),
            );
      reorder.set(entry.dumpId, moved);
    }
    return moved ? lines.map(moved) : lines;
  };
}
