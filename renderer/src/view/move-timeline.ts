import { MOVE_STEPS, isPastSwitch, moveStepIndex } from '../../../shared/contract.ts';
import type { MoveJob, MoveState, MoveStep } from '../../../shared/contract.ts';
import { formatDuration } from '../../../shared/format.ts';

/* Where a move job stands: its steps in order, each done, current, failed, stopped or still to come. */

export const STEP_LABELS: Record<MoveStep, string> = {
  preflight: 'Preflight',
  fence: 'Fence writes',
  copy: 'Copy rows',
  sequences: 'Sequences',
  verify: 'Verify',
  switch: 'Switch shard',
  refresh: 'Refresh views',
  cleanup: 'Clean up source',
  unfence: 'Lift fence',
  done: 'Done',
};

export type StepStatus = 'done' | 'current' | 'next' | 'failed' | 'stopped' | 'pending';

export interface TimelineStep {
  step: MoveStep;
  label: string;
  status: StepStatus;
  durationMs: number | null;
  durationLabel: string;
}

function statusAt(index: number, current: number, state: MoveState, step: MoveStep): StepStatus {
  if (state === 'succeeded' || index < current) return 'done';
  if (index > current) return 'pending';
  switch (state) {
    case 'running':
      return 'current';
    case 'planned':
      return 'next';
    case 'failed':
      return 'failed';
    case 'rolled_back':
    case 'cancelled':
      // A move rolled back after its switch first runs to its end, then moves back with a new job.
      return step === 'done' ? 'done' : 'stopped';
  }
}

export function stepTimeline(job: Pick<MoveJob, 'state' | 'step' | 'timings'>): TimelineStep[] {
  const current = moveStepIndex(job.step);
  return MOVE_STEPS.map((step, index) => {
    const ms = job.timings[step];
    const durationMs = typeof ms === 'number' && Number.isFinite(ms) ? ms : null;
    const status = statusAt(index, current, job.state, job.step);
    return { step, label: STEP_LABELS[step], status, durationMs, durationLabel: durationMs === null ? '' : formatDuration(durationMs) };
  });
}

export const STATE_LABELS: Record<MoveState, string> = {
  planned: 'planned',
  running: 'running',
  failed: 'failed',
  succeeded: 'succeeded',
  rolled_back: 'rolled back',
  cancelled: 'cancelled',
};

/** A running job that no console holds: its process died or its connection dropped. */
export function isInterrupted(job: Pick<MoveJob, 'state' | 'live'>): boolean {
  return job.state === 'running' && !job.live;
}

/** One sentence for the page header and screen readers. */
export function jobSummary(job: Pick<MoveJob, 'state' | 'step' | 'live' | 'source' | 'target' | 'websiteId'>): string {
  const step = `${STEP_LABELS[job.step].toLowerCase()} (step ${moveStepIndex(job.step) + 1} of ${MOVE_STEPS.length})`;
  const livesOn = isPastSwitch(job.step) ? `already lives on ${job.target}` : `still lives on ${job.source}`;
  switch (job.state) {
    case 'planned':
      return job.live ? `Starting: ${step}.` : `Planned, not started: it will begin at ${step}.`;
    case 'running':
      return job.live ? `Running: ${step}.` : `Interrupted at ${step}: no console is running it. Resume or roll it back.`;
    case 'failed':
      return `Failed at ${step}. Website ${job.websiteId} ${livesOn}.`;
    case 'succeeded':
      return `Website ${job.websiteId} now lives on ${job.target}.`;
    case 'rolled_back':
      return `Rolled back: website ${job.websiteId} lives on ${job.source}${job.step === 'done' ? ' again' : ''}.`;
    case 'cancelled':
      return 'Cancelled before it started: nothing was changed.';
  }
}

/** The page keeps asking while something may still change: a console runs the job, or it says it is running. */
export function shouldPoll(job: { readonly state: string; readonly live: boolean } | undefined): boolean {
  return job !== undefined && (job.live || job.state === 'running');
}
