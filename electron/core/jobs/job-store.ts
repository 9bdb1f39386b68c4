import type { Selectable } from 'kysely';
import type { ErrorInfo } from '../../../shared/errors.ts';
import type { JobProgressEvent } from '../../../shared/methods/job-methods.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { runQuery, type Queryable } from '../catalog/run-query.ts';
import { consoleDb, consoleTables, type JobsTable } from '../console-schema/console-database.ts';
import { consoleTableExists, ensureConsoleSchema } from '../console-schema/ensure-console-schema.ts';

/*
 * Durable jobs other than moves in `shard_console.jobs` on the primary: recorded before the work runs,
 * updated as it goes. Reads never create the console schema (a read-only console writes nothing).
 * Writes run through Kysely's own driver on the primary's pool (consoleDb), not through the handle's
 * cancellable `query`: a job's final state is written after its call's signal has aborted, which that
 * `query` would refuse to send.
 */

export type JobRecord = Selectable<JobsTable>;

export interface NewJobRecord {
  readonly id: string;
  readonly kind: JobsTable['kind'];
  readonly title: string;
  readonly startedBy: string;
  readonly params: Record<string, unknown>;
  readonly detail?: unknown;
}

export async function insertJobRecord(primary: DatabaseHandle, job: NewJobRecord): Promise<void> {
  await ensureConsoleSchema(primary);
  await consoleDb(primary)
    .insertInto('shard_console.jobs')
    .values({
      id: job.id,
      kind: job.kind,
      title: job.title,
      state: 'running',
      started_by: job.startedBy,
      params: JSON.stringify(job.params),
      detail: JSON.stringify(job.detail ?? {}),
      finished_at: null,
      progress: null,
      error: null,
    })
    .execute();
}

export interface JobRecordUpdate {
  readonly state?: JobsTable['state'];
  readonly progress?: JobProgressEvent;
  readonly detail?: unknown;
  readonly error?: ErrorInfo | null;
  /** Stamp finished_at now; 'unless-set': only a job without one (a job put back to where it had finished). */
  readonly finished?: boolean | 'unless-set';
}

/** The UPDATE of one job record, built once for both ways it is run. */
function jobRecordUpdate(id: string, update: JobRecordUpdate) {
  return consoleTables
    .updateTable('shard_console.jobs')
    .set((eb) => ({
      updated_at: eb.fn('now'),
      ...(update.state === undefined ? {} : { state: update.state }),
      ...(update.progress === undefined ? {} : { progress: JSON.stringify(update.progress) }),
      ...(update.detail === undefined ? {} : { detail: JSON.stringify(update.detail) }),
      ...(update.error === undefined ? {} : { error: update.error === null ? null : JSON.stringify(update.error) }),
      ...(update.finished === 'unless-set'
        ? { finished_at: eb.fn<Date>('coalesce', ['finished_at', eb.fn('now')]) }
        : update.finished
          ? { finished_at: eb.fn('now') }
          : {}),
    }))
    .where('id', '=', id);
}

/** A job's detail written on a session of the caller's, inside its transaction (a restore records its next step with the switch it commits). */
export async function saveJobDetailOn(session: Queryable, id: string, detail: unknown): Promise<void> {
  await runQuery(session, jobRecordUpdate(id, { detail }));
}

export async function updateJobRecord(primary: DatabaseHandle, id: string, update: JobRecordUpdate): Promise<void> {
  await consoleDb(primary).executeQuery(jobRecordUpdate(id, update).compile());
}

export async function getJobRecord(primary: DatabaseHandle, id: string): Promise<JobRecord | null> {
  if (!(await consoleTableExists(primary, 'jobs'))) return null;
  return (await consoleDb(primary).selectFrom('shard_console.jobs').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function listJobRecords(primary: DatabaseHandle, options: { kind?: JobsTable['kind']; limit: number }): Promise<JobRecord[]> {
  if (!(await consoleTableExists(primary, 'jobs'))) return [];
  let query = consoleDb(primary).selectFrom('shard_console.jobs').selectAll().orderBy('created_at', 'desc').limit(options.limit);
  if (options.kind !== undefined) query = query.where('kind', '=', options.kind);
  return query.execute();
}
