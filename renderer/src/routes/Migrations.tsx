import { useEffect, useRef, useState } from 'react';
import type { MigrationPlanResult, MigrationRun } from '../../../shared/contract.ts';
import { ApiError, call } from '../api/client.ts';
import { readAgainAfter } from '../api/hooks.ts';
import { useLiveJob } from '../api/job-hooks.ts';
import { useMigrationStatus } from '../api/schema-hooks.ts';
import { StopJobButton } from '../components/StopJobButton.tsx';
import { useConsoleStore } from '../store/console-store.ts';
import { navigate } from '../router/use-route.ts';
import { AddShardDialog } from '../components/AddShardDialog.tsx';
import { ReadOnlyGate } from '../components/ReadOnlyGate.tsx';
import { ErrorPanel } from '../components/ErrorPanel.tsx';
import { RefreshFailed } from '../components/RefreshFailed.tsx';
import { Loading } from '../components/Loading.tsx';
import { MigrationMatrixTable } from '../components/MigrationMatrixTable.tsx';
import { MigrationPlanView } from '../components/MigrationPlanView.tsx';
import { MigrationRunProgress } from '../components/MigrationRunProgress.tsx';
import { ModalDialog } from '../components/ModalDialog.tsx';
import { hasWork, migrationMatrix } from '../view/migration-matrix.ts';

type MigrationStatusResult = NonNullable<ReturnType<typeof useMigrationStatus>['data']>;

/**
 * Follows a run by its events (this console runs it): each event re-reads the run's per-database
 * snapshot, at most a few times a second; at the end, one last read, then what it changed.
 */
function useMigrationRun(runId: string | null, onFinished: () => void): { run: MigrationRun | null; error: unknown; following: boolean } {
  const [run, setRun] = useState<MigrationRun | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  // The last read's time, and a read due at the end of the wait between reads: an event inside it is
  // never dropped (a slow migration's "started" would otherwise leave the card on the one before for its whole run).
  const reading = useRef<{ at: number; trailing: ReturnType<typeof setTimeout> | null }>({ at: 0, trailing: null });
  // Whether this page saw the run going: one that had ended before it was opened changed nothing since.
  const followed = useRef(false);
  // Reads may answer out of order (separate requests): an older snapshot never replaces a newer one.
  const sequence = useRef({ sent: 0, shown: 0 });
  const read = (id: string) => {
    const n = ++sequence.current.sent;
    return call('migrations.run', { runId: id }).then(
      (snapshot) => {
        if (n < sequence.current.shown) return;
        sequence.current.shown = n;
        setRun(snapshot);
      },
      (e: unknown) => setError(e),
    );
  };
  useEffect(() => {
    setRun(null);
    setError(undefined);
    followed.current = false;
    if (runId !== null) void read(runId);
    return () => {
      if (reading.current.trailing !== null) clearTimeout(reading.current.trailing);
      reading.current = { at: 0, trailing: null };
    };
  }, [runId]);
  const live = useLiveJob(runId, {
    onEvent: () => {
      followed.current = true;
      if (runId === null || reading.current.trailing !== null) return;
      const wait = 250 - (Date.now() - reading.current.at);
      const readNow = () => {
        reading.current = { at: Date.now(), trailing: null };
        void read(runId);
      };
      if (wait <= 0) readNow();
      else reading.current.trailing = setTimeout(readNow, wait);
    },
    onEnd: () => {
      if (runId === null) return;
      void read(runId).then(() => {
        if (!followed.current) return;
        onFinished();
        // Other pages read sizes and schemas the run may have changed.
        readAgainAfter('schema');
      });
    },
  });
  return { run, error: error ?? live.error, following: live.following };
}

/** The plan the dry run shows or the apply dialog confirms, and the run an apply starts. */
function useMigrationPlan(linkedRun: string | null) {
  const [plan, setPlan] = useState<MigrationPlanResult | null>(null);
  const [planFor, setPlanFor] = useState<'dry-run' | 'apply' | null>(null);
  const [planError, setPlanError] = useState<unknown>(undefined);
  // The run the address names, else the last one started in this window: leaving the page and coming
  // back finds it with its progress and Stop, not a page that offers to start a second run.
  const lastRun = useConsoleStore((s) => s.migrationRun);
  const setRunId = useConsoleStore((s) => s.setMigrationRun);
  const runId = linkedRun ?? lastRun;

  async function loadPlan(purpose: 'dry-run' | 'apply') {
    setPlanError(undefined);
    setPlanFor(purpose);
    setPlan(null);
    try {
      setPlan(await call('migrations.plan', {}));
    } catch (e) {
      setPlanError(e);
    }
  }

  // In flight from the click until the core answers: a second click (a double-click) starts nothing.
  const [applying, setApplying] = useState(false);

  async function apply() {
    if (plan === null || applying) return;
    setApplying(true);
    try {
      // The files of the plan on screen: any added or edited since is refused, never run unseen.
      const started = (await call('migrations.up', { planDigest: plan.filesDigest })).runId;
      setPlanFor(null);
      setRunId(started);
      // An address naming an older run would keep showing it.
      if (linkedRun !== null) navigate({ name: 'migrations', run: started });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'PLAN_CHANGED') {
        // The dialog stays open on the plan as it stands now, with why it changed.
        await loadPlan('apply');
        setPlanError(e);
        return;
      }
      setPlanFor(null);
      setPlanError(e);
    } finally {
      setApplying(false);
    }
  }

  return { plan, planFor, planError, runId, applying, loadPlan, apply, close: () => setPlanFor(null) };
}

