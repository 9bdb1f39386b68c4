/*
 * Fields of one COPY text row (PostgreSQL's text format: tab between fields, `\N` for NULL, backslash
 * escapes). Rows come from CopyLineSplitter without their newline.
 */

const TAB = 0x09;
const BACKSLASH = 0x5c;

const SIMPLE_ESCAPES: Record<number, number> = {
  0x62: 0x08, // \b
  0x66: 0x0c, // \f
  0x6e: 0x0a, // \n
  0x72: 0x0d, // \r
  0x74: 0x09, // \t
  0x76: 0x0b, // \v
};

/** Start and end of one field inside a row buffer; `start === -1` when the row has fewer fields. */
export interface FieldRange {
  start: number;
  end: number;
}

/**
 * Finds field `index` (0-based) without decoding anything: a tab inside a value is always escaped, so
 * raw tabs separate fields. Writes into `out` so the counting loop allocates nothing per row.
 */
export function findCopyField(buf: Buffer, start: number, end: number, index: number, out: FieldRange): FieldRange {
  let from = start;
  for (let i = 0; i < index; i++) {
    const tab = buf.indexOf(TAB, from);
    if (tab < 0 || tab >= end) {
      out.start = -1;
      out.end = -1;
      return out;
    }
    from = tab + 1;
  }
  const tab = buf.indexOf(TAB, from);
  out.start = from;
  out.end = tab < 0 || tab >= end ? end : tab;
  return out;
}

/** True when the raw field is `\N`, COPY's NULL. */
export function isCopyNull(buf: Buffer, start: number, end: number): boolean {
  return end - start === 2 && buf[start] === BACKSLASH && buf[start + 1] === 0x4e;
}

/** The raw (still escaped) bytes of field `index`, or null for NULL; undefined when the row has no such field. */
export function copyFieldRaw(row: Buffer, index: number): Buffer | null | undefined {
  const range = findCopyField(row, 0, row.length, index, { start: 0, end: 0 });
  if (range.start < 0) return undefined;
  if (isCopyNull(row, range.start, range.end)) return null;
  return row.subarray(range.start, range.end);
}

/** One field decoded to text, without decoding the rest of the row; undefined when the row has no such field. */
export function decodeCopyField(row: Buffer, index: number, encoding: BufferEncoding = 'utf8'): string | null | undefined {
  const range = findCopyField(row, 0, row.length, index, { start: 0, end: 0 });
  if (range.start < 0) return undefined;
  return decodeRange(row, range.start, range.end, encoding);
}

/** Every field of a row, decoded: strings, null for `\N`. */
export function decodeCopyRow(row: Buffer, encoding: BufferEncoding = 'utf8'): (string | null)[] {
  const fields: (string | null)[] = [];
  let from = 0;
  for (;;) {
    const tab = row.indexOf(TAB, from);
    const end = tab < 0 ? row.length : tab;
    fields.push(decodeRange(row, from, end, encoding));
    if (tab < 0) return fields;
    from = tab + 1;
  }
}

function decodeRange(buf: Buffer, start: number, end: number, encoding: BufferEncoding): string | null {
  if (isCopyNull(buf, start, end)) return null;
  const slash = buf.indexOf(BACKSLASH, start);
  if (slash < 0 || slash >= end) return buf.toString(encoding, start, end);
  return unescapeCopyBytes(buf, start, end).toString(encoding);
}

/**
 * Undoes COPY's escapes into bytes (octal and hex escapes name bytes, which may be parts of one UTF-8
 * character, so text is decoded only afterwards). Any other backslashed character stands for itself.
 */
export function unescapeCopyBytes(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  let o = 0;
  let i = start;
  while (i < end) {
    const c = buf[i++]!;
    if (c !== BACKSLASH || i >= end) {
      out[o++] = c;
      continue;
    }
    const e = buf[i++]!;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out[o++] = simple;
    } else if (e >= 0x30 && e <= 0x37) {
      let value = e - 0x30;
      for (let k = 0; k < 2 && i < end && buf[i]! >= 0x30 && buf[i]! <= 0x37; k++) value = value * 8 + (buf[i++]! - 0x30);
      out[o++] = value & 0xff;
    } else if (e === 0x78 && i < end && hexValue(buf[i]!) >= 0) {
      let value = hexValue(buf[i++]!);
      if (i < end && hexValue(buf[i]!) >= 0) value = value * 16 + hexValue(buf[i++]!);
      out[o++] = value;
    } else {
      out[o++] = e;
    }
  }
  return out.subarray(0, o);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
