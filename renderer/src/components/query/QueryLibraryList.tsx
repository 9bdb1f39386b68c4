import { useState } from 'react';
import type { FormEvent } from 'react';
import type { MethodResult, QueryTargetParam } from '../../../../shared/contract.ts';
import { ErrorPanel } from '../ErrorPanel.tsx';
import { ModalDialog } from '../ModalDialog.tsx';
import { formatTimestamp } from '../../view/move-list.ts';
import { describeTarget } from '../../view/query-target.ts';
import { savedQueryName, statementPreview } from '../../view/query-library.ts';

type Library = MethodResult<'query.history'>;

interface QueryLibraryListProps {
  readonly library: Library | undefined;
  readonly error: unknown;
  readonly onOpen: (sql: string, target: QueryTargetParam | undefined) => void;
  readonly onDelete: (name: string) => Promise<void>;
  readonly onClearHistory: () => Promise<void>;
}

/** The side list: saved queries and recent statements of this profile, kept in the user's data folder. */
export function QueryLibraryList({ library, error, onOpen, onDelete, onClearHistory }: QueryLibraryListProps) {
  const [problem, setProblem] = useState<unknown>(null);
  const attempt = (work: () => Promise<void>) => void work().then(() => setProblem(null), setProblem);
  return (
    <aside className="card query-library" aria-label="Saved queries and history" data-testid="query-library">
      {(error !== undefined || problem !== null) && <ErrorPanel error={problem ?? error} />}
      <h2>Saved</h2>
      {library !== undefined && library.saved.length === 0 && <p className="muted">Nothing saved yet: Save… keeps the statement under a name.</p>}
      <ul className="query-library__list" data-testid="query-saved">
        {library?.saved.map((entry) => (
          <li key={entry.name} className="query-library__item" data-testid="query-saved-item" data-name={entry.name}>
            <button type="button" className="query-library__open" onClick={() => onOpen(entry.sql, entry.target)} title={entry.sql}>
              <span className="query-library__name">{entry.name}</span>
              <span className="query-library__sql mono">{statementPreview(entry.sql)}</span>
              <span className="muted query-library__meta">{describeTarget(entry.target)}</span>
            </button>
            <button
              type="button"
              className="button query-library__button"
              aria-label={`Delete ${entry.name}`}
              onClick={() => attempt(() => onDelete(entry.name))}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
      <div className="query-library__history-head">
        <h2>History</h2>
        {library !== undefined && library.history.length > 0 && (
          <button type="button" className="button query-library__button" onClick={() => attempt(onClearHistory)}>
            Clear
          </button>
        )}
      </div>
      {library !== undefined && library.history.length === 0 && <p className="muted">Statements you run appear here.</p>}
      <ul className="query-library__list" data-testid="query-history">
        {library?.history.map((entry, i) => (
          <li key={`${entry.at}-${i}`} className="query-library__item" data-testid="query-history-item">
            <button type="button" className="query-library__open" onClick={() => onOpen(entry.sql, entry.target)} title={entry.sql}>
              <span className="query-library__sql mono">{statementPreview(entry.sql)}</span>
              <span className="muted query-library__meta">
                {describeTarget(entry.target)} · {formatTimestamp(entry.at)}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {library !== undefined && <p className="muted query-library__file">Kept in {library.file}</p>}
    </aside>
  );
}

/** Asks for the name to save the current statement (and its target) under; a name in use is replaced. */
export function SaveQueryDialog({
  open,
  taken,
  onSave,
  onClose,
}: {
  open: boolean;
  taken: readonly string[];
  onSave: (name: string) => Promise<void>;
  onClose: () => void;
}) {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const chosen = savedQueryName(name);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (chosen === null) return;
    void onSave(chosen).then(() => {
      setName('');
      setError(null);
      onClose();
    }, setError);
  };
  return (
    <ModalDialog open={open} title="Save the query" onClose={onClose} testId="save-query-dialog">
      <form onSubmit={submit}>
        <label className="field">
          <span className="field__label">Name</span>
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} autoFocus data-testid="save-query-name" />
        </label>
        {chosen !== null && taken.includes(chosen) && <p className="muted">A saved query of this name exists: saving replaces it.</p>}
        {error !== null && <ErrorPanel error={error} />}
        <div className="modal__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={chosen === null}>
            Save
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}
