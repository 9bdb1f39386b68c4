import { z } from 'zod';
import { errorInfoSchema } from '../errors.ts';
import { method } from '../method.ts';
import { shardName } from './common-schemas.ts';

/* Schema checks across databases: drift of the tenant tables against the primary, and the tenant-isolation lint. */

export const driftItemSchema = z.object({
  database: shardName,
  table: z.string(),
  kind: z.string(),
  detail: z.string(),
  /** SQL that would bring this database in line with the primary: for review, never applied by the console. */
  fix: z.string(),
});
export type DriftItem = z.infer<typeof driftItemSchema>;

const databaseErrorSchema = z.object({ name: shardName, error: errorInfoSchema.nullable() });

/**
 * A foreign key from a tenant table into a global table that one side of a comparison cannot have,
 * because that global table lives on the primary only: PWB's layout, not drift.
 */
export const setAsideForeignKeySchema = z.object({
  /** The database that lacks the global table (and so the key). */
  database: shardName,
  table: z.string(),
  constraint: z.string(),
  definition: z.string(),
  /** The global table the key points at. */
  references: z.string(),
});
export type SetAsideForeignKey = z.infer<typeof setAsideForeignKeySchema>;

export const driftResultSchema = z.object({
  reference: shardName,
  drift: z.array(driftItemSchema),
  databases: z.array(databaseErrorSchema),
  /** Foreign keys into global tables absent on a database: not compared there (the control plane lives on the primary). */
  setAside: z.array(setAsideForeignKeySchema),
});
export type DriftResult = z.infer<typeof driftResultSchema>;

export const lintFindingSchema = z.object({
  table: z.string(),
  rule: z.enum(['no-tenant-index', 'unique-without-tenant-key', 'nullable-tenant-key', 'no-primary-key', 'control-plane-reference']),
  /** `warning`: a risk to fix (lint exits 1); `info`: a property of the layout worth knowing (rows that lose a check on a shard). */
  severity: z.enum(['warning', 'info']),
  detail: z.string(),
  fix: z.string(),
  /** Every database the finding holds on. */
  databases: z.array(shardName),
});
export type LintFinding = z.infer<typeof lintFindingSchema>;

export const lintResultSchema = z.object({ findings: z.array(lintFindingSchema), databases: z.array(databaseErrorSchema) });
export type LintResult = z.infer<typeof lintResultSchema>;

export const driftMethods = {
  'schema.drift': method(
    z.object({}).strict(),
    driftResultSchema,
    'Differences of every tenant table between the primary and each shard, with the SQL to fix each.',
  ),
  'schema.lint': method(
    z.object({}).strict(),
    lintResultSchema,
    'Tenant-isolation findings: missing tenant indexes, unique indexes without the tenant key, nullable keys, no primary key.',
  ),
} as const;
