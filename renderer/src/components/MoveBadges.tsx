import type { MoveJob } from '../../../shared/contract.ts';
import { STATE_LABELS, isInterrupted } from '../view/move-timeline.ts';

/** A job's state as a coloured pill; a running job no console holds says "interrupted". */
export function MoveStateBadge({ job }: { job: Pick<MoveJob, 'state' | 'live'> }) {
  const interrupted = isInterrupted(job);
  const tone = interrupted ? 'interrupted' : job.state;
  return (
    <span className={`badge move-state move-state--${tone}`} data-testid="move-state" data-state={job.state}>
      {interrupted ? 'interrupted' : STATE_LABELS[job.state]}
    </span>
  );
}

export function VerifiedBadge({ ok }: { ok: boolean }) {
  return ok ? <span className="badge badge--ok">OK</span> : <span className="badge badge--bad">mismatch</span>;
}
