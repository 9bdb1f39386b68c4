import { describe, expect, it } from 'vitest';
import {
  addColumns,
  applyQueryEvent,
  cancelRun,
  outcomesOf,
  parseRowCap,
  startFetch,
  startRun,
  truncatedDatabases,
} from '../../renderer/src/view/query-results.ts';
import type { QueryResults, QueryRunEvent } from '../../renderer/src/view/query-results.ts';

const columns = (database: string, ...names: string[]): QueryRunEvent => ({
  type: 'columns',
  database,
  columns: names.map((name) => ({ name, type: name === 'id' ? 'bigint' : 'text' })),
});
const rows = (database: string, ...values: unknown[][]): QueryRunEvent => ({ type: 'rows', database, rows: values });
const done = (
  name: string,
  rows: number,
  extra: { truncated?: boolean; ms?: number; error?: { code: string; sqlstate: string | null; message: string } } = {},
): QueryRunEvent => ({
  type: 'done',
  outcome: { name, rows, truncated: extra.truncated ?? false, ms: extra.ms ?? 10, error: extra.error ?? null },
});
const fold = (start: QueryResults, ...events: QueryRunEvent[]) => events.reduce(applyQueryEvent, start);

describe('merging streamed query events into one result', () => {
  it('shows every database as running from the start, in the target order', () => {
    expect(startRun(['default', 'shard_1']).databases.map((d) => [d.name, d.phase])).toEqual([
      ['default', 'running'],
      ['shard_1', 'running'],
    ]);
  });

  it('keeps rows in the union of the columns: by name, a repeated name by occurrence, new names appended', () => {
    const union = addColumns(
      [],
      [
        { name: 'a', type: 'int' },
        { name: 'a', type: 'int' },
      ],
    );
    expect(union.positions).toEqual([0, 1]);
    const next = addColumns(union.union, [
      { name: 'b', type: 'text' },
      { name: 'a', type: 'int' },
    ]);
    expect(next.union.map((c) => c.name)).toEqual(['a', 'a', 'b']);
    expect(next.positions).toEqual([2, 0]);
  });

  it('places each database’s rows by its own column order and pads missing columns with null', () => {
    const results = fold(
      startRun(['default', 'shard_1']),
      columns('default', 'id', 'name'),
      rows('default', [1, 'x']),
      columns('shard_1', 'name', 'id', 'extra'),
      rows('shard_1', ['y', 2, true]),
    );
    expect(results.columns.map((c) => c.name)).toEqual(['id', 'name', 'extra']);
    expect(results.rows.map((r) => [r.database, r.values])).toEqual([
      ['default', [1, 'x']],
      ['shard_1', [2, 'y', true]],
    ]);
    expect(results.rows.map((r) => r.seq)).toEqual([0, 1]);
  });

  it('keeps the rows of the databases that answered beside the error of one that failed', () => {
    const error = { code: 'DATABASE_ERROR', sqlstate: '42P01', message: 'relation "pwb_websites" does not exist' };
    const results = fold(
      startRun(['default', 'shard_1']),
      columns('default', 'count'),
      rows('default', ['300']),
      done('default', 1),
      done('shard_1', 0, { error }),
    );
    expect(results.rows).toHaveLength(1);
    const [primary, shard] = results.databases;
    expect(primary).toMatchObject({ phase: 'done', rows: 1, error: null });
    expect(shard).toMatchObject({ phase: 'failed', rows: 0, error });
  });

  it('adds a database the target did not list beforehand (a website’s) when it first answers', () => {
    const results = fold(startRun([]), columns('shard_2', 'id'), rows('shard_2', [7]), done('shard_2', 1, { ms: 4 }));
    expect(results.databases).toEqual([
      { name: 'shard_2', phase: 'done', rows: 1, ms: 4, truncated: false, error: null, columns: [{ name: 'id', type: 'bigint' }] },
    ]);
  });

  it('counts rows and time over the run and every fetch-more, and ends truncated as the last page says', () => {
    let results = fold(startRun(['default']), columns('default', 'id'), rows('default', [1], [2]), done('default', 2, { truncated: true, ms: 30 }));
    expect(truncatedDatabases(results)).toEqual(['default']);
    results = startFetch(results, ['default']);
    expect(results.databases[0]).toMatchObject({ phase: 'running', truncated: false });
    expect(truncatedDatabases(results)).toEqual([]);
    results = fold(results, rows('default', [3]), done('default', 1, { truncated: false, ms: 5 }));
    expect(results.databases[0]).toMatchObject({ phase: 'done', rows: 3, ms: 35, truncated: false });
    expect(results.rows.map((r) => r.values[0])).toEqual([1, 2, 3]);
    expect(outcomesOf(results)).toEqual([{ name: 'default', rows: 3, truncated: false, ms: 35, error: null }]);
  });

  it('marks the databases still running as cancelled, keeping what arrived', () => {
    const results = cancelRun(fold(startRun(['default', 'shard_1']), columns('default', 'id'), rows('default', [1]), done('default', 1)));
    expect(results.databases.map((d) => d.phase)).toEqual(['done', 'cancelled']);
    expect(results.rows).toHaveLength(1);
  });

  it('ignores a second columns event of a database', () => {
    const once = fold(startRun(['default']), columns('default', 'id'));
    expect(applyQueryEvent(once, columns('default', 'other'))).toBe(once);
  });
});

describe('the row cap', () => {
  it('takes a whole number from 1 to 100,000, thousands separators allowed', () => {
    expect(parseRowCap('1000')).toBe(1000);
    expect(parseRowCap(' 100,000 ')).toBe(100000);
    expect(parseRowCap('0')).toBeNull();
    expect(parseRowCap('100001')).toBeNull();
    expect(parseRowCap('12.5')).toBeNull();
    expect(parseRowCap('')).toBeNull();
  });
});
