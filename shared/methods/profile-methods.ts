import { z } from 'zod';
import { errorInfoSchema } from '../errors.ts';
import { method } from '../method.ts';
import { pathParam, shardName } from './common-schemas.ts';

/*
 * Profiles in the app: the start screen opens a JSON profile, a Rails config/database.yml (one of its
 * environments) or the embedded demo; the profile form creates and edits JSON profiles. These methods
 * are answered by the app's session (the desktop app, `serve`), not by a console open on one profile,
 * so they work before any profile is open, and opening one switches the session to it.
 */

const environmentName = z.string().min(1).max(100);
const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name: letters, digits and _');

export const profileSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('profile'), path: pathParam }).strict(),
  z.object({ kind: z.literal('rails'), file: pathParam, environment: environmentName }).strict(),
  z.object({ kind: z.literal('demo') }).strict(),
]);
export type ProfileSource = z.infer<typeof profileSourceSchema>;

/**
 * Where a database's password comes from. `typed` is only ever sent by the form: saving stores it in the
 * OS keychain (desktop app) and writes a `passwordSecret` reference; testing a connection uses it once.
 */
export const passwordFieldSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('env'), variable: variableName }).strict(),
  z.object({ kind: z.literal('secret'), name: z.string().min(1).max(200) }).strict(),
  z.object({ kind: z.literal('typed'), value: z.string().min(1).max(1000) }).strict(),
]);
export type PasswordField = z.infer<typeof passwordFieldSchema>;

export const sslModeSchema = z.enum(['disable', 'prefer', 'require', 'verify-full']);

/** A profile's `pool`: connections per database and the timeouts, each optional (the console's defaults otherwise). */
export const poolSettingsSchema = z
  .object({
    max: z.number().int().min(1).max(100).optional(),
    connectTimeoutMs: z.number().int().min(100).optional(),
    statementTimeoutMs: z.number().int().min(100).optional(),
  })
  .strict();

