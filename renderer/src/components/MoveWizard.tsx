import { useEffect, useRef, useState } from 'react';
import type { FormEvent, RefObject } from 'react';
import type { PreflightResult, TenantDetailResult, ViewRefresh } from '../../../shared/contract.ts';
import { formatCount } from '../../../shared/format.ts';
import { call } from '../api/client.ts';
import { queryCache, useClusterOverview } from '../api/hooks.ts';
import { navigate } from '../router/use-route.ts';
import { WIZARD_STEPS, confirmationMatches, confirmationWord, defaultTarget, preflightOutcome, targetOptions } from '../view/move-wizard.ts';
import type { WizardStep } from '../view/move-wizard.ts';
import { ReachableBadge } from './Badges.tsx';
import { ReadOnlyGate } from './ReadOnlyGate.tsx';
import { ErrorPanel, ProblemPanel } from './ErrorPanel.tsx';
import { Loading } from './Loading.tsx';
import { ModalDialog } from './ModalDialog.tsx';
import { MovePlanTable } from './MovePlanTable.tsx';

type Website = Pick<TenantDetailResult, 'id' | 'subdomain' | 'database' | 'shard'>;

/** The tenant page's "Move…" button and the wizard it opens; hidden for a read-only profile. */
export function MoveWebsiteButton({ website }: { website: Website }) {
  const [open, setOpen] = useState(false);
  return (
    <ReadOnlyGate>
      <button type="button" className="button button--primary" onClick={() => setOpen(true)} data-testid="move-website">
        Move…
      </button>
      <ModalDialog open={open} title={`Move website ${website.subdomain ?? website.id}`} onClose={() => setOpen(false)} testId="move-wizard">
        <MoveWizard website={website} onCancel={() => setOpen(false)} />
      </ModalDialog>
    </ReadOnlyGate>
  );
}

type Preflight = { status: 'loading' } | { status: 'done'; result: PreflightResult } | { status: 'error'; error: unknown };

/**
 * Target, plan, confirmation, then `moves.start` and the job's page. Mounted only while the dialog is
 * open, so every opening starts fresh at step 1.
 */
