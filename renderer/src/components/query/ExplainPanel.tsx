import type { ExplainState } from '../../api/query-hooks.ts';
import { formatDuration } from '../../../../shared/format.ts';
import { ErrorPanel } from '../ErrorPanel.tsx';
import { ModalDialog } from '../ModalDialog.tsx';
import { planSummary, planTreeText, plansInOrder } from '../../view/query-plan.ts';

/** Each database's plan side by side: its total cost and rows (and times with ANALYZE), then the plan tree. */
export function ExplainPanel({ state, onCancel, onClose }: { state: ExplainState; onCancel: () => void; onClose: () => void }) {
  const plans = plansInOrder(state.plans, state.order);
  return (
    <section className="card query-explain" aria-label={state.analyze ? 'EXPLAIN ANALYZE' : 'EXPLAIN'} data-testid="query-explain" data-analyze={state.analyze}>
      <header className="query-explain__header">
        <h2>{state.analyze ? 'EXPLAIN ANALYZE' : 'EXPLAIN'} per database</h2>
        <div className="page__actions">
          {state.running && (
            <button type="button" className="button button--danger" onClick={onCancel}>
              Cancel
            </button>
          )}
          <button type="button" className="button" onClick={onClose}>
            Close plans
          </button>
        </div>
      </header>
      {state.error !== null && <ErrorPanel error={state.error} />}
      {state.running && plans.length === 0 && <p className="muted">Asking every database for its plan…</p>}
      <div className="query-explain__plans">
        {plans.map((plan) => (
          <article key={plan.name} className="query-plan" data-testid={`query-plan-${plan.name}`}>
            <h3 className="query-plan__name">{plan.name}</h3>
            {plan.error === null ? (
              <>
                <p className="query-plan__summary" data-testid="query-plan-summary">
                  {planSummary(plan)}
                </p>
                <pre className="query-plan__tree mono">{planTreeText(plan.plan)}</pre>
              </>
            ) : (
              <p className="query-status__error" role="alert">
                <code>{plan.error.sqlstate ?? plan.error.code}</code> {plan.error.message}
              </p>
            )}
            <p className="muted query-plan__ms">answered in {formatDuration(plan.ms)}</p>
          </article>
        ))}
      </div>
    </section>
  );
}

/** EXPLAIN ANALYZE runs the statement: asked for explicitly, never by a stray click. */
export function AnalyzeConfirmDialog({ open, onConfirm, onClose }: { open: boolean; onConfirm: () => void; onClose: () => void }) {
  return (
    <ModalDialog open={open} title="Run EXPLAIN ANALYZE?" onClose={onClose} testId="analyze-dialog">
      <p>
        EXPLAIN ANALYZE <strong>runs the statement</strong> on every database of the target to time it, with the run’s timeout, inside a READ ONLY transaction.
        A slow query is as slow here as when you run it, and it loads each database as much.
      </p>
      <div className="modal__actions">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="button button--danger-solid" onClick={onConfirm}>
          Run EXPLAIN ANALYZE
        </button>
      </div>
    </ModalDialog>
  );
}
