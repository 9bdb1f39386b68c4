import { useState } from 'react';
import type { MoveJob } from '../../../shared/contract.ts';
import { call } from '../api/client.ts';
import { queryCache } from '../api/hooks.ts';
import { actionButtons, rollbackExplanation } from '../view/move-actions.ts';
import type { ActionButton } from '../view/move-actions.ts';
import { ErrorPanel } from './ErrorPanel.tsx';
import { ModalDialog } from './ModalDialog.tsx';
import { useSessionInfo } from '../api/hooks.ts';

const TONE_CLASS: Record<ActionButton['tone'], string> = {
  primary: 'button button--primary',
  danger: 'button button--danger',
  default: 'button',
};

/** Calls one action on the job; whatever happened, the job changed or its state is worth reading again. */
function useMoveAction(job: MoveJob, onChanged: (() => void) | undefined) {
  const [busy, setBusy] = useState<ActionButton['action'] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [confirming, setConfirming] = useState(false);

  async function perform(button: ActionButton) {
    setConfirming(false);
    setBusy(button.action);
    setError(undefined);
    try {
      await call(button.method, { jobId: job.jobId });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
      // Whatever happened, the job changed or its state is worth reading again.
      queryCache.invalidate('moves.list');
      onChanged?.();
    }
  }
  return { busy, error, confirming, setConfirming, perform };
}

/**
 * Only the actions the core says are valid for this job, as buttons. Rollback first says what it will
 * do, which differs before and after the switch; none for a read-only profile.
 */
export function MoveJobActions({ job, compact = false, onChanged }: { job: MoveJob; compact?: boolean; onChanged?: () => void }) {
  const { busy, error, confirming, setConfirming, perform } = useMoveAction(job, onChanged);
  const session = useSessionInfo();
  const buttons = session.data?.readOnly === false ? actionButtons(job) : [];
  if (buttons.length === 0) return compact ? <span className="muted">—</span> : null;

  return (
    <div className={compact ? 'move-actions move-actions--compact' : 'move-actions'} data-testid="move-actions">
      {buttons.map((button) => (
        <button
          key={button.action}
          type="button"
          className={TONE_CLASS[button.tone]}
          title={button.hint}
          disabled={busy !== null}
          data-action={button.action}
          onClick={(e) => {
            e.stopPropagation();
            if (button.confirm) setConfirming(true);
            else void perform(button);
          }}
        >
          {busy === button.action ? `${button.label.replace('…', '')}…` : button.label}
        </button>
      ))}
      {error !== undefined && !compact && <ErrorPanel error={error} />}
      {error !== undefined && compact && (
        <span className="run__error" role="alert">
          {error instanceof Error ? error.message : String(error)}
        </span>
      )}
      <RollbackDialog
        job={job}
        open={confirming}
        onClose={() => setConfirming(false)}
        onRollBack={() => void perform(buttons.find((b) => b.action === 'rollback')!)}
      />
    </div>
  );
}

/** What a rollback will do, which differs before and after the switch, and the choice to go ahead. */
function RollbackDialog({ job, open, onClose, onRollBack }: { job: MoveJob; open: boolean; onClose: () => void; onRollBack: () => void }) {
  const rollback = rollbackExplanation(job);
  return (
    <ModalDialog open={open} title={`Roll back the move of website ${job.websiteId}?`} onClose={onClose} testId="rollback-dialog">
      <p className="muted">
        {job.source} → {job.target} · {rollback.title}
      </p>
      {rollback.paragraphs.map((text) => (
        <p key={text}>{text}</p>
      ))}
      <div className="modal__actions">
        <button type="button" className="button" onClick={onClose} autoFocus>
          Keep the job
        </button>
        <button type="button" className="button button--danger" onClick={onRollBack}>
          Roll back
        </button>
      </div>
    </ModalDialog>
  );
}
