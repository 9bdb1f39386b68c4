import type { JobProgressEvent } from '../../../shared/contract.ts';
import { progressView } from '../view/job-list.ts';

/** A job's progress: a bar (indeterminate while the total is unknown), how far, how fast, how long still. */
export function JobProgressBar({
  event,
  earlier,
  at,
  label,
}: {
  event: JobProgressEvent | null;
  earlier?: { event: JobProgressEvent; at: number } | null;
  /** When `event` arrived: the rate is between the two events' arrivals. */
  at?: number | null;
  label: string;
}) {
  const view = progressView(event, earlier ?? undefined, at ?? Date.now());
  if (view === null) return <span className="muted">—</span>;
  return (
    <div className="job-progress" data-testid="job-progress" data-done={event?.done} data-total={event?.total ?? ''}>
      <progress
        className="move-bar"
        max={100}
        value={view.percent ?? undefined}
        aria-label={`${label}: ${view.percent === null ? 'in progress' : `${view.percent}%`}`}
      />
      <span className="job-progress__text">
        {view.label}
        {view.rateLabel !== '—' && ` · ${view.rateLabel}`}
        {view.etaLabel !== '—' && ` · ${view.etaLabel} left`}
      </span>
    </div>
  );
}
