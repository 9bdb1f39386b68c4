import {
  RESTORE_MODE_STEPS,
  RESTORE_ROLLBACK_STEPS,
  type BackupSummary,
  type RestoreJob,
  type RestoreMode,
  type RestorePlan,
  type RestoreStep,
} from '../../../shared/contract.ts';
import { formatBytes, formatCount } from '../../../shared/format.ts';

/* The restore wizard's and the restore job page's view logic. */

export const RESTORE_WIZARD_STEPS = ['Backup', 'Kind of restore', 'Plan', 'Confirm'] as const;
export type RestoreWizardStep = 0 | 1 | 2 | 3;

export const MODE_TEXT: Record<RestoreMode, { label: string; detail: string }> = {
  replace: {
    label: 'Replace its rows',
    detail:
      'On its own database, under a write fence: its current rows are kept aside (roll back puts them back, discard drops them), the backup’s rows loaded and verified, then writes resume.',
  },
  'side-by-side': {
    label: 'Side by side, in a new schema',
    detail:
      'The backup’s rows go into a new schema shaped like the live tables, for looking and copying back by hand with SQL. Live data and routing are untouched.',
  },
  empty: {
    label: 'Into an empty place',
    detail: 'For a website with no rows on any database (deleted, or a new shard): loaded, verified, then its shard_name switched to the database chosen.',
  },
};

/** `restore_42_20261205`: a schema name the contract accepts, for a side-by-side restore made today. */
export function defaultSchemaName(websiteId: number, now = new Date()): string {
  return `restore_${websiteId}_${now.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** A backup as one line of the picker: when, which databases, how big, checked or not. */
export function backupChoiceLabel(backup: BackupSummary): string {
  const when = backup.startedAt.replace('T', ' ').slice(0, 16);
  const checked = backup.verified === null ? '' : backup.verified.ok ? ' · verified' : ' · verification FAILED';
  return `${when} UTC · ${backup.databases.join(', ')} · ${formatBytes(backup.bytes)}${backup.complete ? '' : ' · INCOMPLETE'}${checked}`;
}

export interface PlanSummary {
  readonly headline: string;
  readonly rows: ReadonlyArray<{ table: string; archiveRows: string; liveRows: string; changed: boolean }>;
}

/** The plan in a sentence and a table: rows from the archive against what is there now. */
export function planSummary(plan: RestorePlan): PlanSummary {
  const where = plan.mode === 'side-by-side' ? `schema ${plan.schema} on ${plan.target}` : plan.target;
  const headline =
    plan.mode === 'replace'
      ? `${formatCount(plan.totalArchiveRows)} rows from the backup replace the ${formatCount(plan.totalLiveRows)} website ${plan.websiteId} has on ${where} now.`
      : `${formatCount(plan.totalArchiveRows)} rows from the backup go into ${where}.`;
  return {
    headline,
    rows: plan.tables.map((t) => ({
      table: t.table,
      archiveRows: formatCount(t.archiveRows),
      liveRows: formatCount(t.liveRows),
      changed: t.archiveRows !== t.liveRows,
    })),
  };
}

const STEP_LABELS: Partial<Record<RestoreStep, string>> = {
  preflight: 'Preflight',
  fence: 'Fence writes',
  hold: 'Keep current rows aside',
  clear: 'Clear',
  schema: 'Create schema',
  load: 'Load rows',
  sequences: 'Sequences',
  verify: 'Verify',
  switch: 'Switch shard',
  views: 'Refresh views',
  unfence: 'Lift fence',
  done: 'Done',
  'rollback:fence': 'Fence writes',
  'rollback:check': 'Check the put-back',
  'rollback:remove': 'Remove the restored rows',
  'rollback:put-back': 'Put the held rows back',
  'rollback:sequences': 'Sequences',
  'rollback:views': 'Refresh views',
  'rollback:unfence': 'Lift fence',
  'rollback:drop': 'Drop what was kept',
  rolled_back: 'Rolled back',
};

const isRollback = (step: RestoreStep) => step.startsWith('rollback:') || step === 'rolled_back';

/** The steps this mode runs (its rollback's, once it is rolling back), in order, with the job's place among them. */
export function restoreTimeline(
  job: Pick<RestoreJob, 'mode' | 'step' | 'state'>,
): Array<{ step: RestoreStep; label: string; status: 'done' | 'current' | 'todo' | 'failed' }> {
  // The engine's own lists: a rollback that skips some of its steps passed them (shown done).
  const steps = (isRollback(job.step) ? RESTORE_ROLLBACK_STEPS : RESTORE_MODE_STEPS)[job.mode];
  const at = steps.indexOf(job.step);
  const finished = job.step === 'done' || job.step === 'rolled_back';
  return steps.map((step, i) => ({
    step,
    label: STEP_LABELS[step] ?? step,
    status: at < 0 ? 'todo' : i < at || finished ? 'done' : i === at ? (job.state === 'failed' ? 'failed' : 'current') : 'todo',
  }));
}

/** One sentence on where the website's data stands, whatever state the job is in. */
export function restoreSummary(job: RestoreJob): string {
  const verified = job.verified ? ', verified table by table' : '';
  switch (job.state) {
    case 'succeeded':
      if (job.mode === 'side-by-side') return `Website ${job.websiteId}'s rows from the backup are in schema ${job.schema} on ${job.target}${verified}.`;
      return `Website ${job.websiteId} has its rows from the backup on ${job.target}${verified}.${job.holding && !job.discarded ? ' Its rows from before are kept aside until you discard them.' : ''}${job.error ? ` A rollback did not run: ${job.error}` : ''}`;
    case 'rolled_back':
      return `Rolled back: website ${job.websiteId} is as it was before the restore.`;
    case 'failed':
    case 'interrupted':
      if (isRollback(job.step))
        return `The rollback stopped at ${STEP_LABELS[job.step] ?? job.step}${job.error ? `: ${job.error}` : ''}. Roll it back again to finish it.`;
      return `Stopped at ${STEP_LABELS[job.step] ?? job.step}${job.error ? `: ${job.error}` : ''}. Resume it, or roll it back to how the website was before.`;
    case 'cancelled':
      return 'Cancelled before it changed anything.';
    case 'running':
      return job.live
        ? `${isRollback(job.step) ? 'Rolling back the restore of' : 'Restoring'} website ${job.websiteId} (${STEP_LABELS[job.step] ?? job.step})…`
        : 'Interrupted: no console runs it. Resume it or roll it back.';
  }
}
