import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { RESTORE_MARK } from '../console-schema/console-database.ts';

/*
 * Schemas a side-by-side restore created carry a comment starting `shard-console restore <job id>`:
 * the mark that lets `restore drop-schema` drop them and nothing else, and keeps restores from taking
 * their tables for live tenant tables.
 */

/** The comment a restore schema carries. */
export function schemaMark(jobId: string, websiteId: number, file: string): string {
  return `${RESTORE_MARK}${jobId}: website ${websiteId} from ${file}, side by side (drop it with: shard-console restore drop-schema NAME)`;
}

/** The job that created a schema, from its mark; null for any schema the console did not create for a restore. */
export function markedJob(comment: string | null): string | null {
  if (comment === null || !comment.startsWith(RESTORE_MARK)) return null;
  // A uuid, or nothing: the id becomes a job's lock key, and a mark is a comment anyone can write.
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(comment.slice(RESTORE_MARK.length))?.[0] ?? null;
}

/** Restore schemas on a database: name -> the job that created it. */
export async function restoreSchemas(handle: DatabaseHandle): Promise<Map<string, string>> {
  const r = await handle.query<{ name: string; comment: string | null }>(
    `SELECT nspname AS name, obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE obj_description(oid, 'pg_namespace') LIKE $1`,
    [`${RESTORE_MARK}%`],
  );
  const out = new Map<string, string>();
  for (const row of r.rows) {
    const job = markedJob(row.comment);
    if (job) out.set(row.name, job);
  }
  return out;
}

/** A schema's restore job, null when it is not a restore schema, undefined when there is no such schema. */
export async function schemaJob(handle: DatabaseHandle, schema: string): Promise<string | null | undefined> {
  const r = await handle.query<{ comment: string | null }>(`SELECT obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname = $1`, [
    schema,
  ]);
  if (r.rows.length === 0) return undefined;
  return markedJob(r.rows[0]!.comment);
}
