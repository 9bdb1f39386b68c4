import { describe, expect, it } from 'vitest';
import { exportFileName, shownExport, suggestedExportPath } from '../../renderer/src/view/query-export.ts';
import { shownRows } from '../../renderer/src/view/query-grid.ts';
import { applyQueryEvent, startRun } from '../../renderer/src/view/query-results.ts';
import type { QueryRunEvent } from '../../renderer/src/view/query-results.ts';

const events: QueryRunEvent[] = [
  { type: 'columns', database: 'default', columns: [{ name: 'id', type: 'bigint' }] },
  { type: 'rows', database: 'default', rows: [['1'], ['2']] },
  { type: 'done', outcome: { name: 'default', rows: 2, truncated: true, ms: 3, error: null } },
  {
    type: 'columns',
    database: 'shard_1',
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'note', type: 'text' },
    ],
  },
  { type: 'rows', database: 'shard_1', rows: [['3', 'a "quoted", text']] },
  { type: 'done', outcome: { name: 'shard_1', rows: 1, truncated: false, ms: 4, error: null } },
];
const results = events.reduce(applyQueryEvent, startRun(['default', 'shard_1']));
const at = new Date('2024-05-01T09:30:05.123Z');

describe('export of what is shown', () => {
  it('writes the shown rows as CSV, the database first, every row as wide as the union', () => {
    const file = shownExport('csv', results, shownRows(results, '', null), at);
    expect(file).toMatchObject({ fileName: 'query-2024-05-01T09-30-05Z.csv', mimeType: 'text/csv;charset=utf-8' });
    expect(file.text).toBe('database,id,note\r\ndefault,1,\r\ndefault,2,\r\nshard_1,3,"a ""quoted"", text"\r\n');
  });

  it('exports only the rows the filter leaves, in the grid’s order', () => {
    const rows = shownRows(results, '', { column: 0, direction: 'desc' }).filter((r) => r.database === 'default');
    expect(shownExport('csv', results, rows, at).text).toBe('database,id,note\r\ndefault,2,\r\ndefault,1,\r\n');
  });

  it('writes JSON in the CLI’s shape with each database’s outcome', () => {
    const parsed = JSON.parse(shownExport('json', results, shownRows(results, 'quoted', null), at).text) as {
      columns: unknown[];
      rows: unknown[];
      databases: unknown[];
    };
    expect(parsed.columns).toEqual([
      { name: 'id', type: 'bigint' },
      { name: 'note', type: 'text' },
    ]);
    expect(parsed.rows).toEqual([{ database: 'shard_1', values: ['3', 'a "quoted", text'] }]);
    expect(parsed.databases).toEqual([
      { name: 'default', rows: 2, truncated: true, ms: 3, error: null },
      { name: 'shard_1', rows: 1, truncated: false, ms: 4, error: null },
    ]);
  });

  it('names files by the moment and proposes the file beside the history for a streamed export', () => {
    expect(exportFileName('ndjson', at)).toBe('query-2024-05-01T09-30-05Z.ndjson');
    expect(suggestedExportPath('csv', at, '/home/ops/.local/share/shard-console/queries/demo.json')).toBe(
      '/home/ops/.local/share/shard-console/queries/query-2024-05-01T09-30-05Z.csv',
    );
    expect(suggestedExportPath('json', at, 'C:\\Users\\ops\\AppData\\queries\\demo.json')).toBe(
      'C:\\Users\\ops\\AppData\\queries\\query-2024-05-01T09-30-05Z.json',
    );
    expect(suggestedExportPath('csv', at, null)).toBe('query-2024-05-01T09-30-05Z.csv');
    // The desktop app's window writes exports into the console's own folder (or where its save dialog chose).
    expect(suggestedExportPath('csv', at, '/home/ops/.local/share/shard-console/queries/demo.json', true)).toBe(
      '/home/ops/.local/share/shard-console/exports/query-2024-05-01T09-30-05Z.csv',
    );
    expect(suggestedExportPath('json', at, 'C:\\Users\\ops\\AppData\\queries\\demo.json', true)).toBe(
      'C:\\Users\\ops\\AppData\\exports\\query-2024-05-01T09-30-05Z.json',
    );
  });
});
