import { z } from 'zod';
import { errorInfoSchema } from '../errors.ts';
import { method } from '../method.ts';
import { pathParam, shardName } from './common-schemas.ts';
import { jobProgressEventSchema } from './job-methods.ts';

/*
 * Backups of every database with pg_dump, and the offline reader of any pg_dump archive: what is in a
 * backup, which website is where in it, and how that compares with the routing of the day and now.
 */

export const backupFormatSchema = z.enum(['custom', 'directory']);
export type BackupFormatName = z.infer<typeof backupFormatSchema>;

/** One database of a backup, as `manifest.json` records it. */
export const manifestDatabaseSchema = z.object({
  name: shardName,
  role: z.enum(['primary', 'shard']),
  /** Relative to the backup folder: `default.dump`, or `shard_1/` for a directory dump; never a path out of it. */
  file: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*\/?$/, 'an archive file name inside the backup folder'),
  format: backupFormatSchema,
  bytes: z.number().int(),
  /** sha256 of the file; of a directory dump, of its sorted `name sha256` listing (each file's is in `files`). */
  sha256: z.string(),
  files: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a file name inside the archive folder'),
        bytes: z.number().int(),
        sha256: z.string(),
      }),
    )
    .optional(),
  serverVersion: z.string(),
  pgDumpVersion: z.string(),
  /** Versions in the database's schema_migrations when it was dumped. */
  migrations: z.array(z.string()),
  startedAt: z.string(),
  finishedAt: z.string(),
});

export const backupManifestSchema = z.object({
  kind: z.literal('shard-console-backup'),
  formatVersion: z.literal(1),
  profile: z.string(),
  consoleVersion: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** False when some database did not finish (stopped, failed): `incomplete` says which and why. */
  complete: z.boolean(),
  incomplete: z.array(z.object({ name: shardName, error: errorInfoSchema })),
  databases: z.array(manifestDatabaseSchema),
  /** pwb_websites id -> shard_name (NULL read as `default`), read from the primary in the same run. */
  routing: z.record(z.string(), z.string()),
});
export type BackupManifest = z.infer<typeof backupManifestSchema>;

export const backupResultSchema = z.object({
  backup: z.string(),
  databases: z.array(
    z.object({
      name: shardName,
      file: z.string(),
      format: backupFormatSchema,
      bytes: z.number().int(),
      sha256: z.string(),
      serverVersion: z.string(),
      pgDumpVersion: z.string(),
    }),
  ),
});
export type BackupResult = z.infer<typeof backupResultSchema>;

export const verifyResultSchema = z.object({
  ok: z.boolean(),
  files: z.array(z.object({ name: z.string(), file: z.string(), ok: z.boolean(), message: z.string() })),
});
export type VerifyResult = z.infer<typeof verifyResultSchema>;

export const backupSummarySchema = z.object({
  path: z.string(),
  profile: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  complete: z.boolean(),
  databases: z.array(shardName),
  bytes: z.number().int(),
  /** When `backup verify` last checked it and what it found (a `verified.json` beside the manifest); null if never. */
  verified: z.object({ at: z.string(), ok: z.boolean() }).nullable(),
  /**
   * Why the folder cannot be read as a backup, and what to do (its manifest is damaged, or it has none: a
   * backup still running, or one whose console stopped); null for a backup. Such a folder's times are
   * its last change, its size what is in it, and it has no databases.
   */
  problem: z.string().nullable(),
});
export type BackupSummary = z.infer<typeof backupSummarySchema>;

export const archiveTableSchema = z.object({
  table: z.string(),
  rows: z.number().int(),
  tenant: z.boolean(),
  /** Why rows were not read (large objects, an --inserts dump), or read only partly (damage); null when counted whole. */
  note: z.string().nullable().optional(),
});

export const archiveInspectionSchema = z.object({
  database: z.string().nullable(),
  file: z.string(),
  format: z.string(),
  archiveVersion: z.string().nullable(),
  serverVersion: z.string().nullable(),
  pgDumpVersion: z.string().nullable(),
  /** Wall-clock time of the machine that dumped it (pg_dump records no zone). */
  dumpedAt: z.string().nullable(),
  tables: z.array(archiveTableSchema),
  websites: z.array(z.object({ id: z.number().int(), rows: z.number().int() })),
  /** Damage met while reading: the counts above are what was read before it. */
  error: errorInfoSchema.nullable(),
});
export type ArchiveInspectionResult = z.infer<typeof archiveInspectionSchema>;

export const websiteInBackupSchema = z.object({
  id: z.number().int(),
  archives: z.array(
    z.object({
      database: z.string().nullable(),
      file: z.string(),
      tables: z.array(
        z.object({
          table: z.string(),
          rows: z.number().int(),
          sample: z.array(z.array(z.string().nullable())).optional(),
          columns: z.array(z.string()).optional(),
          /** Why fewer rows were sampled than asked for, if so. */
          note: z.string().nullable().optional(),
        }),
      ),
      /** Damage met while reading (or an archive that would not open): the counts above are what was read before it. */
      error: errorInfoSchema.nullable(),
    }),
  ),
});

export const offlineDoctorSchema = z.object({
  /** From the manifest: websites whose rows sit in an archive their routing (at backup time) did not name. */
  misplaced: z.array(z.object({ website: z.number().int(), routedTo: z.string().nullable(), foundIn: z.string(), rows: z.number().int() })),
  /** Against the live cluster: per website, rows in the backup and rows now (only websites that differ). */
  changes: z
    .array(z.object({ website: z.number().int(), backupRows: z.number().int(), liveRows: z.number().int().nullable(), liveShard: z.string().nullable() }))
    .nullable(),
  error: errorInfoSchema.nullable(),
});

export const backupMethods = {
  'backup.create': method(
    z
      .object({
        dir: pathParam.optional(),
        format: backupFormatSchema.default('custom'),
        databases: z.array(shardName).min(1).optional(),
        /** Databases dumped at once. */
        jobs: z.number().int().min(1).max(16).default(2),
      })
      .strict(),
    backupResultSchema,
    'Backs up every database of the profile (or the ones named) with pg_dump, several at a time, into a new folder with manifest.json (checksums, versions, migrations, routing).',
    { events: jobProgressEventSchema },
  ),
  'backup.verify': method(
    z.object({ path: pathParam }).strict(),
    verifyResultSchema,
    'Re-reads every file of a backup: its checksum and its archive structure, every data block.',
    { events: jobProgressEventSchema },
  ),
  'backup.list': method(
    z.object({ dir: pathParam.optional() }).strict(),
    z.object({ dir: z.string(), backups: z.array(backupSummarySchema) }),
    "The backups in the profile's backup folder, newest first.",
  ),
  'backup.inspect': method(
    z.object({ path: pathParam }).strict(),
    z.object({ archives: z.array(archiveInspectionSchema) }),
    'Opens a backup folder or any single archive offline: exact rows per table and per website, every tenant table included.',
    { events: jobProgressEventSchema },
  ),
  'backup.website': method(
    z.object({ id: z.number().int().positive(), path: pathParam, rows: z.number().int().min(0).max(1000).default(0) }).strict(),
    websiteInBackupSchema,
    "One website's footprint in a backup: its rows per table in each archive, and optionally its first rows as they are in the archive.",
    { events: jobProgressEventSchema },
  ),
  'backup.doctor': method(
    z.object({ path: pathParam, live: z.boolean().default(false) }).strict(),
    offlineDoctorSchema,
    'Offline doctor of a backup: websites whose rows were where their routing said they were not, at backup time; with `live`, per website rows then and now.',
    { events: jobProgressEventSchema },
  ),
} as const;
