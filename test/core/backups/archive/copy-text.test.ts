import { describe, expect, it } from 'vitest';
import { copyFieldRaw, decodeCopyField, decodeCopyRow, findCopyField } from '../../../../electron/core/backups/archive/copy-fields.ts';
import { CopyLineSplitter, MAX_COPY_LINE } from '../../../../electron/core/backups/archive/copy-line-splitter.ts';
import { PlainDumpScanner } from '../../../../electron/core/backups/archive/plain-dump-scanner.ts';
import { ByteKeyTable } from '../../../../electron/core/backups/archive/byte-key-table.ts';
import { PACKED_KEY_BYTES, packCopyKey } from '../../../../electron/core/backups/archive/pack-copy-key.ts';
import { throttleProgress } from '../../../../electron/core/backups/archive/throttle-progress.ts';

/* COPY text decoding, row splitting and the counting maps, on bytes made by hand. */

describe('COPY fields', () => {
  it('undoes every escape COPY writes or reads', () => {
    const row = Buffer.from('1\t\\\\\\b\\f\\n\\r\\t\\v\t\\101\\x41\\q\\303\\251\t\\N\t\t\\xZ');
    expect(decodeCopyRow(row)).toEqual(['1', '\\\b\f\n\r\t\v', 'AAqé', null, '', 'xZ']);
    expect(decodeCopyField(row, 2)).toBe('AAqé');
    expect(decodeCopyField(row, 3)).toBeNull();
    expect(decodeCopyField(row, 9)).toBeUndefined();
    expect(copyFieldRaw(row, 2)!.toString()).toBe('\\101\\x41\\q\\303\\251');
    expect(copyFieldRaw(row, 3)).toBeNull();
  });

  it('finds a field by counting raw tabs, and says when the row is shorter', () => {
    const row = Buffer.from('a\tbb\t\tccc');
    const range = { start: 0, end: 0 };
    expect(findCopyField(row, 0, row.length, 1, range)).toEqual({ start: 2, end: 4 });
    expect(findCopyField(row, 0, row.length, 2, range)).toEqual({ start: 5, end: 5 });
    expect(findCopyField(row, 0, row.length, 3, range)).toEqual({ start: 6, end: 9 });
    expect(findCopyField(row, 0, row.length, 4, range).start).toBe(-1);
  });

  it('keeps 4-byte characters whole when octal escapes name their bytes', () => {
    const emoji = Buffer.from('😀');
    const escaped = [...emoji].map((b) => `\\${b.toString(8)}`).join('');
    expect(decodeCopyRow(Buffer.from(`${escaped}\t😀`))).toEqual(['😀', '😀']);
  });
});

describe('splitting COPY text into rows', () => {
  const text = Buffer.from('1\tone\n2\ttwo with \\n escaped\n3\t\\.\n\n4\tfour\n\\.\n\n');
  const expected = ['1\tone', '2\ttwo with \\n escaped', '3\t\\.', '', '4\tfour'];

  it('gives the same rows byte for byte however the text is cut into pieces', () => {
    for (let cut = 0; cut <= text.length; cut++) {
      for (const size of [1, 3, 7]) {
        const rows: string[] = [];
        const splitter = new CopyLineSplitter((buf, start, end) => rows.push(buf.toString('latin1', start, end)));
        splitter.push(text.subarray(0, cut));
        for (let at = cut; at < text.length; at += size) splitter.push(text.subarray(at, at + size));
        splitter.finish();
        expect(rows).toEqual(expected);
        expect(splitter.rows).toBe(5);
      }
    }
  });

  it('calls data without its end marker truncated, and refuses bytes after the marker', () => {
    const cut = new CopyLineSplitter(() => undefined);
    cut.push(Buffer.from('1\tone\n2\ttw'));
    expect(() => cut.finish()).toThrow(/inside a row, after 1 complete rows/);
    const unended = new CopyLineSplitter(() => undefined);
    unended.push(Buffer.from('1\tone\n'));
    expect(() => unended.finish()).toThrow(/before the end-of-data marker/);
    const junk = new CopyLineSplitter(() => undefined);
    expect(() => junk.push(Buffer.from('1\n\\.\n\nX'))).toThrow(/after the end-of-data marker/);
  });

  it('refuses a row that runs on past the longest line PostgreSQL writes, instead of holding it', () => {
    expect(MAX_COPY_LINE).toBe(1024 * 1024 * 1024);
    const splitter = new CopyLineSplitter(() => undefined, { maxLine: 1000 });
    splitter.push(Buffer.from('1\tone\n2\t'));
    for (let i = 0; i < 9; i++) splitter.push(Buffer.alloc(100, 0x78));
    expect(() => splitter.push(Buffer.alloc(100, 0x78))).toThrow(/a row runs on past 1000 bytes without ending.*after 1 complete rows/);
    // A row of exactly the bound, then its newline, is a row.
    const whole = new CopyLineSplitter(() => undefined, { maxLine: 1000 });
    whole.push(Buffer.alloc(1000, 0x78));
    whole.push(Buffer.from('\n\\.\n'));
    expect(whole.rows).toBe(1);
    const sql = new PlainDumpScanner({ maxLine: 1000 });
    sql.push(Buffer.from('--\n-- PostgreSQL database dump\n'));
    for (let i = 0; i < 10; i++) sql.push(Buffer.alloc(100, 0x78));
    expect(() => sql.push(Buffer.alloc(100, 0x78))).toThrow(/a line of the SQL dump runs on past 1000 bytes/);
  });

  it('in a plain dump stops at the marker and says how much was COPY data', () => {
    const splitter = new CopyLineSplitter(() => undefined, { sqlMayFollow: true });
    expect(splitter.push(Buffer.from('1\n\\.\nALTER TABLE x;\n'))).toBe(5);
    expect(splitter.ended).toBe(true);
  });
});

