import { z } from 'zod';
import { errorInfoSchema } from '../errors.ts';
import { method } from '../method.ts';
import { jobProgressEventSchema } from './job-methods.ts';
import { databaseRoleSchema } from './cluster-methods.ts';
import { shardName, websiteId } from './common-schemas.ts';

const bytes = z.number().int();

export const tableSizeKindSchema = z.enum(['tenant', 'global', 'unscoped', 'view', 'console']);

export const tableSizeSchema = z.object({
  table: z.string(),
  kind: tableSizeKindSchema,
  /** Main data files, free-space and visibility maps included; TOAST excluded. */
  heapBytes: bytes,
  indexBytes: bytes,
  /** The TOAST table and its index: large values stored out of line. */
  toastBytes: bytes,
  totalBytes: bytes,
  /** reltuples from the last ANALYZE (or the live-tuple counter before the first one). */
  rowsEstimate: z.number().int(),
  /** Change of totalBytes since the previous snapshot; null without one. */
  growthBytes: bytes.nullable(),
});
export type TableSize = z.infer<typeof tableSizeSchema>;

export const sizePointSchema = z.object({ takenAt: z.string(), sizeBytes: bytes });
export type SizePoint = z.infer<typeof sizePointSchema>;

export const databaseSizesSchema = z.object({
  name: shardName,
  role: databaseRoleSchema,
  reachable: z.boolean(),
  sizeBytes: bytes.nullable(),
  /** Websites whose shard_name routes here (from the primary); null when the primary did not answer. */
  websites: z.number().int().nullable(),
  /** Heap + TOAST of the tenant tables: the denominator of every tenant's share. */
  tenantDataBytes: bytes,
  tables: z.array(tableSizeSchema),
  /** Size change since the last look (the previous snapshot), and when that was. */
  growth: z.object({ sinceAt: z.string(), bytes }).nullable(),
  /** Snapshots, oldest first, ending with the current size. */
  trend: z.array(sizePointSchema),
  error: errorInfoSchema.nullable(),
});
export type DatabaseSizes = z.infer<typeof databaseSizesSchema>;

export const shardSizesResultSchema = z.object({
  takenAt: z.string(),
  /** At most one snapshot per database per this many minutes is kept for the trend. */
  snapshotIntervalMinutes: z.number().int(),
  /** Whether this call stored a snapshot (false within the interval, or when the primary is down). */
  snapshotTaken: z.boolean(),
  /** Why none was stored, in words for the operator; null when one was. */
  snapshotSkipped: z.string().nullable(),
  databases: z.array(databaseSizesSchema),
  durationMs: z.number(),
});
export type ShardSizesResult = z.infer<typeof shardSizesResultSchema>;

/** `estimate`: exact row counts times each table's average on-disk row width. `exact`: every row's stored size summed. */
export const figureSchema = z.enum(['estimate', 'exact']);
export type Figure = z.infer<typeof figureSchema>;

export const tenantSizeSchema = z.object({
  /** The tenant key value; may name no website (orphaned rows). */
  id: z.number().int(),
  subdomain: z.string().nullable(),
  /** The website's shard_name (NULL -> default); null when no website has this id. */
  shard: z.string().nullable(),
  bytes,
  rows: z.number().int(),
  /** Fraction (0..1) of the database's tenant data this tenant holds. */
  share: z.number(),
});
export type TenantSize = z.infer<typeof tenantSizeSchema>;

export const databaseLargestTenantsSchema = z.object({
  name: shardName,
  figure: figureSchema,
  /** Distinct tenant keys with rows here. */
  tenants: z.number().int(),
  tenantRows: z.number().int(),
  tenantBytes: bytes,
  tenantDataBytes: bytes,
  largest: z.array(tenantSizeSchema),
  /** Tables counted from a block sample (too large to read row by row in time): their rows are scaled estimates too. */
  sampledTables: z.array(z.string()),
  durationMs: z.number(),
  error: errorInfoSchema.nullable(),
});
export type DatabaseLargestTenants = z.infer<typeof databaseLargestTenantsSchema>;

export const largestTenantsResultSchema = z.object({
  figure: figureSchema,
  databases: z.array(databaseLargestTenantsSchema),
  /**
   * Why the primary could not name the tenants (null: it did). Then every tenant's subdomain and shard are
   * null without meaning "no website": whether rows are orphaned is unknown.
   */
  websitesError: errorInfoSchema.nullable(),
  durationMs: z.number(),
});
export type LargestTenantsResult = z.infer<typeof largestTenantsResultSchema>;

export const tenantFootprintResultSchema = z.object({
  id: websiteId,
  subdomain: z.string().nullable(),
  shard: shardName,
  database: shardName,
  figure: figureSchema,
  tables: z.array(z.object({ table: z.string(), rows: z.number().int(), bytes })),
  totalRows: z.number().int(),
  totalBytes: bytes,
  share: z.number(),
});
export type TenantFootprintResult = z.infer<typeof tenantFootprintResultSchema>;

export const shardMethods = {
  'shards.sizes': method(
    z.object({ database: shardName.optional() }).strict(),
    shardSizesResultSchema,
    'Per database: size, heap/index/TOAST bytes and row estimates per table, websites, growth and trend; stores a snapshot at most every 15 minutes.',
    { events: jobProgressEventSchema },
  ),
  'shards.largestTenants': method(
    z.object({ database: shardName.optional(), limit: z.number().int().min(1).max(500).default(20) }).strict(),
    largestTenantsResultSchema,
    'The largest tenants per database with their share, estimated for every tenant in one pass per table.',
    { events: jobProgressEventSchema },
  ),
  'shards.tenantFootprint': method(
    z
      .object({
        id: websiteId,
        figure: figureSchema.default('estimate'),
        /** Measure on this database instead of the one the website routes to (its rows left elsewhere: misplaced, a move's leftovers). */
        database: shardName.optional(),
      })
      .strict(),
    tenantFootprintResultSchema,
    'Bytes and rows per tenant table of one website on its database (or the one named), as an estimate or measured exactly.',
  ),
} as const;
