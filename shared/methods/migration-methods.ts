import { z } from 'zod';
import { errorInfoSchema } from '../errors.ts';
import { method } from '../method.ts';
import { shardName } from './common-schemas.ts';

/*
 * Migrations on every database, schema drift against the primary, the tenant-isolation lint and
 * adding a shard. The CLI prints these results as they are with --json, so field names are a contract.
 */

export const migrationSetSchema = z.enum(['global', 'tenant']);
export type MigrationSet = z.infer<typeof migrationSetSchema>;

const version = z.string().regex(/^\d{14}$/);

export const migrationFileSchema = z.object({
  version,
  /** The file name without version and extension, e.g. `create_pwb_pages`. */
  name: z.string(),
  set: migrationSetSchema,
  file: z.string(),
});

export const appliedMigrationSchema = z.object({
  version,
  name: z.string(),
  set: migrationSetSchema,
  /** When the console applied it; null when another tool (Rails) did and left no record. */
  appliedAt: z.string().nullable(),
  /** `edited`: the file changed after it ran here; `unrecorded`: applied without a checksum (e.g. by Rails). */
  checksum: z.enum(['match', 'edited', 'unrecorded']),
});

export const pendingMigrationSchema = z.object({
  version,
  name: z.string(),
  set: migrationSetSchema,
  /** Older than a version applied on this database already (a merged branch, say): it runs after those, not in its version's place. */
  outOfOrder: z.literal(true).optional(),
});

export const failedMigrationSchema = z.object({
  version,
  name: z.string(),
  set: migrationSetSchema,
  error: z.string(),
  failedAt: z.string().nullable(),
});

/** In the database's schema_migrations, but no file of the migrations folder has this version. */
export const unknownMigrationSchema = z.object({ version: z.string(), appliedAt: z.string().nullable() });

export const databaseMigrationStatusSchema = z.object({
  name: shardName,
  role: z.enum(['primary', 'shard']),
  reachable: z.boolean(),
  error: errorInfoSchema.nullable(),
  applied: z.array(appliedMigrationSchema),
  pending: z.array(pendingMigrationSchema),
  failed: z.array(failedMigrationSchema),
  unknown: z.array(unknownMigrationSchema),
});
export type DatabaseMigrationStatus = z.infer<typeof databaseMigrationStatusSchema>;

export const migrationStatusResultSchema = z.object({
  migrationsDir: z.string(),
  migrations: z.array(migrationFileSchema),
  databases: z.array(databaseMigrationStatusSchema),
});
export type MigrationStatusResult = z.infer<typeof migrationStatusResultSchema>;

export const migrationPlanResultSchema = z.object({
  migrationsDir: z.string(),
  /** Names the migration files this plan was read from (their versions and contents): `migrations.up` takes it back as `planDigest`. */
  filesDigest: z.string(),
  /** How many shards migrate at once after the primary. */
  parallel: z.number().int(),
  databases: z.array(
    z.object({
      name: shardName,
      /** 1: the primary, alone; 2: the shards, in parallel. */
      stage: z.number().int(),
      steps: z.array(z.object({ version, name: z.string(), set: migrationSetSchema, sql: z.string() })),
      error: errorInfoSchema.nullable(),
    }),
  ),
});
export type MigrationPlanResult = z.infer<typeof migrationPlanResultSchema>;

/** `stopped`: the run was stopped on request; this database's migration in flight rolled back, the rest still pending. */
export const databaseRunStateSchema = z.enum(['waiting', 'running', 'up-to-date', 'applied', 'failed', 'locked', 'unreachable', 'skipped', 'stopped']);
export type DatabaseRunState = z.infer<typeof databaseRunStateSchema>;

export const migrationRunSchema = z.object({
  runId: z.string(),
  /** `interrupted`: stopped on request, or its console went away mid-run; running again resumes where each database stopped. */
  state: z.enum(['running', 'succeeded', 'failed', 'interrupted']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Migrations applied or attempted so far, over all databases, and how many were pending at the start. */
  done: z.number().int(),
  total: z.number().int(),
  /** Why the run as a whole could not start or finish (a bad migrations folder, the primary unreachable for the audit log). */
  error: errorInfoSchema.nullable(),
  databases: z.array(
    z.object({
      name: shardName,
      state: databaseRunStateSchema,
      /** The version running right now on this database. */
      current: z.string().nullable(),
      applied: z.array(z.string()),
      /** Still pending on this database when the run ended (or now, while it runs). */
      pending: z.array(z.string()),
      failed: z.object({ version: z.string(), error: z.string() }).nullable(),
      error: errorInfoSchema.nullable(),
    }),
  ),
});
export type MigrationRun = z.infer<typeof migrationRunSchema>;

export const migrationMethods = {
  'migrations.status': method(
    z.object({}).strict(),
    migrationStatusResultSchema,
    'Every migration version against every database: applied (when), pending, failed, unknown.',
  ),
  'migrations.plan': method(
    z.object({ database: shardName.optional(), parallel: z.number().int().min(1).max(32).default(4) }).strict(),
    migrationPlanResultSchema,
    'Dry run: the SQL and the order a migration run would apply, per database; changes nothing.',
  ),
  'migrations.up': method(
    z
      .object({
        database: shardName.optional(),
        parallel: z.number().int().min(1).max(32).default(4),
        /** How long a migration waits for a table's lock before it fails (0: no limit); see migrate-database.ts. */
        lockTimeoutSeconds: z.number().int().min(0).max(3600).default(10),
        /**
         * The `filesDigest` of the plan the operator reviewed: when a migration file was added, edited or
         * removed since, the run is refused (PLAN_CHANGED) before anything runs, never run unseen.
         */
        planDigest: z.string().max(100).optional(),
      })
      .strict(),
    z.object({ runId: z.string() }),
    'Starts applying pending migrations as a job: the primary first, then the shards in parallel; follow it with jobs.watch (events) or migrations.run.',
    { mutates: true },
  ),
  'migrations.run': method(
    z.object({ runId: z.string().min(1).max(100) }).strict(),
    migrationRunSchema,
    'Progress and outcome of a migration run, per database.',
  ),
} as const;
