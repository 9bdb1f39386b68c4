import { z } from 'zod';
import { method } from '../method.ts';
import { pathParam, shardName, websiteId } from './common-schemas.ts';
import { jobIdSchema, viewRefreshSchema } from './move-methods.ts';

/*
 * Restoring one website from a backup archive (read offline, no pg_restore), verified row by row
 * against the archive. Three modes:
 * - `replace`: into the website's own database, under the move engine's write fence; its current rows
 *   are held aside first (rollback puts them back, discard drops them);
 * - `side-by-side`: into a new schema (`intoSchema`) on the website's database or `target`, shaped like
 *   the live tenant tables; live data and routing untouched;
 * - `empty`: the website has no rows on any database: loaded on `target` (default: where it routes),
 *   then its shard_name is switched there with compare-and-set.
 * A restore is a durable job (kind `restore` on the Jobs page): follow it with jobs.watch, stop it with
 * jobs.stop (it is left resumable).
 */

export const restoreModeSchema = z.enum(['replace', 'side-by-side', 'empty']);
export type RestoreMode = z.infer<typeof restoreModeSchema>;

/** Forward steps (each mode runs a subset, in this order), then the steps of a rollback. */
export const restoreStepSchema = z.enum([
  'preflight',
  'fence',
  'hold',
  'clear',
  'schema',
  'load',
  'sequences',
  'verify',
  'switch',
  'views',
  'unfence',
  'done',
  'rollback:fence',
  'rollback:check',
  'rollback:remove',
  'rollback:put-back',
  'rollback:sequences',
  'rollback:views',
  'rollback:unfence',
  'rollback:drop',
  'rolled_back',
]);
export type RestoreStep = z.infer<typeof restoreStepSchema>;

/** The steps each mode runs, in order: the engine runs them, the job page places a job among them. */
export const RESTORE_MODE_STEPS: Readonly<Record<RestoreMode, readonly RestoreStep[]>> = {
  replace: ['preflight', 'fence', 'hold', 'clear', 'load', 'sequences', 'verify', 'views', 'unfence', 'done'],
  'side-by-side': ['preflight', 'schema', 'load', 'verify', 'done'],
  empty: ['preflight', 'fence', 'load', 'sequences', 'verify', 'switch', 'views', 'unfence', 'done'],
};

/**
 * Each mode's rollback steps, in order, at most: a rollback of a restore that had not got far runs
 * fewer of them (the engine picks which, from how far it got); the job page shows those it passed as done.
 */
export const RESTORE_ROLLBACK_STEPS: Readonly<Record<RestoreMode, readonly RestoreStep[]>> = {
  replace: [
    'rollback:fence',
    'rollback:check',
    'rollback:put-back',
    'rollback:sequences',
    'rollback:views',
    'rollback:unfence',
    'rollback:drop',
    'rolled_back',
  ],
  'side-by-side': ['rollback:drop', 'rolled_back'],
  empty: ['rollback:remove', 'rollback:views', 'rollback:unfence', 'rolled_back'],
};

export const restoreStateSchema = z.enum(['running', 'failed', 'interrupted', 'succeeded', 'rolled_back', 'cancelled']);
export type RestoreState = z.infer<typeof restoreStateSchema>;

/** `discard`: drop what a succeeded restore kept aside (replace: the held rows; side by side: the schema). */
export const restoreActionSchema = z.enum(['stop', 'resume', 'rollback', 'discard']);
export type RestoreAction = z.infer<typeof restoreActionSchema>;

/** A schema name the console creates: a plain lowercase identifier, never one PostgreSQL or the console keeps. */
export const restoreSchemaName = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase identifier: letters, digits and underscores, not starting with a digit, at most 63 characters')
  .refine(
    (s) => !s.startsWith('pg_') && !['public', 'information_schema', 'shard_console'].includes(s),
    'a schema of its own, not public, pg_*, information_schema or shard_console',
  );

export const restoreRequestSchema = z
  .object({
    websiteId,
    path: pathParam,
    /** Which archive of a backup folder (its database name in manifest.json); found through the manifest's routing, or by reading, when left out. */
    archive: shardName.optional(),
    /** The database to restore into (side by side, empty place); replace always restores into the website's own database. */
    target: shardName.optional(),
    mode: restoreModeSchema,
    /** The new schema of a side-by-side restore (required for that mode, refused for the others). */
    intoSchema: restoreSchemaName.optional(),
    viewRefresh: viewRefreshSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.mode === 'side-by-side' && p.intoSchema === undefined)
      ctx.addIssue({ code: 'custom', path: ['intoSchema'], message: 'a side-by-side restore needs the schema to create (intoSchema)' });
    if (p.mode !== 'side-by-side' && p.intoSchema !== undefined)
      ctx.addIssue({ code: 'custom', path: ['intoSchema'], message: 'intoSchema is only for a side-by-side restore' });
  });
export type RestoreRequest = z.infer<typeof restoreRequestSchema>;

/** Where the rows come from: the archive file and the database it holds (as the backup's manifest names it). */
export const restoreSourceSchema = z.object({
  /** The backup folder or archive given. */
  path: z.string(),
  /** The archive file or directory dump read, absolute. */
  file: z.string(),
  database: z.string().nullable(),
  format: z.string(),
  /** Wall-clock time of the machine that dumped it (pg_dump records no zone). */
  dumpedAt: z.string().nullable(),
  /** How the archive was chosen: named, the manifest's routing, read (the only one with the website's rows) or the only archive. */
  chosenBy: z.enum(['named', 'routing', 'reading', 'only']),
});

