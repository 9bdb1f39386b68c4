import { z } from 'zod';
import { method } from '../method.ts';

export const findingKindSchema = z.enum([
  'unreachable-database',
  'server-version-mismatch',
  'unknown-shard-name',
  'misplaced-rows',
  'website-on-several-databases',
  'orphaned-rows',
  'id-range-overlap',
  'stale-materialized-view',
  'pending-migrations',
  'schema-drift',
  'stale-write-fence',
  'idle-fence-triggers',
  'same-database',
  'shared-sequence-block',
]);
export type FindingKind = z.infer<typeof findingKindSchema>;

export const severitySchema = z.enum(['error', 'warning', 'info']);
export type Severity = z.infer<typeof severitySchema>;

/** Where the fix is a move, a cleanup or a refresh: enough for the UI to link and the CLI to print a command. */
export const fixLinkSchema = z.object({
  action: z.enum(['move', 'cleanup', 'refresh', 'routing', 'profile', 'migrate']),
  label: z.string(),
  /** A console route (`#/...`) that opens the fix. */
  href: z.string(),
  websiteId: z.number().int().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
});
export type FixLink = z.infer<typeof fixLinkSchema>;

export const findingSchema = z.object({
  kind: findingKindSchema,
  severity: severitySchema,
  database: z.string().nullable(),
  table: z.string().nullable(),
  website: z.number().int().nullable(),
  rows: z.number().int().nullable(),
  /** What is wrong, where, and how many rows. */
  message: z.string(),
  /** The action that fixes it. The doctor itself never changes anything. */
  fix: z.string(),
  link: fixLinkSchema.nullable(),
});
export type Finding = z.infer<typeof findingSchema>;

export const doctorCheckSchema = z.object({
  check: z.string(),
  status: z.enum(['ran', 'partial', 'unavailable']),
  note: z.string().nullable(),
});

export const doctorResultSchema = z.object({
  checkedAt: z.string(),
  durationMs: z.number(),
  findings: z.array(findingSchema),
  checks: z.array(doctorCheckSchema),
  /** Per database: reachable, and how many findings of each severity name it (the overview's health badge). */
  databases: z.array(z.object({ name: z.string(), reachable: z.boolean(), errors: z.number().int(), warnings: z.number().int(), infos: z.number().int() })),
});
export type DoctorResult = z.infer<typeof doctorResultSchema>;

export const doctorMethods = {
  'doctor.run': method(
    z.object({}).strict(),
    doctorResultSchema,
    'Checks routing and placement across every database and reports what is wrong, where, how many rows, and the fix; changes nothing.',
  ),
} as const;
