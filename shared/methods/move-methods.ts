import { z } from 'zod';
import { method } from '../method.ts';
import { shardName, websiteId } from './common-schemas.ts';

export const moveStepSchema = z.enum(['preflight', 'fence', 'copy', 'sequences', 'verify', 'switch', 'refresh', 'cleanup', 'unfence', 'done']);
export type MoveStep = z.infer<typeof moveStepSchema>;

/** A move's steps in the order the core runs them: the runner, the job store and the timeline all read this list. */
export const MOVE_STEPS: readonly MoveStep[] = moveStepSchema.options;

export function moveStepIndex(step: MoveStep): number {
  return MOVE_STEPS.indexOf(step);
}

/** Whether the website's `shard_name` already names the target: the switch committed. */
export function isPastSwitch(step: MoveStep): boolean {
  return moveStepIndex(step) > moveStepIndex('switch');
}

export const moveStateSchema = z.enum(['planned', 'running', 'failed', 'succeeded', 'rolled_back', 'cancelled']);
export type MoveState = z.infer<typeof moveStateSchema>;
export const moveActionSchema = z.enum(['run', 'resume', 'rollback', 'cancel']);
export type MoveAction = z.infer<typeof moveActionSchema>;

export const movePlanTableSchema = z.object({
  table: z.string(),
  rows: z.number().int(),
  bytes: z.number().int(),
  /** FK depth: above every tenant table the table references; a table copies once those are in. */
  level: z.number().int(),
});

/**
 * How a move refreshes materialized views: `concurrently` (the default) never blocks their readers but
 * applies the change row by row through every index; `rebuild` rebuilds each view at once, several
 * times faster for a large tenant, while readers of the view on that database wait.
 */
export const viewRefreshSchema = z.enum(['concurrently', 'rebuild']);
export type ViewRefresh = z.infer<typeof viewRefreshSchema>;

export const movePlanSchema = z.object({
  websiteId,
  source: shardName,
  target: shardName,
  tables: z.array(movePlanTableSchema),
  totalRows: z.number().int(),
  totalBytes: z.number().int(),
  materializedViews: z.array(z.string()),
  viewRefresh: viewRefreshSchema,
});
export type MovePlan = z.infer<typeof movePlanSchema>;

export const tableProgressSchema = z.object({ table: z.string(), copiedRows: z.number().int(), totalRows: z.number().int(), done: z.boolean() });

export const tableVerificationSchema = z.object({
  table: z.string(),
  sourceRows: z.number().int(),
  targetRows: z.number().int(),
  sourceHash: z.string(),
  targetHash: z.string(),
  ok: z.boolean(),
  /** Primary keys of the first rows that differ, when the table does not match. */
  firstDifferences: z.array(z.string()),
});

export const moveJobSchema = z.object({
  jobId: z.string(),
  websiteId,
  source: shardName,
  target: shardName,
  state: moveStateSchema,
  step: moveStepSchema,
  /** True while a console holds the job's lock: a running job without one was interrupted. */
  live: z.boolean(),
  actions: z.array(moveActionSchema),
  startedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  plan: movePlanSchema.nullable(),
  progress: z.array(tableProgressSchema),
  verification: z.array(tableVerificationSchema),
  verified: z.boolean(),
  /** The job that undoes this one after its switch (a move back), when one was started. */
  rollbackJobId: z.string().nullable(),
  timings: z.record(z.string(), z.number()),
});
export type MoveJob = z.infer<typeof moveJobSchema>;

export const preflightResultSchema = z.object({
  ok: z.boolean(),
  plan: movePlanSchema.nullable(),
  refusals: z.array(z.object({ code: z.string(), message: z.string(), table: z.string().optional() })),
});
export type PreflightResult = z.infer<typeof preflightResultSchema>;

/** A move job's id: a uuid. Checked at every boundary, so a typo is a wrong parameter, never a database error. */
export const jobIdSchema = z.string().uuid();

const jobRef = z.object({ jobId: jobIdSchema }).strict();

export const moveMethods = {
  'moves.preflight': method(
    z.object({ websiteId, target: shardName, source: shardName.optional(), viewRefresh: viewRefreshSchema.optional() }).strict(),
    preflightResultSchema,
    'Checks a move without changing anything and returns the plan: every table with rows and bytes to copy.',
  ),
  'moves.start': method(
    z.object({ websiteId, target: shardName, source: shardName.optional(), viewRefresh: viewRefreshSchema.optional() }).strict(),
    moveJobSchema,
    'Records a move job and starts it in the background; follow it with moves.get or job.progress events.',
    { mutates: true },
  ),
  'moves.list': method(
    z.object({ websiteId: websiteId.optional(), limit: z.number().int().min(1).max(500).default(100) }).strict(),
    z.object({ jobs: z.array(moveJobSchema) }),
    'Move jobs, newest first.',
  ),
  'moves.get': method(jobRef, moveJobSchema, 'One move job with its progress and verification report.'),
  'moves.resume': method(jobRef, moveJobSchema, 'Continues an interrupted or failed move from the step it stopped at.', { mutates: true }),
  'moves.rollback': method(
    jobRef,
    moveJobSchema,
    'Undoes a move in the background (after the switch it is a whole move back): before the switch drops what was copied; ' +
      'after it, moves the website back. Follow it with moves.get.',
    { mutates: true },
  ),
  'moves.cancel': method(jobRef, moveJobSchema, 'Cancels a planned move that has not started.', { mutates: true }),
  'moves.verifyPlacement': method(
    z.object({ websiteId }).strict(),
    z.object({
      id: websiteId,
      shard: shardName,
      ok: z.boolean(),
      misplaced: z.array(z.object({ database: shardName, table: z.string(), rows: z.number().int() })),
    }),
    "Checks that a website's rows are all on its shard and on no other database.",
  ),
} as const;
