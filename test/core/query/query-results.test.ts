import { describe, expect, it } from 'vitest';
import { ColumnUnion } from '../../../electron/core/query/column-union.ts';
import { queryAuditEntry } from '../../../electron/core/query/query-audit.ts';
import { QueryResultBuilder } from '../../../electron/core/query/query-result-builder.ts';
import { csvField, shownRowsAsText } from '../../../shared/query-result-text.ts';

/* The pure parts: merging databases that disagree on columns, the export text of shown rows, the audit entry. */

describe('merged columns', () => {
  it("are the union in the first answering database's order; rows get null where their database lacks a column", () => {
    const builder = new QueryResultBuilder();
    builder.add({
      type: 'columns',
      database: 'shard_2',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'slug', type: 'text' },
      ],
    });
    builder.add({ type: 'rows', database: 'shard_2', rows: [[2, 'b']] });
    builder.add({
      type: 'columns',
      database: 'default',
      columns: [
        { name: 'extra', type: 'jsonb' },
        { name: 'id', type: 'bigint' },
      ],
    });
    builder.add({ type: 'rows', database: 'default', rows: [['{}', 1]] });
    builder.add({ type: 'done', outcome: { name: 'shard_2', rows: 1, truncated: false, ms: 3, error: null } });
    builder.add({ type: 'done', outcome: { name: 'default', rows: 1, truncated: false, ms: 5, error: null } });
    expect(builder.result(['default', 'shard_1', 'shard_2'])).toEqual({
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'slug', type: 'text' },
        { name: 'extra', type: 'jsonb' },
      ],
      rows: [
        { database: 'default', values: [1, null, '{}'] },
        { database: 'shard_2', values: [2, 'b', null] },
      ],
      databases: [
        { name: 'default', rows: 1, truncated: false, ms: 5, error: null },
        { name: 'shard_2', rows: 1, truncated: false, ms: 3, error: null },
      ],
    });
  });

  it('match a repeated name by its occurrence', () => {
    const union = new ColumnUnion();
    union.add('a', [
      { name: 'x', type: 'int' },
      { name: 'x', type: 'int' },
    ]);
    union.add('b', [
      { name: 'x', type: 'int' },
      { name: 'y', type: 'int' },
      { name: 'x', type: 'int' },
    ]);
    expect(union.columns.map((c) => c.name)).toEqual(['x', 'x', 'y']);
    expect(union.place('b', [1, 2, 3])).toEqual([1, 3, 2]);
  });
});

describe('export of what is shown', () => {
  const columns = [
    { name: 'id', type: 'integer' },
    { name: 'note', type: 'text' },
  ];
  const rows = [
    { database: 'default', values: [1, 'plain'] },
    { database: 'shard_1', values: [2, 'has "quotes", a comma\nand a newline'] },
    { database: 'shard_2', values: [3, ''] },
    { database: 'shard_2', values: [null, null] },
  ];

  it('is RFC 4180 CSV: header with database first, CRLF, quoted fields, NULL empty and "" for an empty string', () => {
    expect(shownRowsAsText('csv', columns, rows)).toBe(
      'database,id,note\r\ndefault,1,plain\r\nshard_1,2,"has ""quotes"", a comma\nand a newline"\r\nshard_2,3,""\r\nshard_2,,\r\n',
    );
    expect([csvField(true), csvField('a\rb'), csvField(1.5), csvField(' x ')]).toEqual(['true', '"a\rb"', '1.5', ' x ']);
  });

  it('is the CLI shape as JSON, and a columns line then a line per row as NDJSON', () => {
    const databases = [{ name: 'default', rows: 1, truncated: true, ms: 4, error: null }];
    expect(JSON.parse(shownRowsAsText('json', columns, rows, databases))).toEqual({ columns, rows, databases });
    expect(JSON.parse(shownRowsAsText('json', columns, [], []))).toEqual({ columns, rows: [], databases: [] });
    const lines = shownRowsAsText('ndjson', columns, rows)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([{ columns }, ...rows]);
  });
});

describe('audit entry', () => {
  it('records the statement, the target and per database rows, time and error, never a row', () => {
    const entry = queryAuditEntry('query.run', { sql: 'SELECT secret FROM t', target: { kind: 'all' }, limit: 1000 }, 'all databases', [
      { name: 'default', rows: 3, truncated: false, ms: 12, error: null },
      { name: 'shard_1', rows: 0, truncated: false, ms: 40, error: { code: 'DATABASE_ERROR', sqlstate: '42P01', message: 'no table' } },
    ]);
    expect(entry).toEqual({
      action: 'query.run',
      target: 'all databases',
      details: {
        sql: 'SELECT secret FROM t',
        sqlTruncated: false,
        sqlRedacted: false,
        target: { kind: 'all' },
        limit: 1000,
        databases: [
          { name: 'default', rows: 3, truncated: false, ms: 12, error: null },
          { name: 'shard_1', rows: 0, truncated: false, ms: 40, error: { code: 'DATABASE_ERROR', sqlstate: '42P01', message: 'no table' } },
        ],
      },
    });
    expect(queryAuditEntry('query.run', { sql: 'x'.repeat(20_000), target: { kind: 'all' } }, 'all', []).details).toMatchObject({
      sqlTruncated: true,
      sqlRedacted: false,
      sql: 'x'.repeat(10_000),
    });
    // A secret across the 10,000th character is cut out whole, not left in part.
    const across = queryAuditEntry('query.run', { sql: `${'x'.repeat(9_970)} ALTER ROLE r PASSWORD 'hunter2hunter2'`, target: { kind: 'all' } }, 'all', []);
    expect(across.details.sql).not.toContain('hunter2h');
    expect(across.details).toMatchObject({ sqlTruncated: true, sqlRedacted: true });
  });
});
