interface QueryToolbarProps {
  readonly running: boolean;
  readonly explaining: boolean;
  readonly limit: string;
  readonly onLimit: (limit: string) => void;
  readonly onRun: () => void;
  readonly onCancel: () => void;
  readonly onExplain: () => void;
  readonly onAnalyze: () => void;
  readonly onSave: () => void;
  readonly onExportFile: () => void;
  /** Why Run cannot start yet (no database ticked, no website id), said beside it. */
  readonly problem: string | null;
}

/**
 * Run, Cancel and the statement's other actions. It stays at the top of the window while the page
 * scrolls, so Cancel is always in reach while something runs.
 */
export function QueryToolbar(p: QueryToolbarProps) {
  const busy = p.running || p.explaining;
  return (
    <div className="query-toolbar" role="toolbar" aria-label="Query actions" data-testid="query-toolbar">
      <button
        type="button"
        className="button button--primary"
        onClick={p.onRun}
        disabled={busy || p.problem !== null}
        aria-keyshortcuts="Control+Enter Meta+Enter"
        data-testid="query-run"
      >
        {p.running ? 'Running…' : 'Run'}
      </button>
      <button type="button" className="button button--danger" onClick={p.onCancel} disabled={!busy} data-testid="query-cancel">
        Cancel
      </button>
      <span className="toolbar__hint muted query-toolbar__keys">
        <kbd>Ctrl</kbd>/<kbd>⌘</kbd>+<kbd>Enter</kbd> runs
      </span>
      <label className="query-toolbar__limit">
        <span className="field__label">Rows per database</span>
        <input className="input" type="number" min={1} max={100000} value={p.limit} onChange={(e) => p.onLimit(e.target.value)} data-testid="query-limit" />
      </label>
      <span className="query-toolbar__group">
        <button type="button" className="button" onClick={p.onExplain} disabled={busy || p.problem !== null} data-testid="query-explain-button">
          Explain
        </button>
        <button type="button" className="button" onClick={p.onAnalyze} disabled={busy || p.problem !== null} data-testid="query-analyze-button">
          Explain analyze…
        </button>
      </span>
      <span className="query-toolbar__group">
        <button type="button" className="button" onClick={p.onSave} data-testid="query-save-button">
          Save…
        </button>
        <button type="button" className="button" onClick={p.onExportFile} disabled={p.problem !== null} data-testid="query-export-file-button">
          Stream to a file…
        </button>
      </span>
      {p.problem !== null && (
        <span className="query-toolbar__problem" data-testid="query-problem">
          {p.problem}
        </span>
      )}
    </div>
  );
}
