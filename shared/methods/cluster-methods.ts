import { z } from 'zod';
import { errorInfoSchema } from '../errors.ts';
import { method } from '../method.ts';
import { shardName } from './common-schemas.ts';

export const databaseRoleSchema = z.enum(['primary', 'shard']);

export const databaseStatusSchema = z.object({
  /** Logical shard name the database carries: `default` for the primary. */
  name: shardName,
  role: databaseRoleSchema,
  host: z.string(),
  port: z.number().int(),
  database: z.string(),
  reachable: z.boolean(),
  latencyMs: z.number().nullable(),
  serverVersion: z.string().nullable(),
  sizeBytes: z.number().nullable(),
  /** Websites whose `shard_name` routes to this database (NULL counts as `default`). */
  websites: z.number().int().nullable(),
  error: errorInfoSchema.nullable(),
});
export type DatabaseStatus = z.infer<typeof databaseStatusSchema>;

export const shardCountSchema = z.object({
  shard: shardName,
  websites: z.number().int(),
  /** False when no configured database carries this shard name: those websites cannot be served. */
  configured: z.boolean(),
});

export const overviewResultSchema = z.object({
  profile: z.string(),
  databases: z.array(databaseStatusSchema),
  shards: z.array(shardCountSchema),
  unknownShardNames: z.array(z.string()),
  totalWebsites: z.number().int().nullable(),
});
export type OverviewResult = z.infer<typeof overviewResultSchema>;

export const catalogTableSchema = z.object({
  table: z.string(),
  kind: z.enum(['tenant', 'global', 'unscoped']),
  /** For tenant tables: the column holding the website id, on this table or on the chain's root. */
  tenantKey: z.string().nullable(),
  /** FK chain from this table to the table carrying the tenant key, e.g. ["pwb_prop_photos", "pwb_realty_assets"]. */
  path: z.array(z.string()),
  primaryKey: z.array(z.string()),
  /** In table order, with PostgreSQL's type names (`character varying(255)`): what the query editor completes. */
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
});

export const catalogResultSchema = z.object({
  databases: z.array(z.object({ name: shardName, tables: z.array(catalogTableSchema), error: errorInfoSchema.nullable() })),
});

export const sessionInfoResultSchema = z.object({
  /** Null before a profile is opened: the app shows its start screen. */
  profile: z.string().nullable(),
  profileSource: z.string().nullable(),
  version: z.string(),
  readOnly: z.boolean(),
  /** Whether passwords typed in the app can be kept (the desktop app's OS keychain) or not (browser mode, CLI). */
  secretStorage: z.enum(['keychain', 'none']),
  /** The profile's SELECT-only role the query console runs as; null: it runs as each database's own login. */
  queryRole: z.string().nullable(),
  /**
   * This opening of the profile (a new one each time a profile is opened; null before one is, and in the
   * CLI). The page sends it back with each call, and a call from a page loaded for an earlier opening is
   * refused with PROFILE_CHANGED instead of running on the cluster opened since.
   */
  openId: z.string().nullable(),
});
export type SessionInfo = z.infer<typeof sessionInfoResultSchema>;

export const addShardResultSchema = z.object({
  name: shardName,
  host: z.string(),
  port: z.number().int(),
  database: z.string(),
  /** False when the database existed already. */
  created: z.boolean(),
  applied: z.array(z.string()),
  sequences: z.array(z.object({ sequence: z.string(), next: z.string() })),
  profile: z.string(),
});
export type AddShardResult = z.infer<typeof addShardResultSchema>;

export const clusterMethods = {
  'session.info': method(z.object({}).strict(), sessionInfoResultSchema, 'Which cluster profile this console is connected to.'),
  'cluster.overview': method(z.object({}).strict(), overviewResultSchema, 'Every database with health, size and websites per shard.'),
  'catalog.tables': method(
    z.object({ database: shardName.optional() }).strict(),
    catalogResultSchema,
    'Tenant, global and unscoped tables per database, with the FK path that makes a table tenant data.',
  ),
  'cluster.addShard': method(
    z.object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/), url: z.string().min(1).max(2000) }).strict(),
    addShardResultSchema,
    'Creates a shard database, applies the tenant migrations, moves its sequences to their own range and adds it to the profile.',
    { mutates: true },
  ),
} as const;
