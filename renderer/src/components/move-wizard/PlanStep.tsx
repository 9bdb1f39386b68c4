import type { RefObject } from 'react';
import type { PreflightOutcome } from '../../view/move-wizard.ts';
import { ErrorPanel, ProblemPanel } from '../ErrorPanel.tsx';
import { Loading } from '../Loading.tsx';
import { MovePlanTable } from '../MovePlanTable.tsx';
import type { Preflight, WizardWebsite } from './wizard-website.ts';

interface PlanStepProps {
  readonly website: WizardWebsite;
  readonly target: string | null;
  readonly preflight: Preflight | null;
  readonly outcome: PreflightOutcome | null;
  readonly onRetry: () => void;
  readonly onBack: () => void;
  readonly onContinue: () => void;
  readonly onCancel: () => void;
  readonly headingRef: RefObject<HTMLHeadingElement | null>;
}

/** Step 2: the preflight's plan (tables, rows, views), or why the move is refused. */
export function PlanStep({ website, target, preflight, outcome, onRetry, onBack, onContinue, onCancel, headingRef }: PlanStepProps) {
  return (
    <section aria-labelledby="move-step-plan">
      <h3 id="move-step-plan" className="wizard__heading" ref={headingRef} tabIndex={-1}>
        Preflight: {website.database} → {target}
      </h3>
      {preflight?.status === 'loading' && <Loading label={`Checking ${website.database} and ${target}: schemas, keys, rows already there…`} />}
      {preflight?.status === 'error' && <ErrorPanel error={preflight.error} onRetry={onRetry} />}
      {outcome?.kind === 'refused' && (
        <ProblemPanel title="The move is refused">
          <p>Nothing was changed. Fix what is listed below, then check the move again.</p>
          <ul className="refusals" data-testid="move-refusals">
            {outcome.refusals.map((r, i) => (
              <li key={`${r.code}-${r.table ?? ''}-${i}`} className="refusal" data-code={r.code}>
                <code className="refusal__code">{r.code}</code>
                {r.table !== undefined && <span className="mono refusal__table">{r.table}</span>}
                <span className="refusal__message">{r.message}</span>
              </li>
            ))}
          </ul>
        </ProblemPanel>
      )}
      {outcome?.kind === 'plan' && <MovePlanTable plan={outcome.plan} />}
      <div className="modal__actions">
        <button type="button" className="button" onClick={onBack}>
          Back
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        {outcome?.kind === 'plan' && (
          <button type="button" className="button button--primary" onClick={onContinue}>
            Continue
          </button>
        )}
      </div>
    </section>
  );
}
