import type { z } from 'zod';
import type { queryColumnSchema, queryDatabaseOutcomeSchema } from './methods/query-methods.ts';

type QueryColumn = z.infer<typeof queryColumnSchema>;
type QueryDatabaseOutcome = z.infer<typeof queryDatabaseOutcomeSchema>;
interface QueryResultRow {
  readonly database: string;
  readonly values: readonly unknown[];
}

/*
 * The text of a result in each export format, in pieces that can be written as rows stream in:
 *   csv     RFC 4180: a header row, a `database` column first, CRLF line ends, a field quoted when it
 *           holds a quote, comma, CR or LF (quotes doubled). NULL is an empty field and an empty string
 *           is "" (as PostgreSQL's own CSV tells them apart); booleans are true/false; every other value
 *           is the text the grid shows (see json-safe-types.ts).
 *   json    the CLI's --json shape: {"columns": [...], "rows": [{"database", "values"}], "databases": [...]}
 *   ndjson  one JSON object per line: first {"columns": [...]}, then {"database", "values"} per row.
 */

export type ExportFormat = 'csv' | 'json' | 'ndjson';
export const EXPORT_FORMATS: readonly ExportFormat[] = Object.freeze(['csv', 'json', 'ndjson']);

export interface ResultTextFormat {
  header(columns: readonly QueryColumn[]): string;
  /** Rows in the columns' order; called any number of times, in writing order. */
  rows(rows: readonly QueryResultRow[]): string;
  footer(databases: readonly QueryDatabaseOutcome[]): string;
}

/** A fresh formatter (the JSON one remembers whether a row was written, for its commas). */
export function resultTextFormat(format: ExportFormat): ResultTextFormat {
  if (format === 'csv') return csvFormat();
  if (format === 'ndjson') return ndjsonFormat();
  return jsonFormat();
}

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvFormat(): ResultTextFormat {
  const line = (fields: readonly unknown[]) => `${fields.map(csvField).join(',')}\r\n`;
  return {
    header: (columns) => line(['database', ...columns.map((c) => c.name)]),
    // A loop, not map/join per row: an export formats millions of rows, and every temporary array is garbage.
    rows: (rows) => {
      let text = '';
      for (const row of rows) {
        text += csvField(row.database);
        for (const value of row.values) text += `,${csvField(value)}`;
        text += '\r\n';
      }
      return text;
    },
    footer: () => '',
  };
}

function ndjsonFormat(): ResultTextFormat {
  return {
    header: (columns) => `${JSON.stringify({ columns })}\n`,
    rows: (rows) => rows.map((r) => `${JSON.stringify({ database: r.database, values: r.values })}\n`).join(''),
    footer: () => '',
  };
}

function jsonFormat(): ResultTextFormat {
  let written = false;
  return {
    header: (columns) => `{"columns":${JSON.stringify(columns)},"rows":[`,
    rows: (rows) => {
      if (rows.length === 0) return '';
      const text = rows.map((r) => JSON.stringify({ database: r.database, values: r.values })).join(',\n');
      const out = `${written ? ',\n' : '\n'}${text}`;
      written = true;
      return out;
    },
    footer: (databases) => `\n],"databases":${JSON.stringify(databases)}}\n`,
  };
}

/** "Export what is shown": the grid's rows (already in the columns' order) as one text. */
export function shownRowsAsText(
  format: ExportFormat,
  columns: readonly QueryColumn[],
  rows: readonly QueryResultRow[],
  databases: readonly QueryDatabaseOutcome[] = [],
): string {
  const f = resultTextFormat(format);
  return f.header(columns) + f.rows(rows) + f.footer(databases);
}
