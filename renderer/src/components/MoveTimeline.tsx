import type { MoveJob } from '../../../shared/contract.ts';
import { stepTimeline } from '../view/move-timeline.ts';
import type { StepStatus } from '../view/move-timeline.ts';

const STATUS_TEXT: Record<StepStatus, string> = {
  done: 'done',
  current: 'running now',
  next: 'next',
  failed: 'failed here',
  stopped: 'stopped here',
  pending: 'to do',
};

/** The ten steps of a move in order, the one the job is at highlighted, with how long each took. */
export function MoveTimeline({ job }: { job: MoveJob }) {
  const steps = stepTimeline(job);
  return (
    <ol className="timeline" aria-label="Move steps" data-testid="move-timeline">
      {steps.map((s) => (
        <li
          key={s.step}
          className={`timeline__step timeline__step--${s.status}`}
          data-step={s.step}
          data-status={s.status}
          aria-current={s.status === 'current' || s.status === 'failed' || s.status === 'next' ? 'step' : undefined}
        >
          <span className="timeline__name">{s.label}</span>
          <span className="timeline__status">{STATUS_TEXT[s.status]}</span>
          <span className="timeline__time">{s.durationLabel || '\u00a0'}</span>
        </li>
      ))}
    </ol>
  );
}
