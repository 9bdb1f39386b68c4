import { describe, expect, it } from 'vitest';
import {
  heldRow,
  DATABASE_COLUMN,
  ariaSortOf,
  cellText,
  compareCells,
  gridTemplate,
  isNumericType,
  moveGridCursor,
  shownLabel,
  shownRows,
  toggleResultSort,
} from '../../renderer/src/view/query-grid.ts';
import type { QueryResults } from '../../renderer/src/view/query-results.ts';

const results: QueryResults = {
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'subdomain', type: 'character varying' },
  ],
  positions: {},
  databases: ['default', 'shard_1', 'shard_2'].map((name) => ({ name, phase: 'done' as const, rows: 0, ms: 1, truncated: false, error: null, columns: null })),
  rows: [
    { database: 'shard_2', values: ['9007199254740993', 'zeta'], seq: 0 },
    { database: 'default', values: ['10', 'Alpha'], seq: 1 },
    { database: 'shard_1', values: ['9', null], seq: 2 },
    { database: 'default', values: ['9007199254740992', 'beta'], seq: 3 },
  ],
};

describe('cells', () => {
  it('shows NULL for null and missing values, JSON for objects, text otherwise', () => {
    expect(cellText(null)).toBe('NULL');
    expect(cellText(undefined)).toBe('NULL');
    expect(cellText({ a: [1] })).toBe('{"a":[1]}');
    expect(cellText(true)).toBe('true');
    expect(cellText('\\x00ff')).toBe('\\x00ff');
  });

  it('compares numeric columns as numbers, exactly past 2^53, and NULLs as the largest value (PostgreSQL’s order)', () => {
    expect(isNumericType('bigint')).toBe(true);
    expect(isNumericType('numeric(12,2)')).toBe(true);
    expect(isNumericType('text')).toBe(false);
    expect(compareCells('9', '10', 'bigint')).toBeLessThan(0);
    expect(compareCells('9', '10', 'text')).toBeGreaterThan(0);
    expect(compareCells('9007199254740993', '9007199254740992', 'bigint')).toBeGreaterThan(0);
    expect(compareCells(null, '1', 'bigint')).toBeGreaterThan(0);
    expect(compareCells('1', null, 'text')).toBeLessThan(0);
    expect(compareCells(false, true, 'boolean')).toBeLessThan(0);
  });
});

describe('the shown rows', () => {
  it('groups rows by database in the target order, each in arrival order, when unsorted', () => {
    expect(shownRows(results, '', null).map((r) => r.seq)).toEqual([1, 3, 2, 0]);
  });

  it('sorts by a column (ties keep their order) and by the database column', () => {
    expect(shownRows(results, '', { column: 0, direction: 'asc' }).map((r) => r.values[0])).toEqual(['9', '10', '9007199254740992', '9007199254740993']);
    expect(shownRows(results, '', { column: 1, direction: 'desc' }).map((r) => r.values[1])).toEqual([null, 'zeta', 'beta', 'Alpha']);
    expect(shownRows(results, '', { column: DATABASE_COLUMN, direction: 'desc' }).map((r) => r.database)).toEqual(['shard_2', 'shard_1', 'default', 'default']);
  });

  it('filters on any cell’s text or the database name, case-insensitively', () => {
    expect(shownRows(results, 'ALPHA', null).map((r) => r.seq)).toEqual([1]);
    expect(shownRows(results, 'shard_1', null).map((r) => r.seq)).toEqual([2]);
    expect(shownRows(results, 'null', null).map((r) => r.seq)).toEqual([2]);
    expect(shownRows(results, '  ', null)).toHaveLength(4);
  });

  it('says how many rows match the filter', () => {
    expect(shownLabel(4, 4, '')).toBe('4 rows');
    expect(shownLabel(1, 1200, ' alpha ')).toBe('1 of 1,200 rows match “alpha”');
  });

  it('cycles a header’s sort: ascending, descending, arrival order', () => {
    const asc = toggleResultSort(null, 1);
    expect(asc).toEqual({ column: 1, direction: 'asc' });
    const desc = toggleResultSort(asc, 1);
    expect(desc).toEqual({ column: 1, direction: 'desc' });
    expect(toggleResultSort(desc, 1)).toBeNull();
    expect(toggleResultSort(desc, 0)).toEqual({ column: 0, direction: 'asc' });
    expect(ariaSortOf(desc, 1)).toBe('descending');
    expect(ariaSortOf(desc, 0)).toBe('none');
  });
});

describe('the grid cursor', () => {
  const start = { row: 0, column: DATABASE_COLUMN };
  it('moves by arrows within the grid, the database column being the first', () => {
    expect(moveGridCursor(start, 'ArrowRight', 5, 2)).toEqual({ row: 0, column: 0 });
    expect(moveGridCursor({ row: 0, column: 1 }, 'ArrowRight', 5, 2)).toEqual({ row: 0, column: 1 });
    expect(moveGridCursor(start, 'ArrowLeft', 5, 2)).toEqual(start);
    expect(moveGridCursor(start, 'ArrowDown', 5, 2)).toEqual({ row: 1, column: DATABASE_COLUMN });
    expect(moveGridCursor({ row: 4, column: 0 }, 'ArrowDown', 5, 2)).toEqual({ row: 4, column: 0 });
    expect(moveGridCursor({ row: 2, column: 0 }, 'ArrowUp', 5, 2)).toEqual({ row: 1, column: 0 });
  });

  it('jumps with Home, End and the page keys, and stays inside a grid that shrank', () => {
    expect(moveGridCursor({ row: 2, column: 0 }, 'End', 50, 2)).toEqual({ row: 49, column: 0 });
    expect(moveGridCursor({ row: 2, column: 0 }, 'Home', 50, 2)).toEqual({ row: 0, column: 0 });
    expect(moveGridCursor({ row: 2, column: 0 }, 'PageDown', 50, 2, 20)).toEqual({ row: 22, column: 0 });
    expect(moveGridCursor({ row: 30, column: 5 }, '', 3, 2)).toEqual({ row: 2, column: 1 });
    expect(moveGridCursor(start, 'ArrowDown', 0, 2)).toEqual({ row: -1, column: DATABASE_COLUMN });
  });

  it("keeps the cursor on its row when rows arrive before it (a later database's rows are grouped in ahead); a sort keeps its place; a new run does not follow", () => {
    const [r1, r2, r10, r11, r12] = [1, 2, 10, 11, 12].map((seq) => ({ seq }));
    const held = { row: 1, column: 0, item: r11!, order: '' };
    expect(heldRow([r10!, r11!, r12!], held, '')).toBe(1);
    // The primary's rows came in after and are shown first: the cursor's row is now the fourth.
    expect(heldRow([r1!, r2!, r10!, r11!, r12!], held, '')).toBe(3);
    // Sorted since: the place it had (S sorts by the cursor's column; the cursor stays where the eye is).
    expect(heldRow([r12!, r10!, r1!, r11!], held, '0:asc')).toBe(1);
    // A new run: its rows are others, even where their arrival numbers are the same: the place it had.
    expect(heldRow([{ seq: 0 }, { seq: 11 }, { seq: 2 }, { seq: 3 }], held, '')).toBe(1);
    expect(heldRow([r10!, r11!], { row: 0, column: 0, item: null, order: '' }, '')).toBe(0);
  });

  it('lays out the database column and one track per column, every row the same width', () => {
    expect(gridTemplate(2)).toEqual({ template: '120px repeat(2, minmax(150px, 1fr))', minWidth: 420 });
    expect(gridTemplate(0)).toEqual({ template: '120px', minWidth: 120 });
  });
});
