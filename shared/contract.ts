import { z } from 'zod';
import { errorInfoSchema } from './errors.ts';

/*
 * The one contract between the renderer, the CLI and the main-process core. Every method's params and
 * result are zod schemas here; every type on every side is derived from them. A method that is not in
 * `contract` does not exist: the dispatcher, the preload allowlist and the HTTP bridge all read it.
 */

const websiteId = z.number().int().positive().max(2_147_483_647);
const shardName = z.string().min(1).max(63);

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

export const tenantSortSchema = z.enum(['id', 'subdomain', 'customDomain', 'shard']);

export const tenantListParamsSchema = z.object({
  search: z.string().trim().max(200).optional(),
  shard: shardName.optional(),
  limit: z.number().int().min(1).max(500).default(50),
  offset: z.number().int().min(0).max(10_000_000).default(0),
  sort: tenantSortSchema.default('id'),
  direction: z.enum(['asc', 'desc']).default('asc'),
});
export type TenantListParams = z.input<typeof tenantListParamsSchema>;

export const tenantSummarySchema = z.object({
  id: websiteId,
  subdomain: z.string().nullable(),
  customDomain: z.string().nullable(),
  shard: shardName,
  /** False when `shard` names no configured database. */
  configured: z.boolean(),
});
export type TenantSummary = z.infer<typeof tenantSummarySchema>;

export const tenantListResultSchema = z.object({
  total: z.number().int(),
  items: z.array(tenantSummarySchema),
});
export type TenantListResult = z.infer<typeof tenantListResultSchema>;

export const tenantTableFootprintSchema = z.object({
  table: z.string(),
  rows: z.number().int(),
  /** Bytes of the website's rows in this table (heap tuples incl. TOASTed values), measured exactly. */
  bytes: z.number().int(),
  /** How the table reaches the tenant: its own key column, or the FK chain through parents. */
  via: z.string(),
});

export const tenantDetailResultSchema = z.object({
  id: websiteId,
  subdomain: z.string().nullable(),
  customDomain: z.string().nullable(),
  shard: shardName,
  database: z.string(),
  tables: z.array(tenantTableFootprintSchema),
  totalRows: z.number().int(),
  totalBytes: z.number().int(),
});
export type TenantDetailResult = z.infer<typeof tenantDetailResultSchema>;

export const catalogTableSchema = z.object({
  table: z.string(),
  kind: z.enum(['tenant', 'global', 'unscoped']),
  /** For tenant tables: the column holding the website id, on this table or on the chain's root. */
  tenantKey: z.string().nullable(),
  /** FK chain from this table to the table carrying the tenant key, e.g. ["pwb_prop_photos", "pwb_realty_assets"]. */
  path: z.array(z.string()),
  primaryKey: z.array(z.string()),
});

export const catalogResultSchema = z.object({
  databases: z.array(z.object({ name: shardName, tables: z.array(catalogTableSchema), error: errorInfoSchema.nullable() })),
});

export const sessionInfoResultSchema = z.object({
  profile: z.string(),
  profileSource: z.string(),
  version: z.string(),
  readOnly: z.boolean(),
});

function method<P extends z.ZodType, R extends z.ZodType>(params: P, result: R, summary: string) {
  return { params, result, summary } as const;
}

export const contract = {
  'session.info': method(z.object({}).strict(), sessionInfoResultSchema, 'Which cluster profile this console is connected to.'),
  'cluster.overview': method(z.object({}).strict(), overviewResultSchema, 'Every database with health, size and websites per shard.'),
  'catalog.tables': method(
    z.object({ database: shardName.optional() }).strict(),
    catalogResultSchema,
    'Tenant, global and unscoped tables per database, with the FK path that makes a table tenant data.',
  ),
  'tenants.list': method(tenantListParamsSchema.strict(), tenantListResultSchema, 'Websites, paged, searchable and sortable, with their shard.'),
  'tenants.detail': method(z.object({ id: websiteId }).strict(), tenantDetailResultSchema, 'Rows and bytes per tenant table of one website.'),
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type MethodParams<M extends MethodName> = z.input<Contract[M]['params']>;
export type ParsedParams<M extends MethodName> = z.output<Contract[M]['params']>;
export type MethodResult<M extends MethodName> = z.output<Contract[M]['result']>;

export const methodNames = Object.keys(contract) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(contract, name);
}

/** Progress of a long job, pushed to subscribers (IPC event, HTTP event stream, CLI progress bar). */
export const jobProgressEventSchema = z.object({
  jobId: z.string(),
  kind: z.string(),
  phase: z.string(),
  done: z.number(),
  total: z.number().nullable(),
  unit: z.enum(['rows', 'bytes', 'steps', 'databases']),
  message: z.string().optional(),
});
export type JobProgressEvent = z.infer<typeof jobProgressEventSchema>;

export const events = {
  'job.progress': jobProgressEventSchema,
} as const;
export type EventName = keyof typeof events;

export const successEnvelopeSchema = <R extends z.ZodType>(result: R) => z.object({ ok: z.literal(true), result });
export type Envelope<M extends MethodName> = { ok: true; result: MethodResult<M> } | { ok: false; error: z.infer<typeof errorInfoSchema> };
