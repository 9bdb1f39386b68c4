import { isPastSwitch } from '../../../shared/contract.ts';
import type { MoveAction, MoveJob } from '../../../shared/contract.ts';

/*
 * The buttons a move job offers: exactly the actions the core says are valid in its state (`actions`),
 * in one fixed order, each with the method it calls and whether it asks before acting.
 */

export type ActionMethod = 'moves.resume' | 'moves.rollback' | 'moves.cancel';

export interface ActionButton {
  action: MoveAction;
  label: string;
  /** `run` starts a planned job: the core does that with `moves.resume` as well. */
  method: ActionMethod;
  tone: 'primary' | 'danger' | 'default';
  /** Rollback explains what it will do and waits for a yes. */
  confirm: boolean;
  hint: string;
}

const ORDER: readonly MoveAction[] = ['run', 'resume', 'rollback', 'cancel'];

const BUTTONS: Record<MoveAction, Omit<ActionButton, 'action'>> = {
  run: { label: 'Run', method: 'moves.resume', tone: 'primary', confirm: false, hint: 'Start this planned move now.' },
  resume: {
    label: 'Resume',
    method: 'moves.resume',
    tone: 'primary',
    confirm: false,
    hint: 'Continue from the step it stopped at; every step is safe to run again.',
  },
  rollback: { label: 'Roll back…', method: 'moves.rollback', tone: 'danger', confirm: true, hint: 'Undo this move.' },
  cancel: { label: 'Cancel move', method: 'moves.cancel', tone: 'default', confirm: false, hint: 'Drop this planned move; nothing has been changed yet.' },
};

export function actionButtons(job: Pick<MoveJob, 'actions'>): ActionButton[] {
  return ORDER.filter((action) => job.actions.includes(action)).map((action) => ({ action, ...BUTTONS[action] }));
}

/** What a rollback does, which depends on whether the website already switched to the target. */
export function rollbackExplanation(job: Pick<MoveJob, 'step' | 'source' | 'target' | 'websiteId'>): { title: string; paragraphs: string[] } {
  if (!isPastSwitch(job.step)) {
    return {
      title: 'Before the switch',
      paragraphs: [
        `Website ${job.websiteId} still lives on ${job.source}; nothing there has changed.`,
        `Rolling back deletes the rows this job copied to ${job.target}, lifts the write fence on ${job.source} so the website takes writes again, ` +
          'and marks the job rolled back.',
      ],
    };
  }
  return {
    title: 'After the switch',
    paragraphs: [
      `Website ${job.websiteId} already lives on ${job.target} and may have taken writes there.`,
      `Rolling back first finishes this move (clean-up of ${job.source}), then moves the website back to ${job.source} with a new move job ` +
        'that copies, verifies and switches again, and marks this job rolled back. It takes about as long as the move did.',
    ],
  };
}
