import type { ExportFormat } from '../../../shared/query-result-text.ts';
import { shownRowsAsText } from '../../../shared/query-result-text.ts';
import type { QueryOutcome, QueryResults, ResultRow } from './query-results.ts';
import { outcomesOf } from './query-results.ts';
import { paddedValues } from './query-grid.ts';

/*
 * "Export what is shown": the grid's rows, filtered and sorted as on screen, as a file made in the page.
 * "Stream every row to a file" is the server's query.export; this module only names its file and format.
 */

export const SHOWN_EXPORT_FORMATS = ['csv', 'json'] as const;
export type ShownExportFormat = (typeof SHOWN_EXPORT_FORMATS)[number];

export const MIME_TYPES: Readonly<Record<ExportFormat, string>> = Object.freeze({
  csv: 'text/csv;charset=utf-8',
  json: 'application/json',
  ndjson: 'application/x-ndjson',
});

export interface ShownExport {
  readonly fileName: string;
  readonly mimeType: string;
  readonly text: string;
}

/** `query-2024-05-01T09-30-00Z.csv`: sortable, and no character any file system refuses. */
export function exportFileName(format: ExportFormat, at: Date): string {
  return `query-${at.toISOString().slice(0, 19).replace(/:/g, '-')}Z.${format}`;
}

/** The shown rows in the export format, the union's full width each, with the run's outcomes in JSON's footer. */
export function shownExport(format: ExportFormat, results: QueryResults, rows: readonly ResultRow[], at: Date): ShownExport {
  const outcomes: QueryOutcome[] = outcomesOf(results);
  const text = shownRowsAsText(
    format,
    results.columns,
    rows.map((row) => ({ database: row.database, values: paddedValues(row, results.columns) })),
    outcomes,
  );
  return { fileName: exportFileName(format, at), mimeType: MIME_TYPES[format], text };
}

/** The folder part of a path, its separator kept (`/a/b/` of `/a/b/c.json`); '' when there is none. */
function folderOf(path: string): string {
  return path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/**
 * The path the "stream every row to a file" dialog proposes. In a browser: beside the query history (the
 * user's data folder on the machine running the console), which surely exists; the operator may type
 * any other. In the desktop app (`ownFolder`): the console's `exports` folder beside the history's
 * folder, the one folder its window may write exports to without the save dialog.
 */
export function suggestedExportPath(format: ExportFormat, at: Date, historyFile: string | null, ownFolder = false): string {
  const name = exportFileName(format, at);
  if (historyFile === null) return name;
  const history = folderOf(historyFile);
  if (history === '' || !ownFolder) return `${history}${name}`;
  const data = folderOf(history.slice(0, -1));
  return data === '' ? `${history}${name}` : `${data}exports${history.slice(-1)}${name}`;
}
