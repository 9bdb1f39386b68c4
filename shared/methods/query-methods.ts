import { z } from 'zod';
import { method } from '../method.ts';
import { shardName, websiteId } from './common-schemas.ts';

/*
 * The query console: one read-only statement on every database at once (or the ones chosen, or the
 * database one website lives on), streamed back as each database answers, with per-database status.
 * Reads only, so every method works on a read-only profile.
 */

export const queryTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('shards') }).strict(),
  z.object({ kind: z.literal('databases'), names: z.array(shardName).min(1).max(64) }).strict(),
  z.object({ kind: z.literal('website'), id: websiteId }).strict(),
]);
export type QueryTargetParam = z.infer<typeof queryTargetSchema>;

const sql = z.string().min(1).max(1_000_000);
const timeoutSeconds = z.number().int().min(1).max(86_400);
/** Which editor the run belongs to (a window, a CLI call): a new run of a session closes its previous run's cursors. */
const session = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const queryColumnSchema = z.object({ name: z.string(), type: z.string() });
export const queryDatabaseOutcomeSchema = z.object({
  name: shardName,
  rows: z.number().int(),
  truncated: z.boolean(),
  ms: z.number(),
  error: z.object({ code: z.string(), sqlstate: z.string().nullable(), message: z.string() }).nullable(),
});

/** What a run streams, per database: its columns once, rows in chunks (in its own column order), then its outcome. */
export const queryEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('columns'), database: shardName, columns: z.array(queryColumnSchema) }),
  z.object({ type: z.literal('rows'), database: shardName, rows: z.array(z.array(z.unknown())) }),
  z.object({ type: z.literal('done'), outcome: queryDatabaseOutcomeSchema }),
]);
export type QueryEventMessage = z.infer<typeof queryEventSchema>;

export const queryResultSchema = z.object({
  /** The union of every database's columns, in the order the first to answer gave them. */
  columns: z.array(queryColumnSchema),
  rows: z.array(z.object({ database: shardName, values: z.array(z.unknown()) })),
  databases: z.array(queryDatabaseOutcomeSchema),
});
export type QueryResultData = z.infer<typeof queryResultSchema>;

export const queryRunResultSchema = queryResultSchema.extend({
  runId: z.string(),
  /** Databases with more rows waiting in an open cursor (query.fetchMore reads them). */
  open: z.array(shardName),
});

export const databasePlanSchema = z.object({
  name: shardName,
  plan: z.unknown(),
  totalCost: z.number().nullable(),
  planRows: z.number().nullable(),
  executionMs: z.number().nullable(),
  planningMs: z.number().nullable(),
  ms: z.number(),
  error: queryDatabaseOutcomeSchema.shape.error,
});

const targetOfEntry = queryTargetSchema.optional();
export const historyEntrySchema = z.object({ sql: z.string(), target: targetOfEntry, at: z.string() });
export const savedQuerySchema = z.object({ name: z.string(), sql: z.string(), target: targetOfEntry, savedAt: z.string() });
const savedName = z.string().min(1).max(200);

export const queryMethods = {
  'query.run': method(
    z
      .object({
        sql,
        target: queryTargetSchema,
        limit: z.number().int().min(1).max(100_000).default(1000),
        timeoutSeconds: timeoutSeconds.optional(),
        session: session.default('default'),
      })
      .strict(),
    queryRunResultSchema,
    'Runs one read-only statement on every database of the target at once, in a READ ONLY transaction; each database returns up to `limit` rows, streamed as it answers.',
    { events: queryEventSchema },
  ),
  'query.fetchMore': method(
    z
      .object({
        runId: z.string().min(1).max(100),
        databases: z.array(shardName).optional(),
        limit: z.number().int().min(1).max(100_000).optional(),
        session: session.default('default'),
      })
      .strict(),
    queryRunResultSchema,
    "Reads the next rows of a run's open cursors (the same statement and snapshot).",
    { events: queryEventSchema },
  ),
  'query.close': method(
    z.object({ session: session.default('default') }).strict(),
    z.object({ closed: z.boolean() }),
    "Closes a session's open run: its cursors and their connections.",
  ),
  'query.explain': method(
    z.object({ sql, target: queryTargetSchema, analyze: z.boolean().default(false), timeoutSeconds: timeoutSeconds.optional() }).strict(),
    z.object({ databases: z.array(databasePlanSchema) }),
    'EXPLAIN (FORMAT JSON) of one read on every database of the target, side by side; with `analyze`, EXPLAIN ANALYZE, which runs it.',
    { events: z.object({ type: z.literal('plan'), plan: databasePlanSchema }) },
  ),
  'query.export': method(
    z
      .object({
        sql,
        target: queryTargetSchema,
        file: z.string().min(1).max(4096),
        format: z.enum(['csv', 'json', 'ndjson']),
        timeoutSeconds: timeoutSeconds.optional(),
        /** Replace a file already at `file`; without it an existing file is refused, untouched. */
        overwrite: z.boolean().default(false),
      })
      .strict(),
    z.object({
      file: z.string(),
      format: z.enum(['csv', 'json', 'ndjson']),
      bytes: z.number().int(),
      columns: z.array(queryColumnSchema),
      databases: z.array(queryDatabaseOutcomeSchema),
    }),
    'Streams every row of every database of the target to a file (CSV, JSON or NDJSON, a `database` column first), written whole or not at all; a file already there is replaced only with `overwrite`.',
    { events: z.object({ type: z.literal('progress'), database: shardName, rowsWritten: z.number().int() }) },
  ),
  'query.history': method(
    z.object({}).strict(),
    z.object({ history: z.array(historyEntrySchema), saved: z.array(savedQuerySchema), file: z.string() }),
    "This profile's recent statements and saved queries, kept in the user's data folder (never on the cluster).",
  ),
  'query.save': method(
    z.object({ name: savedName, sql, target: targetOfEntry }).strict(),
    z.object({ saved: z.array(savedQuerySchema) }),
    'Saves a named query (replacing one of that name).',
  ),
  'query.deleteSaved': method(z.object({ name: savedName }).strict(), z.object({ saved: z.array(savedQuerySchema) }), 'Deletes a saved query.'),
  'query.clearHistory': method(z.object({}).strict(), z.object({ history: z.array(historyEntrySchema) }), "Forgets this profile's query history."),
} as const;
