import { useRef, useState } from 'react';
import type { RestoreMode, RestorePreflight, RestoreRequest, ViewRefresh } from '../../../../shared/contract.ts';
import { call } from '../../api/client.ts';
import { useBackupList } from '../../api/backup-hooks.ts';
import { queryCache, useClusterOverview } from '../../api/hooks.ts';
import { navigate } from '../../router/use-route.ts';
import { RESTORE_WIZARD_STEPS, defaultSchemaName, type RestoreWizardStep } from '../../view/restore-wizard.ts';
import { ModalDialog } from '../ModalDialog.tsx';
import { ReadOnlyGate } from '../ReadOnlyGate.tsx';
import { WizardSteps } from '../WizardSteps.tsx';
import { ConfirmRestoreStep, KindStep, RestorePlanStep, SourceStep } from './restore-steps.tsx';

export interface RestoreWebsite {
  readonly id: number;
  readonly subdomain: string | null;
  /** The database its shard_name routes to. */
  readonly database: string;
}

/** "Restore from backup…" on a website (tenant page, backup inspector) and the wizard it opens; hidden for a read-only profile. */
export function RestoreWebsiteButton({ website, path, archive }: { website: RestoreWebsite; path?: string; archive?: string | null }) {
  const [open, setOpen] = useState(false);
  // While the restore is being started the dialog stays (Escape too): its answer, a job or a refusal, shows in it.
  const starting = useRef(false);
  return (
    <ReadOnlyGate>
      <button type="button" className="button" onClick={() => setOpen(true)} data-testid="restore-website">
        Restore from backup…
      </button>
      <ModalDialog
        open={open}
        title={`Restore website ${website.subdomain ?? website.id} from a backup`}
        onClose={() => {
          if (!starting.current) setOpen(false);
        }}
        testId="restore-wizard"
      >
        <RestoreWizard
          website={website}
          initialPath={path ?? null}
          initialArchive={archive ?? null}
          onCancel={() => setOpen(false)}
          onStarting={(busy) => {
            starting.current = busy;
          }}
        />
      </ModalDialog>
    </ReadOnlyGate>
  );
}

type Preflight = { status: 'loading' } | { status: 'done'; result: RestorePreflight } | { status: 'error'; error: unknown };

export interface RestoreChoices {
  readonly path: string;
  readonly archive: string | null;
  readonly mode: RestoreMode;
  readonly schema: string;
  readonly target: string;
}

/** The request the choices make: replace always restores into the website's own database. */
export function restoreRequest(websiteId: number, c: RestoreChoices, viewRefresh?: ViewRefresh): RestoreRequest {
  return {
    websiteId,
    path: c.path,
    mode: c.mode,
    ...(c.archive !== null ? { archive: c.archive } : {}),
    ...(c.mode !== 'replace' ? { target: c.target } : {}),
    ...(c.mode === 'side-by-side' ? { intoSchema: c.schema } : {}),
    ...(viewRefresh !== undefined ? { viewRefresh } : {}),
  };
}

/** The preflight of the choices last checked; an answer to an earlier check that comes late is dropped. */
function useRestorePreflight(websiteId: number, choices: RestoreChoices, onStart: () => void) {
  const [preflight, setPreflight] = useState<Preflight | null>(null);
  const request = useRef(0);

  async function check() {
    const mine = ++request.current;
    setPreflight({ status: 'loading' });
    onStart();
    try {
      const result = await call('restores.preflight', restoreRequest(websiteId, choices));
      if (mine === request.current) setPreflight({ status: 'done', result });
    } catch (error) {
      if (mine === request.current) setPreflight({ status: 'error', error });
    }
  }
  return { preflight, check };
}

/** Starts the restore and opens its job's page; `onStarting` says while it waits for the answer. */
async function startRestore(request: RestoreRequest, onStarting: (busy: boolean) => void): Promise<void> {
  onStarting(true);
  try {
    const job = await call('restores.start', request);
    queryCache.invalidate('restores.list');
    queryCache.invalidate('jobs.list');
    navigate({ name: 'restore', jobId: job.jobId });
  } finally {
    onStarting(false);
  }
}

/** Backup, kind of restore, plan, confirmation; then `restores.start` and the job's page. */
function RestoreWizard({
  website,
  initialPath,
  initialArchive,
  onCancel,
  onStarting,
}: {
  website: RestoreWebsite;
  initialPath: string | null;
  initialArchive: string | null;
  onCancel: () => void;
  onStarting: (busy: boolean) => void;
}) {
  const backups = useBackupList({ fresh: true });
  const overview = useClusterOverview();
  const [step, setStep] = useState<RestoreWizardStep>(initialPath === null ? 0 : 1);
  const [choices, setChoices] = useState<RestoreChoices>({
    path: initialPath ?? '',
    archive: initialArchive,
    mode: 'replace',
    schema: defaultSchemaName(website.id),
    target: website.database,
  });
  const { preflight, check } = useRestorePreflight(website.id, choices, () => setStep(2));

  const start = (viewRefresh: ViewRefresh | undefined) => startRestore(restoreRequest(website.id, choices, viewRefresh), onStarting);

  const databases = overview.data?.databases.map((d) => d.name) ?? [website.database];
  return (
    <div className="wizard" data-testid="restore-wizard-body" data-step={step}>
      <WizardSteps labels={RESTORE_WIZARD_STEPS} step={step} />
      {step === 0 && <SourceStep backups={backups} choices={choices} onChange={setChoices} onNext={() => setStep(1)} onCancel={onCancel} />}
      {step === 1 && (
        <KindStep
          website={website}
          databases={databases}
          choices={choices}
          onChange={setChoices}
          onBack={() => setStep(0)}
          onCheck={() => void check()}
          onCancel={onCancel}
        />
      )}
      {step === 2 && (
        <RestorePlanStep preflight={preflight} onRetry={() => void check()} onBack={() => setStep(1)} onContinue={() => setStep(3)} onCancel={onCancel} />
      )}
      {step === 3 && preflight?.status === 'done' && preflight.result.plan !== null && (
        <ConfirmRestoreStep website={website} plan={preflight.result.plan} onStart={start} onBack={() => setStep(2)} onCancel={onCancel} />
      )}
    </div>
  );
}
