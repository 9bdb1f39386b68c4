import { z } from 'zod';
import { method } from '../method.ts';
import { shardName, websiteId } from './common-schemas.ts';

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

export const tenantMethods = {
  'tenants.list': method(tenantListParamsSchema.strict(), tenantListResultSchema, 'Websites, paged, searchable and sortable, with their shard.'),
  'tenants.detail': method(z.object({ id: websiteId }).strict(), tenantDetailResultSchema, 'Rows and bytes per tenant table of one website.'),
} as const;