export function Migrations({ run: linkedRun = null }: { run?: string | null } = {}) {
  const status = useMigrationStatus();
  const { plan, planFor, planError, runId, applying, loadPlan, apply, close } = useMigrationPlan(linkedRun);
  const [addingShard, setAddingShard] = useState(false);
  const { run, error: runError, following } = useMigrationRun(runId, status.refetch);
  // A run not read yet counts as running; one that could not be read does not lock the page.
  const running = run?.state === 'running' || (runId !== null && run === null && runError === undefined);

  const matrix = status.data ? migrationMatrix(status.data) : null;
  const work = status.data ? hasWork(status.data) : false;
  return (
    <div className="page">
      <header className="page__header">
        <h1>Migrations</h1>
        <div className="page__actions">
          {matrix && <MigrationCounts counts={matrix.counts} />}
          <button type="button" className="button" onClick={status.refetch} disabled={status.loading}>
            Refresh
          </button>
          <button type="button" className="button" onClick={() => void loadPlan('dry-run')} disabled={running}>
            Dry run
          </button>
          <ReadOnlyGate>
            <button type="button" className="button button--primary" onClick={() => void loadPlan('apply')} disabled={running || !work}>
              Apply pending…
            </button>
            <button type="button" className="button" onClick={() => setAddingShard(true)} disabled={running}>
              Add shard…
            </button>
          </ReadOnlyGate>
        </div>
      </header>
      {status.data && (
        <p className="muted">
          Migrations from <code>{status.data.migrationsDir}</code>: global ones run on the primary only, tenant ones on the primary and then every shard.
        </p>
      )}
      {planError !== undefined && <ErrorPanel error={planError} />}
      {runError !== undefined && <ErrorPanel error={runError} />}
      {run && <MigrationRunProgress run={run} stop={following && runId !== null ? <StopJobButton jobId={runId} /> : null} />}
      {planFor === 'dry-run' && <DryRunCard plan={plan} planError={planError} onClose={close} />}
      <RefreshFailed query={status} />
      {status.data === undefined ? (
        status.error !== undefined ? (
          <ErrorPanel error={status.error} onRetry={status.refetch} />
        ) : (
          <Loading label="Reading schema_migrations on every database…" />
        )
      ) : (
        <StatusCard status={status.data} matrix={matrix} />
      )}
      <ApplyDialog open={planFor === 'apply'} plan={plan} planError={planError} applying={applying} onClose={close} onApply={() => void apply()} />
      <AddShardDialog open={addingShard} onClose={() => setAddingShard(false)} onAdded={status.refetch} />
    </div>
  );
}

function MigrationCounts({ counts }: { counts: ReturnType<typeof migrationMatrix>['counts'] }) {
  return (
    <span className="muted" data-testid="migration-counts">
      {counts.pending} pending · {counts.failed} failed · {counts.edited} edited · {counts.unknown} unknown
      {counts.unreachable > 0 && ` · ${counts.unreachable} unreachable (not counted)`}
    </span>
  );
}

function DryRunCard({ plan, planError, onClose }: { plan: MigrationPlanResult | null; planError: unknown; onClose: () => void }) {
  return (
    <section className="card">
      <h2 className="card__title">Dry run: nothing was changed</h2>
      {plan ? <MigrationPlanView plan={plan} /> : planError === undefined && <Loading label="Reading every database…" />}
      <button type="button" className="button" onClick={onClose}>
        Close
      </button>
    </section>
  );
}

function StatusCard({ status, matrix }: { status: MigrationStatusResult; matrix: ReturnType<typeof migrationMatrix> | null }) {
  return (
    <section className="card">
      <h2 className="card__title">Status per database</h2>
      {status.databases
        .filter((d) => d.error)
        .map((d) => (
          <p key={d.name} className="run__error" data-testid={`status-error-${d.name}`}>
            {d.name}: {d.error!.message}
          </p>
        ))}
      {matrix && <MigrationMatrixTable matrix={matrix} />}
    </section>
  );
}

function ApplyDialog({
  open,
  plan,
  planError,
  applying,
  onClose,
  onApply,
}: {
  open: boolean;
  plan: MigrationPlanResult | null;
  planError: unknown;
  applying: boolean;
  onClose: () => void;
  onApply: () => void;
}) {
  return (
    <ModalDialog open={open} title="Apply pending migrations?" onClose={onClose} testId="apply-dialog">
      <p>
        The primary runs first, then the shards in parallel. Each migration runs in its own transaction; a database stops at its first failure and the others go
        on.
      </p>
      {planError !== undefined && <ErrorPanel error={planError} />}
      {plan ? <MigrationPlanView plan={plan} /> : planError === undefined && <Loading label="Reading every database…" />}
      <div className="modal__actions">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="button button--primary"
          onClick={onApply}
          disabled={applying || plan === null || !plan.databases.some((d) => d.steps.length > 0)}
        >
          {applying ? 'Starting…' : 'Apply'}
        </button>
      </div>
    </ModalDialog>
  );
}