export const restorePlanTableSchema = z.object({
  table: z.string(),
  /** FK depth: a table loads after the tenant tables it references. */
  level: z.number().int(),
  /** The website's rows of this table in the archive (what will be there after the restore). */
  archiveRows: z.number().int(),
  /** The website's rows of this table on the target now (replace: held aside, then replaced). */
  liveRows: z.number().int(),
});

export const restorePlanSchema = z.object({
  websiteId,
  mode: restoreModeSchema,
  target: shardName,
  /** Where the website routes now (its shard_name). */
  routedTo: shardName,
  /** Side by side: the schema created. */
  schema: z.string().nullable(),
  source: restoreSourceSchema,
  tables: z.array(restorePlanTableSchema),
  totalArchiveRows: z.number().int(),
  totalLiveRows: z.number().int(),
  materializedViews: z.array(z.string()),
  viewRefresh: viewRefreshSchema,
  /** What the operator should know that is no refusal (a live table the archive does not have, ...). */
  notes: z.array(z.string()),
});
export type RestorePlan = z.infer<typeof restorePlanSchema>;

export const restorePreflightSchema = z.object({
  ok: z.boolean(),
  plan: restorePlanSchema.nullable(),
  /** Each with the reason and what to do; a refused restore changed nothing. */
  refusals: z.array(z.object({ code: z.string(), message: z.string(), table: z.string().optional() })),
});
export type RestorePreflight = z.infer<typeof restorePreflightSchema>;

/** One table's verification: the archive's rows against the rows read back from the target. */
export const restoreTableVerificationSchema = z.object({
  table: z.string(),
  archiveRows: z.number().int(),
  targetRows: z.number().int(),
  archiveHash: z.string(),
  targetHash: z.string(),
  ok: z.boolean(),
  /** Primary keys of the first rows that differ, when the table does not match. */
  firstDifferences: z.array(z.string()),
});

export const restoreTableProgressSchema = z.object({ table: z.string(), loadedRows: z.number().int(), archiveRows: z.number().int(), done: z.boolean() });

export const restoreJobSchema = z.object({
  jobId: z.string(),
  websiteId,
  mode: restoreModeSchema,
  /** The database restored into. */
  target: shardName,
  /** Side by side: the schema holding the restored rows. */
  schema: z.string().nullable(),
  /** Replace: where the website's rows from before the restore are kept until discarded (tables in the console's schema on the target). */
  holding: z.string().nullable(),
  source: restoreSourceSchema,
  state: restoreStateSchema,
  step: restoreStepSchema,
  /** True while a console runs it: a running job without one was interrupted. */
  live: z.boolean(),
  actions: z.array(restoreActionSchema),
  startedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  plan: restorePlanSchema,
  progress: z.array(restoreTableProgressSchema),
  /** Verification per table (empty until the verify step ran). */
  tables: z.array(restoreTableVerificationSchema),
  verified: z.boolean(),
  /** What the restore kept aside (held rows, the side schema) was dropped. */
  discarded: z.boolean(),
  timings: z.record(z.string(), z.number()),
});
export type RestoreJob = z.infer<typeof restoreJobSchema>;

const jobRef = z.object({ jobId: jobIdSchema }).strict();

export const restoreMethods = {
  'restores.preflight': method(
    restoreRequestSchema,
    restorePreflightSchema,
    "Checks a restore without changing anything: finds the website's archive, compares the archive's tables with the live ones, counts its rows and probes for key collisions; returns the plan or the refusals.",
  ),
  'restores.start': method(
    restoreRequestSchema,
    restoreJobSchema,
    'Preflights, records a restore job and runs it in the background; follow it with jobs.watch (progress events) or restores.get. Refused (RESTORE_REFUSED) with nothing changed when preflight refuses.',
    { mutates: true },
  ),
  'restores.list': method(
    z.object({ websiteId: websiteId.optional(), limit: z.number().int().min(1).max(500).default(100) }).strict(),
    z.object({ jobs: z.array(restoreJobSchema) }),
    'Restore jobs, newest first, with the actions valid in each state.',
  ),
  'restores.get': method(jobRef, restoreJobSchema, 'One restore job with its plan, progress and verification.'),
  'restores.resume': method(jobRef, restoreJobSchema, 'Continues an interrupted or failed restore from the step it stopped at, in the background.', {
    mutates: true,
  }),
  'restores.rollback': method(
    jobRef.extend({
      /** After a replace that finished: roll back even though the website's rows changed since (those changes are lost). */
      discardChanges: z.boolean().optional(),
    }),
    restoreJobSchema,
    'Undoes a restore in the background: replace puts the held rows back (after a succeeded restore only when the website was not written since, or with discardChanges); empty place removes what was loaded (before the switch only); side by side drops its schema.',
    { mutates: true },
  ),
  'restores.discard': method(
    jobRef,
    restoreJobSchema,
    'Drops what a succeeded restore kept aside: the held rows of a replace, the schema of a side-by-side restore.',
    { mutates: true },
  ),
  'restores.dropSchema': method(
    z.object({ schema: restoreSchemaName, database: shardName.optional() }).strict(),
    z.object({ database: shardName, schema: z.string(), tables: z.number().int() }),
    'Drops a schema a side-by-side restore created (looked for on every database unless named); refuses any schema the console did not create for a restore.',
    { mutates: true },
  ),
} as const;
