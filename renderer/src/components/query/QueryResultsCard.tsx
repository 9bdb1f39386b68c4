import { useMemo, useState } from 'react';
import { formatCount } from '../../../../shared/format.ts';
import { DatabaseStatusStrip } from './DatabaseStatusStrip.tsx';
import { ExportShownButtons, downloadText } from './ExportControls.tsx';
import { ResultGrid } from './ResultGrid.tsx';
import { shownLabel, shownRows, toggleResultSort } from '../../view/query-grid.ts';
import type { ResultSort } from '../../view/query-grid.ts';
import { shownExport } from '../../view/query-export.ts';
import type { ShownExportFormat } from '../../view/query-export.ts';
import { truncatedDatabases } from '../../view/query-results.ts';
import type { QueryResults } from '../../view/query-results.ts';

interface QueryResultsCardProps {
  readonly results: QueryResults;
  readonly busy: 'run' | 'fetch' | null;
  readonly canFetch: boolean;
  readonly cap: number | null;
  readonly cancelled: boolean;
  readonly onFetchMore: (databases: readonly string[]) => void;
}

/** The run's results as they arrive: a status per database, then one grid to filter, sort and export. */
export function QueryResultsCard({ results, busy, canFetch, cap, cancelled, onFetchMore }: QueryResultsCardProps) {
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<ResultSort | null>(null);
  const rows = useMemo(() => shownRows(results, filter, sort), [results, filter, sort]);
  const waiting = truncatedDatabases(results);
  const exportShown = (format: ShownExportFormat) => downloadText(shownExport(format, results, rows, new Date()));
  return (
    <section className="card card--fill query-results" aria-label="Results" data-testid="query-results">
      <DatabaseStatusStrip databases={results.databases} />
      {cancelled && (
        <p className="muted" data-testid="query-cancelled">
          Cancelled: the console cancelled the statement on every database still running. Rows already shown stay.
        </p>
      )}
      <div className="query-results__bar">
        <label className="field query-results__filter">
          <span className="field__label">Filter the shown rows</span>
          <input
            className="input"
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="text in any cell"
            data-testid="query-filter"
          />
        </label>
        <span className="grid-status" data-testid="query-shown">
          {shownLabel(rows.length, results.rows.length, filter)}
        </span>
        {waiting.length > 0 && (
          <button
            type="button"
            className="button"
            disabled={busy !== null || !canFetch || cap === null}
            onClick={() => onFetchMore(waiting)}
            data-testid="query-fetch-more"
          >
            {busy === 'fetch' ? 'Fetching…' : `Fetch ${cap === null ? 'more' : `${formatCount(cap)} more`} from ${waiting.join(', ')}`}
          </button>
        )}
        <ExportShownButtons disabled={rows.length === 0 || busy !== null} onExport={exportShown} />
      </div>
      {results.columns.length > 0 || results.rows.length > 0 ? (
        <ResultGrid columns={results.columns} rows={rows} sort={sort} onSort={(column) => setSort((s) => toggleResultSort(s, column))} />
      ) : (
        busy === null && <p className="muted">No columns: no database answered with rows.</p>
      )}
    </section>
  );
}
