import { z } from 'zod';
import { poolSettingsSchema } from '../../../shared/methods/profile-methods.ts';
import type { BoundSecretOrigin } from './secret-binding.ts';

/*
 * The cluster profile file, as written on disk. Any string value may contain `${ENV_VAR}` references,
 * resolved when the profile is loaded. Passwords are never stored in clear: a `password` must be an
 * `${ENV_VAR}` reference, or `passwordSecret` names an entry in the OS keychain.
 */

export const DEFAULT_TENANT_KEYS = Object.freeze(['website_id', 'pwb_website_id']);
export const DEFAULT_GLOBAL_TABLES = Object.freeze(['pwb_websites', 'pwb_users', 'pwb_user_memberships', 'pwb_subscriptions', 'pwb_agencies', 'pwb_addresses']);

export const connectionSchema = z
  .object({
    url: z.string().optional(),
    host: z.string().optional(),
    port: z.union([z.number().int(), z.string()]).optional(),
    database: z.string().optional(),
    user: z.string().optional(),
    password: z.string().optional(),
    passwordSecret: z.string().optional(),
    ssl: z.union([z.boolean(), z.enum(['disable', 'prefer', 'require', 'verify-full'])]).optional(),
    /**
     * The CA certificate(s) the server's certificate must chain to (libpq's sslrootcert), relative to the
     * profile file: verify-full checks against it instead of the public CAs, require checks the chain (as
     * libpq's require does with a root certificate). PGSSLROOTCERT when absent.
     */
    sslRootCert: z.string().min(1).optional(),
  })
  .strict();
export type ConnectionEntry = z.infer<typeof connectionSchema>;

export const profileFileSchema = z
  .object({
    name: z.string().min(1).optional(),
    /** The primary database: holds `pwb_websites` and the tenants whose shard is `default`. */
    primary: connectionSchema.optional(),
    /** Extra shard databases keyed by the shard name `pwb_websites.shard_name` uses. */
    shards: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), connectionSchema).optional(),
    /** Import the databases from a Rails config/database.yml instead of listing them. */
    rails: z
      .object({
        file: z.string(),
        environment: z.string(),
        /** Rails config name -> shard name, overriding PWB's mapping (primary -> default, tenant_shard_1 -> shard_1). */
        shardNames: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .optional(),
    tenantKeys: z.array(z.string().min(1)).min(1).optional(),
    globalTables: z.array(z.string().min(1)).optional(),
    /** Folder with `global/` and `tenant/` migrations, relative to the profile file; the bundled PWB schema otherwise. */
    migrationsDir: z.string().min(1).optional(),
    /** Where `backup create` writes (relative to the profile file); a folder per profile in the user's data folder otherwise. */
    backupDir: z.string().min(1).optional(),
    /** pg_dump per PostgreSQL major version, e.g. {"15": "/usr/lib/postgresql/15/bin/pg_dump"} (the file or its bin folder), before PATH and the usual install folders. */
    pgDump: z.record(z.string().regex(/^\d{1,2}$/), z.string().min(1)).optional(),
    /**
     * The role the query console connects as on every database, instead of each database's own user.
     * Recommended: one granted SELECT only. READ ONLY transactions stop writes made through SQL but are no
     * security boundary against functions with side effects; a role's privileges are.
     */
    queryRole: z
      .object({ user: z.string().min(1), password: z.string().optional(), passwordSecret: z.string().optional() })
      .strict()
      .optional(),
    /** Refuse every mutating method (moves, migrations, shard add): for inspection-only consoles. */
    readOnly: z.boolean().optional(),
    pool: poolSettingsSchema.optional(),
  })
  .strict();
export type ProfileFile = z.infer<typeof profileFileSchema>;

/** A database the console connects to, with every `${VAR}` resolved. Frozen once built. */
export interface DatabaseTarget {
  readonly name: string;
  readonly role: 'primary' | 'shard';
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string | undefined;
  readonly ssl: boolean | 'prefer' | 'require' | 'verify-full';
  /** Absolute path of the CA certificate file the server's certificate is checked against (sslrootcert). */
  readonly sslRootCert?: string;
  /** Where it was configured, for error messages: e.g. `profile.json: shards.shard_1` or `database.yml: production.tenant_shard_1`. */
  readonly origin: string;
  /**
   * Opened through a read-only profile: the console writes nothing here, not even its own bookkeeping
   * (console schema, size snapshots, audit rows). Set by buildResolvedProfile so every handle carries it.
   */
  readonly readOnly?: true;
}

export interface ResolvedProfile {
  readonly name: string;
  /** The file the profile came from. */
  readonly source: string;
  readonly databases: readonly DatabaseTarget[];
  readonly tenantKeys: readonly string[];
  readonly globalTables: readonly string[];
  /** Absolute; absent means the migrations bundled with the console. */
  readonly migrationsDir?: string;
  /** Absolute; absent means the default in the user's data folder. */
  readonly backupDir?: string;
  /** Major version -> pg_dump path, absolute. */
  readonly pgDumpPaths?: Readonly<Record<string, string>>;
  /** The query console's role on every database, password resolved; absent: each database's own user. */
  readonly queryRole?: { readonly user: string; readonly password: string | undefined; readonly passwordFrom?: BoundSecretOrigin };
  readonly readOnly: boolean;
  readonly pool: { readonly max: number; readonly connectTimeoutMs: number; readonly statementTimeoutMs: number };
}
