import { useMemo, useState } from 'react';
import type { RestoreAction, RestoreJob } from '../../../../shared/contract.ts';
import { formatCount } from '../../../../shared/format.ts';
import { call, type ApiError } from '../../api/client.ts';
import { useQuery, useReadAgainWhenFinished, useSessionInfo } from '../../api/hooks.ts';
import { refetchOnPhase, useLiveJob } from '../../api/job-hooks.ts';
import { usePolling } from '../../api/use-polling.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { JobProgressBar } from '../../components/JobProgressBar.tsx';
import { Loading } from '../../components/Loading.tsx';
import { StopJobButton } from '../../components/StopJobButton.tsx';
import { ModalDialog } from '../../components/ModalDialog.tsx';
import { RestorePlanTable } from '../../components/restore/restore-steps.tsx';
import { routeHref } from '../../router/routes.ts';
import { shouldPoll } from '../../view/move-timeline.ts';
import { restoreSummary, restoreTimeline } from '../../view/restore-wizard.ts';

const POLL_MS = 1000;

/** One restore job, followed live: its steps, rows loaded per table, verification, and the actions valid now. */
export function RestoreJobPage({ jobId }: { jobId: string }) {
  const query = useQuery('restores.get', { jobId });
  const job = query.data;
  const onEvent = useMemo(() => refetchOnPhase(query.refetch, POLL_MS), [query.refetch]);
  // An action taken here (resume, roll back) starts the job again: it is followed anew at once.
  const [acted, setActed] = useState(0);
  const live = useLiveJob(jobId, { onEvent, onEnd: () => query.refetch() }, `${job?.state}:${acted}`);
  const onChanged = () => {
    query.refetch();
    setActed((n) => n + 1);
  };
  // Live, not only running: an action (rollback) starts the job again before its state says so.
  usePolling(query.refetch, shouldPoll(job) && !live.following, POLL_MS);
  useReadAgainWhenFinished('placement', job?.state);

  return (
    <div className="page" data-testid="restore-job">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <a href={routeHref({ name: 'jobs' })}>Jobs</a> <span aria-hidden="true">/</span> <span aria-current="page">Restore {jobId.slice(0, 8)}</span>
      </nav>
      <header className="page__header">
        <h1>
          {job ? `Restore of website ${job.websiteId} into ${job.schema ? `${job.schema} on ` : ''}${job.target}` : 'Restore job'}{' '}
          {job && (
            <span className={`badge badge--${job.state}`} data-testid="restore-state">
              {job.state.replace('_', ' ')}
            </span>
          )}
        </h1>
        <div className="page__actions">
          {job && <RestoreActions job={job} following={live.following} onChanged={onChanged} />}
          <button type="button" className="button" onClick={query.refetch}>
            Refresh
          </button>
        </div>
      </header>
      {query.error !== undefined && <ErrorPanel error={query.error} onRetry={query.refetch} />}
      {job === undefined && query.error === undefined && <Loading label="Reading the restore job…" />}
      {job && (
        <>
          <p className="move-summary" data-testid="restore-summary">
            <strong>{restoreSummary(job)}</strong>
          </p>
          {live.following && <JobProgressBar event={live.progress} earlier={live.earlier} at={live.progressAt} label="Restore" />}
          <RestoreSteps job={job} />
          <RestoreVerification job={job} />
          <section className="card">
            <h2 className="card__title">Plan</h2>
            <RestorePlanTable plan={job.plan} />
          </section>
        </>
      )}
    </div>
  );
}

function RestoreSteps({ job }: { job: RestoreJob }) {
  return (
    <section className="card">
      <h2 className="card__title">Steps</h2>
      <ol className="timeline" aria-label="Steps">
        {restoreTimeline(job).map((s) => (
          <li key={s.step} className={`timeline__step timeline__step--${s.status}`} aria-current={s.status === 'current' ? 'step' : undefined}>
            <span className="timeline__label">{s.label}</span>
            <span className="muted timeline__status">{s.status === 'todo' ? '' : s.status}</span>
          </li>
        ))}
      </ol>
      {job.progress.length > 0 && (
        <p className="muted">
          Loaded {formatCount(job.progress.reduce((n, t) => n + t.loadedRows, 0))} of {formatCount(job.progress.reduce((n, t) => n + t.archiveRows, 0))} rows,{' '}
          {job.progress.filter((t) => t.done).length} of {job.progress.length} tables.
        </p>
      )}
    </section>
  );
}

