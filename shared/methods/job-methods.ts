import { z } from 'zod';
import { errorInfoSchema } from '../errors.ts';
import { method } from '../method.ts';

/*
 * One model for long work: moves, migration runs, size scans, backups, restores. Each kind keeps its
 * own detailed record (a move's steps, a migration run's per-database states); a Job is the common view
 * the Jobs page lists and every transport follows. Jobs that change data are durable in the console
 * schema on the primary; a job's `live` says whether a console is running it right now.
 */

export const jobKindSchema = z.enum(['move', 'migration', 'size-scan', 'backup', 'restore']);
export type JobKind = z.infer<typeof jobKindSchema>;

/** `interrupted`: a console was running it and stopped (a crash, a kill) or was asked to stop; it can be resumed. */
export const jobStateSchema = z.enum(['planned', 'running', 'succeeded', 'failed', 'interrupted', 'cancelled', 'rolled_back']);
export type JobState = z.infer<typeof jobStateSchema>;

/** What can be done to a job now; `stop` asks the console running it to stop at its next safe point. */
export const jobActionSchema = z.enum(['stop', 'run', 'resume', 'rollback', 'cancel', 'discard', 'rerun']);
export type JobAction = z.infer<typeof jobActionSchema>;

/** Progress of a long job, pushed to subscribers (IPC event, HTTP event stream, CLI progress bar). */
export const jobProgressEventSchema = z.object({
  type: z.literal('progress'),
  jobId: z.string(),
  kind: jobKindSchema,
  /** What the job is doing: a move's step, a migration's database, a scan's table. */
  phase: z.string(),
  done: z.number(),
  total: z.number().nullable(),
  unit: z.enum(['rows', 'bytes', 'steps', 'databases', 'tables', 'migrations']),
  message: z.string().optional(),
  /**
   * How far the whole job is, 0 to 1, for a job whose phases count in different units (a move's rows
   * copied, then its steps): bars show this when it is given; done/total stay the phase's own figures.
   */
  overall: z.number().min(0).max(1).optional(),
});
export type JobProgressEvent = z.infer<typeof jobProgressEventSchema>;

export const jobSchema = z.object({
  jobId: z.string(),
  kind: jobKindSchema,
  /** One line for a person: "Move website 7 from default to shard_1". */
  title: z.string(),
  state: jobStateSchema,
  /** True while a console is running it (this one or another). */
  live: z.boolean(),
  /** Running in this very console: `stop` reaches it, and its events reach `jobs.watch`. */
  here: z.boolean(),
  progress: jobProgressEventSchema.nullable(),
  actions: z.array(jobActionSchema),
  startedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: errorInfoSchema.nullable(),
  /** The page with the kind's own detail (a move's steps and verification). */
  href: z.string(),
});
export type Job = z.infer<typeof jobSchema>;

export const jobIdParam = z.object({ jobId: z.string().uuid() }).strict();

export const jobMethods = {
  'jobs.list': method(
    z.object({ kind: jobKindSchema.optional(), limit: z.number().int().min(1).max(500).default(100) }).strict(),
    z.object({
      jobs: z.array(jobSchema),
      /** Where durable jobs are kept: `database` (the console schema on the primary), `none` yet (nothing recorded), or `memory` (a read-only console: this session only). */
      store: z.enum(['database', 'none', 'memory']),
      /** Places jobs are recorded that could not be read now (the primary down): the jobs listed are the others'. */
      unreadable: z.array(errorInfoSchema).default([]),
    }),
    'Every job, newest first: moves, migration runs, size scans, backups and restores, with their progress and the actions valid now.',
  ),
  'jobs.get': method(jobIdParam, jobSchema, 'One job with its progress and the actions valid now.'),
  'jobs.watch': method(
    jobIdParam,
    jobSchema,
    'Follows a job this console is running: its progress as events until it ends, then the job. A job running elsewhere is returned at once (poll it).',
    {
      events: jobProgressEventSchema,
    },
  ),
  'jobs.stop': method(
    jobIdParam,
    jobSchema,
    'Asks this console to stop a job it is running at the next safe point: its statements are cancelled on every database and the job is left resumable.',
  ),
} as const;
