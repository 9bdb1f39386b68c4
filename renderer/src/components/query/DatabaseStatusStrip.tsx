import type { DatabaseRunStatus } from '../../view/query-results.ts';
import { databaseStatusView, runSummary } from '../../view/query-status.ts';

/** One entry per database of the run: rows, time, truncated or not, or its error with SQLSTATE and message. */
export function DatabaseStatusStrip({ databases }: { databases: readonly DatabaseRunStatus[] }) {
  if (databases.length === 0) return null;
  return (
    <section className="query-status" aria-label="Per database" aria-live="polite">
      <p className="query-status__summary muted" data-testid="query-summary">
        {runSummary(databases)}
      </p>
      <ul className="query-status__list">
        {databases.map((status) => {
          const view = databaseStatusView(status);
          return (
            <li
              key={view.name}
              className={`query-status__item query-status__item--${view.tone}`}
              data-testid={`query-status-${view.name}`}
              data-phase={status.phase}
              data-rows={status.rows}
              data-truncated={status.truncated}
            >
              <span className="query-status__name">{view.name}</span>
              <span className="query-status__text">{view.summary}</span>
              {view.errorCode !== null && (
                <span className="query-status__error" role="alert">
                  <code>{view.errorCode}</code> {view.errorMessage}
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