function RestoreVerification({ job }: { job: RestoreJob }) {
  if (job.tables.length === 0) return null;
  const bad = job.tables.filter((t) => !t.ok);
  return (
    <section className="card" data-testid="restore-verification">
      <h2 className="card__title">Verification</h2>
      <p className={bad.length === 0 ? 'ok-text' : 'bad-text'}>
        {bad.length === 0
          ? `All ${job.tables.length} tables match the backup, row for row.`
          : `${bad.length} tables differ from the backup: the restore stopped before writes resumed.`}
      </p>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Verification per table">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col" className="num">
                In the backup
              </th>
              <th scope="col" className="num">
                Restored
              </th>
              <th scope="col">Result</th>
              <th scope="col">First differing keys</th>
            </tr>
          </thead>
          <tbody>
            {job.tables.map((t) => (
              <tr key={t.table} data-table={t.table} className={t.ok ? undefined : 'row--bad'}>
                <th scope="row" className="mono">
                  {t.table}
                </th>
                <td className="num">{formatCount(t.archiveRows)}</td>
                <td className="num">{formatCount(t.targetRows)}</td>
                <td>{t.ok ? <span className="badge badge--ok">OK</span> : <span className="badge badge--bad">differs</span>}</td>
                <td className="mono">{t.firstDifferences.join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const ACTION_TEXT: Record<
  Exclude<RestoreAction, 'stop'>,
  { label: string; method: 'restores.resume' | 'restores.rollback' | 'restores.discard'; confirm: string | null }
> = {
  resume: { label: 'Resume', method: 'restores.resume', confirm: null },
  rollback: {
    label: 'Roll back…',
    method: 'restores.rollback',
    confirm:
      'Put the website back as it was before the restore. After a replace that succeeded, the console first checks that nothing was written to the website since, and refuses, naming the tables, if something was.',
  },
  discard: {
    label: 'Discard kept rows…',
    method: 'restores.discard',
    confirm: 'Drop what the restore kept aside (the rows from before a replace, or the side schema). The restore can no longer be rolled back.',
  },
};

type ConfirmedAction = Exclude<RestoreAction, 'stop'> | 'rollback-anyway';

/**
 * Rolling back once the website was written again, or when that cannot be checked (the backup moved or
 * gone): only after the refusal said which.
 */
const ROLLBACK_ANYWAY = {
  label: 'Roll back anyway…',
  method: 'restores.rollback',
  confirm:
    'Roll back and lose any change written to the website since the restore (the refusal above names the tables, or why they could not be checked). Copy out what should stay first.',
} as const;

const actionText = (a: ConfirmedAction) => (a === 'rollback-anyway' ? ROLLBACK_ANYWAY : ACTION_TEXT[a]);

/** Whether a refused rollback was refused over changes since the restore, named or not checkable. */
function changedSinceRestore(error: unknown): boolean {
  const details = (error as ApiError | undefined)?.details;
  return (error as ApiError | undefined)?.code === 'ACTION_NOT_ALLOWED' && (Array.isArray(details?.changed) || typeof details?.unchecked === 'string');
}

/** Calls one action on the job, then asks the page to read it again whatever happened. */
function useRestoreAction(job: RestoreJob, onChanged: () => void) {
  const [confirming, setConfirming] = useState<ConfirmedAction | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const perform = async (action: ConfirmedAction | 'resume') => {
    setConfirming(null);
    setBusy(true);
    setError(undefined);
    try {
      if (action === 'rollback-anyway') await call('restores.rollback', { jobId: job.jobId, discardChanges: true });
      else await call(ACTION_TEXT[action].method, { jobId: job.jobId });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      onChanged();
    }
  };
  return { confirming, setConfirming, busy, error, perform };
}

/** Only the actions the core says are valid now; rollback and discard ask first. None for a read-only profile. */
function RestoreActions({ job, following, onChanged }: { job: RestoreJob; following: boolean; onChanged: () => void }) {
  const session = useSessionInfo();
  const { confirming, setConfirming, busy, error, perform } = useRestoreAction(job, onChanged);
  if (session.data?.readOnly !== false) return null;
  return (
    <div className="move-actions" data-testid="restore-actions">
      {/* Asked first, as every Stop: mid-replace the website stays fenced and partly cleared until resumed or rolled back. */}
      {following && job.actions.includes('stop') && <StopJobButton jobId={job.jobId} onStopped={onChanged} />}
      {job.actions
        .filter((a): a is Exclude<RestoreAction, 'stop'> => a !== 'stop')
        .map((a) => (
          <button
            key={a}
            type="button"
            className={a === 'resume' ? 'button button--primary' : 'button button--danger'}
            disabled={busy}
            data-action={a}
            onClick={() => (ACTION_TEXT[a].confirm ? setConfirming(a) : void perform(a))}
          >
            {ACTION_TEXT[a].label}
          </button>
        ))}
      {error !== undefined && <ErrorPanel error={error} />}
      {changedSinceRestore(error) && job.actions.includes('rollback') && (
        <button type="button" className="button button--danger" disabled={busy} data-action="rollback-anyway" onClick={() => setConfirming('rollback-anyway')}>
          {ROLLBACK_ANYWAY.label}
        </button>
      )}
      <ConfirmActionDialog confirming={confirming} onClose={() => setConfirming(null)} onConfirm={(a) => void perform(a)} />
    </div>
  );
}

function ConfirmActionDialog({
  confirming,
  onClose,
  onConfirm,
}: {
  confirming: ConfirmedAction | null;
  onClose: () => void;
  onConfirm: (action: ConfirmedAction) => void;
}) {
  return (
    <ModalDialog
      open={confirming !== null}
      title={confirming ? `${actionText(confirming).label.replace('…', '')}?` : ''}
      onClose={onClose}
      testId="restore-confirm-action"
    >
      {confirming && <p>{actionText(confirming).confirm}</p>}
      <div className="modal__actions">
        <button type="button" className="button" onClick={onClose} autoFocus>
          Keep it
        </button>
        {confirming && (
          <button type="button" className="button button--danger-solid" onClick={() => onConfirm(confirming)} data-testid="restore-confirm-action-button">
            {actionText(confirming).label.replace('…', '')}
          </button>
        )}
      </div>
    </ModalDialog>
  );
}