function MoveWizard({ website, onCancel }: { website: Website; onCancel: () => void }) {
  const overview = useClusterOverview();
  const options = targetOptions(overview.data, website.database);
  const [step, setStep] = useState<WizardStep>(0);
  const [picked, setPicked] = useState<string | null>(null);
  const target = picked ?? defaultTarget(options);
  const [preflight, setPreflight] = useState<Preflight | null>(null);
  const request = useRef(0);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const targetsRef = useRef<HTMLFieldSetElement>(null);
  const firstStep = useRef(true);

  // Reachability may have changed since the overview was cached: ask again when the wizard opens.
  useEffect(() => {
    overview.refetch();
  }, []);
  // Focus follows the step (the dialog itself focuses the first target on opening): the plan's
  // heading, so a screen reader announces it; the picked target when coming back; the confirmation
  // field focuses itself.
  useEffect(() => {
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    if (step === 0) targetsRef.current?.querySelector<HTMLInputElement>('input:checked')?.focus();
    if (step === 1) headingRef.current?.focus();
  }, [step]);

  async function runPreflight(to: string) {
    const mine = ++request.current;
    setPreflight({ status: 'loading' });
    setStep(1);
    try {
      const result = await call('moves.preflight', { websiteId: website.id, target: to, source: website.database });
      if (mine === request.current) setPreflight({ status: 'done', result });
    } catch (error) {
      if (mine === request.current) setPreflight({ status: 'error', error });
    }
  }

  const outcome = preflight?.status === 'done' ? preflightOutcome(preflight.result) : null;
  return (
    <div className="wizard" data-testid="move-wizard-body" data-step={step}>
      <ol className="wizard-steps" aria-label="Steps">
        {WIZARD_STEPS.map((label, i) => (
          <li key={label} className={i < step ? 'is-done' : undefined} aria-current={i === step ? 'step' : undefined}>
            {i + 1}. {label}
          </li>
        ))}
      </ol>
      {step === 0 && (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            if (target !== null) void runPreflight(target);
          }}
        >
          <fieldset className="target-list" data-testid="move-targets" ref={targetsRef}>
            <legend className="wizard__lead">
              Website <strong>{website.subdomain ?? website.id}</strong> (id {website.id}) lives on <strong>{website.database}</strong>. Where should it go?
            </legend>
            {overview.data === undefined && overview.error === undefined && <Loading label="Reading the databases…" />}
            {overview.data === undefined && overview.error !== undefined && <ErrorPanel error={overview.error} onRetry={overview.refetch} />}
            {overview.data !== undefined && options.length === 0 && <p className="muted">This profile has no other database to move to.</p>}
            {options.map((option) => (
              <label key={option.name} className={`target${option.reachable ? '' : ' target--disabled'}`} data-testid="move-target" data-target={option.name}>
                <input type="radio" name="move-target" value={option.name} checked={target === option.name} disabled={!option.reachable} onChange={() => setPicked(option.name)} />
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
      )}
      {step === 1 && (
        <section aria-labelledby="move-step-plan">
          <h3 id="move-step-plan" className="wizard__heading" ref={headingRef} tabIndex={-1}>
            Preflight: {website.database} → {target}
          </h3>
          {preflight?.status === 'loading' && <Loading label={`Checking ${website.database} and ${target}: schemas, keys, rows already there…`} />}
          {preflight?.status === 'error' && <ErrorPanel error={preflight.error} onRetry={() => target !== null && void runPreflight(target)} />}
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
            <button type="button" className="button" onClick={() => setStep(0)}>
              Back
            </button>
            <button type="button" className="button" onClick={onCancel}>
              Cancel
            </button>
            {outcome?.kind === 'plan' && (
              <button type="button" className="button button--primary" onClick={() => setStep(2)}>
                Continue
              </button>
            )}
          </div>
        </section>
      )}
      {step === 2 && outcome?.kind === 'plan' && target !== null && (
        <ConfirmStep website={website} target={target} rows={outcome.plan.totalRows} views={outcome.plan.materializedViews} onBack={() => setStep(1)} onCancel={onCancel} headingRef={headingRef} />
      )}
    </div>
  );
}

function ConfirmStep({
  website,
  target,
  rows,
  views,
  onBack,
  onCancel,
  headingRef,
}: {
  website: Website;
  target: string;
  rows: number;
  views: readonly string[];
  onBack: () => void;
  onCancel: () => void;
  headingRef: RefObject<HTMLHeadingElement | null>;
}) {
  const [typed, setTyped] = useState('');
  const [refresh, setRefresh] = useState<ViewRefresh>('concurrently');
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const word = confirmationWord(website);
  const matches = confirmationMatches(typed, website);

  async function start(event: FormEvent) {
    event.preventDefault();
    if (!matches) return;
    setStarting(true);
    setError(undefined);
    try {
      const job = await call('moves.start', { websiteId: website.id, target, source: website.database, viewRefresh: refresh });
      queryCache.invalidate('moves.list');
      navigate({ name: 'move', jobId: job.jobId });
    } catch (e) {
      setError(e);
      setStarting(false);
    }
  }

  return (
    <form className="form" onSubmit={start} aria-labelledby="move-step-confirm">
      <h3 id="move-step-confirm" className="wizard__heading" ref={headingRef} tabIndex={-1}>
        Confirm the move
      </h3>
      <dl className="facts move-confirm" data-testid="move-confirm">
        <div className="facts__item">
          <dt>Website</dt>
          <dd>
            {website.subdomain ?? '—'} (id {website.id})
          </dd>
        </div>
        <div className="facts__item">
          <dt>From</dt>
          <dd>{website.database}</dd>
        </div>
        <div className="facts__item">
          <dt>To</dt>
          <dd>{target}</dd>
        </div>
      </dl>
      <p>
        Writes to this website are paused on {website.database} while its {formatCount(rows)} rows are copied and verified. After the switch its rows are deleted from{' '}
        {website.database}. Other websites are not affected. A failed move can be resumed or rolled back from its job page.
      </p>
      {views.length > 0 && (
        <fieldset className="field view-refresh" data-testid="move-view-refresh">
          <legend className="field__label">
            Materialized views (<code>{views.join(', ')}</code>) on both databases
          </legend>
          <label>
            <input type="radio" name="view-refresh" value="concurrently" checked={refresh === 'concurrently'} onChange={() => setRefresh('concurrently')} /> Refresh concurrently: readers never wait
            (slower for a large website)
          </label>
          <label>
            <input type="radio" name="view-refresh" value="rebuild" checked={refresh === 'rebuild'} onChange={() => setRefresh('rebuild')} /> Rebuild: several times faster, but every reader of these
            views on {website.database} and {target} waits while each one rebuilds
          </label>
        </fieldset>
      )}
      <label className="field">
        <span className="field__label">
          Type <code>{word}</code> to confirm
        </span>
        <input className="input mono" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} autoFocus aria-describedby="move-confirm-hint" data-testid="move-confirm-input" />
        <span id="move-confirm-hint" className="muted move-confirm__hint">
          The website’s subdomain{website.subdomain !== null ? ` or its id (${website.id})` : ''}.
        </span>
      </label>
      {error !== undefined && <ErrorPanel error={error} />}
      <div className="modal__actions">
        <button type="button" className="button" onClick={onBack} disabled={starting}>
          Back
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={starting}>
          Cancel
        </button>
        <button type="submit" className="button button--danger-solid" disabled={!matches || starting}>
          {starting ? 'Starting…' : `Move to ${target}`}
        </button>
      </div>
    </form>
  );
}
