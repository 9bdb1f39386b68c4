import type { RefObject } from 'react';
import type { OverviewResult } from '../../../../shared/contract.ts';
import type { QueryState } from '../../api/hooks.ts';
import type { TargetOption } from '../../view/move-wizard.ts';
import { ReachableBadge } from '../Badges.tsx';
import { ErrorPanel } from '../ErrorPanel.tsx';
import { Loading } from '../Loading.tsx';
import type { WizardWebsite } from './wizard-website.ts';

interface TargetStepProps {
  readonly website: WizardWebsite;
  readonly overview: QueryState<OverviewResult>;
  readonly options: readonly TargetOption[];
  readonly target: string | null;
  readonly onPick: (name: string) => void;
  readonly onCheck: (target: string) => void;
  readonly onCancel: () => void;
  readonly fieldsetRef: RefObject<HTMLFieldSetElement | null>;
}

/** Step 1: the databases the website could go to, with their size, websites and reachability. */
export function TargetStep({ website, overview, options, target, onPick, onCheck, onCancel, fieldsetRef }: TargetStepProps) {
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        if (target !== null) onCheck(target);
      }}
    >
      <fieldset className="target-list" data-testid="move-targets" ref={fieldsetRef}>
        <legend className="wizard__lead">
          Website <strong>{website.subdomain ?? website.id}</strong> (id {website.id}) lives on <strong>{website.database}</strong>. Where should it go?
        </legend>
        {overview.data === undefined && overview.error === undefined && <Loading label="Reading the databases…" />}
        {overview.data === undefined && overview.error !== undefined && <ErrorPanel error={overview.error} onRetry={overview.refetch} />}
        {overview.data !== undefined && options.length === 0 && <p className="muted">This profile has no other database to move to.</p>}
        {options.map((option) => (
          <label key={option.name} className={`target${option.reachable ? '' : ' target--disabled'}`} data-testid="move-target" data-target={option.name}>
            <input
              type="radio"
              name="move-target"
              value={option.name}
              checked={target === option.name}
              disabled={!option.reachable}
              onChange={() => onPick(option.name)}
            />
            <span className="target__name">
              <strong>{option.name}</strong> <span className="muted">{option.role}</span>
            </span>
            <span className="muted">{option.websitesLabel}</span>
            <span className="target__size">{option.sizeLabel}</span>
            <ReachableBadge reachable={option.reachable} problem={option.problem} />
          </label>
        ))}
      </fieldset>
      <div className="modal__actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={target === null}>
          Check the move
        </button>
      </div>
    </form>
  );
}
