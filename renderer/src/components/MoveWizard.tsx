import { useEffect, useRef, useState } from 'react';
import type { RefObject } from 'react';
import { call } from '../api/client.ts';
import { useClusterOverview } from '../api/hooks.ts';
import { WIZARD_STEPS, defaultTarget, preflightOutcome, targetOptions } from '../view/move-wizard.ts';
import type { WizardStep } from '../view/move-wizard.ts';
import { ReadOnlyGate } from './ReadOnlyGate.tsx';
import { ModalDialog } from './ModalDialog.tsx';
import { WizardSteps } from './WizardSteps.tsx';
import { ConfirmStep } from './move-wizard/ConfirmStep.tsx';
import { PlanStep } from './move-wizard/PlanStep.tsx';
import { TargetStep } from './move-wizard/TargetStep.tsx';
import type { Preflight, WizardWebsite } from './move-wizard/wizard-website.ts';

type Website = WizardWebsite;

/** The tenant page's "Move…" button and the wizard it opens; hidden for a read-only profile. */
export function MoveWebsiteButton({ website }: { website: Website }) {
  const [open, setOpen] = useState(false);
  // While moves.start is on its way the dialog stays (Escape too): closed, the move would start unseen,
  // and a refusal would be told to nobody.
  const starting = useRef(false);
  const close = () => {
    if (!starting.current) setOpen(false);
  };
  return (
    <ReadOnlyGate>
      <button type="button" className="button button--primary" onClick={() => setOpen(true)} data-testid="move-website">
        Move…
      </button>
      <ModalDialog open={open} title={`Move website ${website.subdomain ?? website.id}`} onClose={close} testId="move-wizard">
        <MoveWizard website={website} onCancel={close} onStarting={(busy) => (starting.current = busy)} />
      </ModalDialog>
    </ReadOnlyGate>
  );
}

/**
 * The preflight of the target last checked; an answer to an earlier check that comes late is dropped.
 * `checked`: the target it was checked for, which the plan and the confirmation name, whatever the
 * overview (read again meanwhile) would now pick by default.
 */
function usePreflight(website: Website, onStart: () => void) {
  const [preflight, setPreflight] = useState<Preflight | null>(null);
  const [checked, setChecked] = useState<string | null>(null);
  const request = useRef(0);

  async function runPreflight(to: string) {
    const mine = ++request.current;
    setPreflight({ status: 'loading' });
    onStart();
    try {
      const result = await call('moves.preflight', { websiteId: website.id, target: to, source: website.database });
      if (mine === request.current) setPreflight({ status: 'done', result });
    } catch (error) {
      if (mine === request.current) setPreflight({ status: 'error', error });
    }
  }
  const check = (to: string) => {
    setChecked(to);
    void runPreflight(to);
  };
  return { preflight, checked, check };
}

/**
 * Target, plan, confirmation, then `moves.start` and the job's page. Mounted only while the dialog is
 * open, so every opening starts fresh at step 1.
 */
function MoveWizard({ website, onCancel, onStarting }: { website: Website; onCancel: () => void; onStarting: (busy: boolean) => void }) {
  // Reachability may have changed since the overview was cached: read again when the wizard opens.
  const overview = useClusterOverview({ fresh: true });
  const options = targetOptions(overview.data, website.database);
  const [step, setStep] = useState<WizardStep>(0);
  const [picked, setPicked] = useState<string | null>(null);
  const target = picked ?? defaultTarget(options);
  const { preflight, checked, check } = usePreflight(website, () => setStep(1));
  const headingRef = useRef<HTMLHeadingElement>(null);

  const targetsRef = useRef<HTMLFieldSetElement>(null);
  useStepFocus(step, targetsRef, headingRef);

  const outcome = preflight?.status === 'done' ? preflightOutcome(preflight.result) : null;
  return (
    <div className="wizard" data-testid="move-wizard-body" data-step={step}>
      <WizardSteps labels={WIZARD_STEPS} step={step} />
      {step === 0 && (
        <TargetStep
          website={website}
          overview={overview}
          options={options}
          target={target}
          onPick={setPicked}
          onCheck={check}
          onCancel={onCancel}
          fieldsetRef={targetsRef}
        />
      )}
      {step === 1 && (
        <PlanStep
          website={website}
          target={checked}
          preflight={preflight}
          outcome={outcome}
          onRetry={() => checked !== null && check(checked)}
          onBack={() => setStep(0)}
          onContinue={() => setStep(2)}
          onCancel={onCancel}
          headingRef={headingRef}
        />
      )}
      {step === 2 && outcome?.kind === 'plan' && checked !== null && (
        <ConfirmStep
          website={website}
          target={checked}
          rows={outcome.plan.totalRows}
          views={outcome.plan.materializedViews}
          onBack={() => setStep(1)}
          onCancel={onCancel}
          onStarting={onStarting}
          headingRef={headingRef}
        />
      )}
    </div>
  );
}

/**
 * Focus follows the step (the dialog itself focuses the first target on opening): the plan's heading,
 * so a screen reader announces it; the picked target when coming back; the confirmation field focuses itself.
 */
function useStepFocus(step: WizardStep, targetsRef: RefObject<HTMLFieldSetElement | null>, headingRef: RefObject<HTMLHeadingElement | null>): void {
  const firstStep = useRef(true);
  useEffect(() => {
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    if (step === 0) targetsRef.current?.querySelector<HTMLInputElement>('input:checked')?.focus();
    if (step === 1) headingRef.current?.focus();
  }, [step]);
}