export const databaseFormSchema = z
  .object({
    /** `default` for the primary; otherwise the shard name `pwb_websites.shard_name` uses. */
    shard: shardName.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a shard name: letters, digits and _'),
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535),
    database: z.string().min(1).max(63),
    user: z.string().min(1).max(63),
    password: passwordFieldSchema,
    ssl: sslModeSchema,
    /** The CA certificate file the server's certificate must chain to (libpq's sslrootcert), relative to the profile file. */
    sslRootCert: z.string().min(1).max(4096).optional(),
    /**
     * With `rails`: the fields this row shows from the database.yml (the profile's entry does not name
     * them), with the values shown. Saving writes such a field only when it no longer has that value, so
     * the database.yml stays the source of the rest. A row without it is written whole.
     */
    fromRails: z
      .object({
        host: z.string().optional(),
        port: z.number().int().optional(),
        database: z.string().optional(),
        user: z.string().optional(),
        ssl: sslModeSchema.optional(),
        sslRootCert: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type DatabaseForm = z.infer<typeof databaseFormSchema>;

/** A profile's database.yml import: the file, the environment, and its Rails config names -> shard names. */
const railsImportSchema = z
  .object({
    file: pathParam,
    environment: environmentName,
    /** Rails config name -> shard name, overriding PWB's mapping; kept as the file has it. */
    shardNames: z.record(z.string().min(1).max(100), z.string().min(1).max(63)).default({}),
  })
  .strict();

export const profileFormSchema = z
  .object({
    name: z.string().min(1).max(100),
    /**
     * The databases, the primary (`default`) first; with `rails`, the ones the profile overrides, shown
     * with the database.yml's values where the profile says nothing (saved back as what differs from them).
     */
    databases: z.array(databaseFormSchema).max(64),
    rails: railsImportSchema.nullable(),
    tenantKeys: z.array(z.string().min(1).max(63)).min(1).max(10),
    globalTables: z.array(z.string().min(1).max(63)).max(200),
    readOnly: z.boolean(),
    backupDir: pathParam.nullable(),
    migrationsDir: pathParam.nullable(),
    /** pg_dump per PostgreSQL major, e.g. {"15": "/usr/lib/postgresql/15/bin/pg_dump"}. */
    pgDump: z.record(z.string().regex(/^\d{1,2}$/), pathParam),
    /** The role the query console connects as on every database (recommended: SELECT only); null: each database's user. */
    queryRole: z
      .object({ user: z.string().min(1).max(63), password: passwordFieldSchema })
      .strict()
      .nullable()
      .default(null),
    /** The profile's pool settings ({} for the defaults); kept as the file has them. */
    pool: poolSettingsSchema.default({}),
  })
  .strict();
export type ProfileForm = z.infer<typeof profileFormSchema>;

const currentProfileSchema = z.object({ name: z.string(), source: profileSourceSchema, readOnly: z.boolean() });

export const recentProfileSchema = z.object({
  source: profileSourceSchema,
  name: z.string(),
  openedAt: z.string(),
  /** False when the file is gone since: shown greyed, with Forget. */
  exists: z.boolean(),
});
export type RecentProfile = z.infer<typeof recentProfileSchema>;

export const profilesListResultSchema = z.object({
  current: currentProfileSchema.nullable(),
  recent: z.array(recentProfileSchema),
  /** Profiles saved by the app, in its own folder. */
  saved: z.array(z.object({ path: z.string(), name: z.string() })),
  /** Where the app saves a new profile unless told otherwise. */
  profilesDir: z.string(),
  /** `keychain`: typed passwords are stored with the OS keychain; `none` (browser mode, no keychain): use ${VAR} references. */
  secretStorage: z.enum(['keychain', 'none']),
  secretStorageNote: z.string(),
  demo: z.object({ available: z.boolean(), running: z.boolean(), note: z.string().nullable() }),
});
export type ProfilesListResult = z.infer<typeof profilesListResultSchema>;

export const railsEnvironmentsResultSchema = z.object({
  file: z.string(),
  environments: z.array(
    z.object({
      name: z.string(),
      databases: z.array(z.object({ shard: z.string(), host: z.string(), port: z.number().int(), database: z.string() })),
      /** Why this environment cannot be opened as it is (a variable unset, a password in clear, ...). */
      error: errorInfoSchema.nullable(),
    }),
  ),
});

export const connectionTestResultSchema = z.object({
  ok: z.boolean(),
  serverVersion: z.string().nullable(),
  latencyMs: z.number().nullable(),
  /** Websites in `pwb_websites` when the database has the table (a primary, or a schema:load shard); null otherwise. */
  websites: z.number().int().nullable(),
  error: errorInfoSchema.nullable(),
});
export type ConnectionTestResult = z.infer<typeof connectionTestResultSchema>;

export const profileMethods = {
  'profiles.list': method(
    z.object({}).strict(),
    profilesListResultSchema,
    'The open profile, recent profiles, profiles saved by the app, whether passwords can be kept in the OS keychain, and the demo.',
  ),
  'profiles.open': method(
    z.object({ source: profileSourceSchema }).strict(),
    currentProfileSchema,
    'Opens a JSON profile, a database.yml environment or the embedded demo, and switches the console to it (refused while this console runs a job).',
  ),
  'profiles.forget': method(
    z.object({ source: profileSourceSchema }).strict(),
    z.object({ forgotten: z.boolean() }),
    'Removes a profile from the recent list (the file stays).',
  ),
  'profiles.read': method(
    z.object({ path: pathParam }).strict(),
    /** `revision`: the file as it was read, to save over it with (profiles.save refuses it once the file changed). */
    z.object({ path: z.string(), form: profileFormSchema, revision: z.string() }),
    'A JSON profile as the profile form shows it; passwords as their references, never their values.',
  ),
  'profiles.save': method(
    z
      .object({
        path: pathParam,
        form: profileFormSchema,
        overwrite: z.boolean().default(false),
        /** The revision profiles.read gave for the file the form came from: refused when the file changed since. */
        revision: z.string().max(64).optional(),
        /** The file the form was read from, when saved to another path: its relative paths are rebased to name the same files. */
        from: pathParam.optional(),
      })
      .strict(),
    z.object({ path: z.string(), storedSecrets: z.array(z.string()) }),
    'Writes a JSON profile from the form (mode 0600, atomically); typed passwords go to the OS keychain and the file names them with passwordSecret.',
  ),
  'profiles.testConnection': method(
    z
      .object({
        database: databaseFormSchema,
        /** The profile file being edited: a relative sslRootCert is read from its folder, as the loader will. */
        profilePath: pathParam.optional(),
        /** The form's database.yml import: a row without a password of its own is tried with the database.yml's, as the loader would. */
        rails: railsImportSchema.optional(),
      })
      .strict(),
    connectionTestResultSchema,
    'Connects to one database of the form (a typed password is used once, never stored): server version, round trip, websites.',
  ),
  'profiles.railsDatabases': method(
    z
      .object({
        rails: railsImportSchema,
        /** The profile file the form saves to: a relative database.yml path is read from its folder, as the loader will. */
        profilePath: pathParam,
      })
      .strict(),
    z.object({ databases: z.array(databaseFormSchema) }),
    "A database.yml environment's databases as rows of the profile form, each shown from the database.yml (fromRails): a row added from one overrides only what is changed in it.",
  ),
  'profiles.railsEnvironments': method(
    z.object({ file: pathParam }).strict(),
    railsEnvironmentsResultSchema,
    'The environments of a Rails config/database.yml and the databases each would connect to, to pick one.',
  ),
} as const;