describe('the counting maps', () => {
  it('maps 200,000 byte keys of many lengths exactly like a Map', () => {
    const table = new ByteKeyTable(16);
    const reference = new Map<string, number>();
    const wrong: string[] = [];
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 200_000; i++) {
      const key = Buffer.from(`${random().toString(36)}-${i % 1000}`.slice(0, 1 + (random() % 20)));
      const entry = table.intern(key, key.length, i);
      if (!reference.has(key.toString('latin1'))) reference.set(key.toString('latin1'), i);
      if (table.value(entry) !== reference.get(key.toString('latin1'))) wrong.push(key.toString('latin1'));
    }
    expect(wrong).toEqual([]);
    expect(table.size).toBe(reference.size);
    for (const [key, value] of reference) if (table.value(table.find(Buffer.from(key, 'latin1'), key.length)) !== value) wrong.push(key);
    expect(wrong).toEqual([]);
    expect(table.find(Buffer.from('not there at all'), 16)).toBe(-1);
  });

  it('packs uuids and integers small, and only equal texts pack equal', () => {
    const out = Buffer.alloc(PACKED_KEY_BYTES);
    const range = { start: 0, end: 0 };
    const pack = (text: string, fields = [0]) => {
      const row = Buffer.from(text);
      const length = packCopyKey(row, 0, row.length, fields, out, range);
      return length < 0 ? null : Buffer.from(out.subarray(0, length)).toString('hex');
    };
    expect(pack('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).toHaveLength(34);
    expect(pack('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).not.toBe(pack('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'));
    expect(pack('12345')).toHaveLength(8);
    expect(pack('12')).not.toBe(pack('012'));
    expect(pack('12')).not.toBe(pack('21'));
    expect(pack('\\N')).toBeNull();
    expect(pack('x\t\\N', [0, 1])).toBeNull();
    expect(pack('1\t2', [0, 1])).not.toBe(pack('12\t', [0, 1]));
    const keys = ['1', '01', '10', 'a', '1a', '', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1x'];
    expect(new Set(keys.map((k) => pack(k))).size).toBe(keys.length);
  });
});

describe('progress', () => {
  it('passes a few reports a second at most, and every change of phase', () => {
    const seen: string[] = [];
    const report = throttleProgress((p) => seen.push(`${p.phase}:${p.done}`), 250);
    for (let i = 0; i < 10_000; i++) report({ phase: 'counting rows', done: i, total: null, unit: 'bytes' });
    report({ phase: 'scanning', done: 1, total: null, unit: 'bytes' });
    report({ phase: 'scanning', done: 2, total: null, unit: 'bytes' });
    report.flush();
    expect(seen).toEqual(['counting rows:0', 'scanning:1', 'scanning:2']);
  });
});
