import { randomUUID } from 'node:crypto';
import { sql, type Selectable, type Updateable } from 'kysely';
import type { MoveAction, MoveJob, MovePlan, MoveStep } from '../../../shared/methods/move-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { consoleTableExists, ensureConsoleSchema } from '../console-schema/ensure-console-schema.ts';
import { currentActor } from '../console-schema/audit-log.ts';
import { runQuery, type Queryable } from '../catalog/run-query.ts';
import { moveTables, type MoveJobsTable } from './move-database.ts';

export type { CopiedTable } from './move-database.ts';

/*
 * Move jobs in `shard_console.move_jobs` on the primary. A console running a job holds a session
 * advisory lock keyed by the job id (jobs/job-lock.ts): the lock dies with the process, so "running but
 * unlocked" means interrupted, and two consoles can never run the same job.
 */

export type StoredJob = Selectable<MoveJobsTable>;

/** The columns a run writes as it goes (JSON values as objects: they are serialized here). */
export type JobFields = Partial<
  Pick<StoredJob, 'state' | 'error' | 'plan' | 'progress' | 'verification' | 'timings' | 'copy_xids' | 'copied' | 'refreshed_at' | 'rollback_job'>
> & { finished?: boolean };

const MOVE_JOBS = 'shard_console.move_jobs';

/** Actions valid in a job's state: what the UI offers and the API accepts. */
export function validActions(job: Pick<StoredJob, 'state' | 'step'>, live: boolean): MoveAction[] {
  if (live) return [];
  switch (job.state) {
    case 'planned':
      return ['run', 'cancel'];
    case 'running':
    case 'failed':
      return ['resume', 'rollback'];
    default:
      return [];
  }
}

export function toMoveJob(row: StoredJob, live: boolean): MoveJob {
  return {
    jobId: row.id,
    websiteId: row.website_id,
    source: row.source,
    target: row.target,
    state: row.state,
    step: row.step,
    live,
    actions: validActions(row, live),
    startedBy: row.started_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    finishedAt: row.finished_at ? row.finished_at.toISOString() : null,
    error: row.error,
    plan: row.plan,
    progress: row.progress,
    verification: row.verification,
    verified: row.verification.length > 0 && row.verification.every((v) => v.ok),
    rollbackJobId: row.rollback_job,
    timings: row.timings,
  };
}

export interface NewMoveJob {
  readonly websiteId: number;
  readonly source: string;
  readonly target: string;
  readonly plan: MovePlan;
  readonly rollbackOf?: string;
}

export async function createJob(primary: DatabaseHandle, input: NewMoveJob): Promise<StoredJob> {
  await ensureConsoleSchema(primary);
  const insert = moveTables
    .insertInto(MOVE_JOBS)
    .values({
      id: randomUUID(),
      website_id: input.websiteId,
      source: input.source,
      target: input.target,
      state: 'planned',
      step: 'preflight',
      started_by: currentActor(),
      plan: JSON.stringify(input.plan),
      rollback_of: input.rollbackOf ?? null,
    })
    .returningAll();
  try {
    return (await runQuery(primary, insert))[0]!;
  } catch (error) {
    if (((error as ConsoleError).cause as { code?: string } | undefined)?.code === '23505') throw await unfinishedMoveConflict(primary, input.websiteId);
    throw error;
  }
}

/** A website's moves not yet finished or rolled back (planned, running, failed): its rows may be on two databases. */
export async function unfinishedMoves(primary: DatabaseHandle, websiteId: number): Promise<Array<{ id: string; state: string }>> {
  if (!(await consoleTableExists(primary, 'move_jobs'))) return [];
  const open = moveTables
    .selectFrom(MOVE_JOBS)
    .select(['id', 'state'])
    .where('website_id', '=', websiteId)
    .where('state', 'in', ['planned', 'running', 'failed']);
  return runQuery(primary, open);
}

/** The refusal of a second open move of one website, naming the job that holds it. */
async function unfinishedMoveConflict(primary: DatabaseHandle, websiteId: number): Promise<ConsoleError> {
  const other = (await unfinishedMoves(primary, websiteId))[0];
  return new ConsoleError(
    'MOVE_CONFLICT',
    `Website ${websiteId} already has an unfinished move (job ${other?.id}, ${other?.state}). ` +
      `Resume or roll back that job first: shard-console move resume ${other?.id}.`,
    { target: other?.id ?? String(websiteId) },
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads never create the console schema: without its table there is no job (a read-only console must not write). */
export async function getJob(primary: DatabaseHandle, jobId: string): Promise<StoredJob> {
  const which = UUID.test(jobId) ? jobId : 'with that id';
  const notFound = () => new ConsoleError('JOB_NOT_FOUND', `No move job ${which}. List jobs with: shard-console moves.`, { target: jobId });
  // Not a uuid is no job: asking PostgreSQL would answer 22P02, a database error, for a typo.
  if (!UUID.test(jobId) || !(await consoleTableExists(primary, 'move_jobs'))) throw notFound();
  const row = (await runQuery(primary, moveTables.selectFrom(MOVE_JOBS).selectAll().where('id', '=', jobId)))[0];
  if (!row) throw notFound();
  return row;
}

/** Newest first; none when the console has never recorded a move here. */
export async function listJobs(primary: DatabaseHandle, options: { websiteId?: number; limit: number }): Promise<StoredJob[]> {
  if (!(await consoleTableExists(primary, 'move_jobs'))) return [];
  let query = moveTables.selectFrom(MOVE_JOBS).selectAll().orderBy('created_at', 'desc').limit(options.limit);
  if (options.websiteId !== undefined) query = query.where('website_id', '=', options.websiteId);
  return runQuery(primary, query);
}

/** Records the step before it runs (state running), in one statement. */
export async function recordStep(session: Queryable, jobId: string, step: MoveStep): Promise<void> {
  const update = moveTables
    .updateTable(MOVE_JOBS)
    .set((eb) => ({ step, state: 'running', error: null, updated_at: eb.fn('now') }))
    .where('id', '=', jobId);
  await runQuery(session, update);
}

/** Moves the job to `step`, its state unchanged: a new job to the fence (preflight just ran), a switched one to `refresh`. */
export async function advanceStep(session: Queryable, jobId: string, step: MoveStep): Promise<void> {
  const update = moveTables
    .updateTable(MOVE_JOBS)
    .set((eb) => ({ step, updated_at: eb.fn('now') }))
    .where('id', '=', jobId);
  await runQuery(session, update);
}

export async function updateJob(session: Queryable, jobId: string, fields: JobFields): Promise<void> {
  const { finished, ...columns } = fields;
  const update = moveTables
    .updateTable(MOVE_JOBS)
    .set((eb) => ({ updated_at: eb.fn('now'), ...storedValues(columns), ...(finished ? { finished_at: eb.fn('now') } : {}) }))
    .where('id', '=', jobId);
  await runQuery(session, update);
}

/** Column values as the table takes them: JSON columns serialized. */
function storedValues(columns: Omit<JobFields, 'finished'>): Updateable<MoveJobsTable> {
  const entries = Object.entries(columns).map(([key, value]) => [key, typeof value === 'object' && value !== null ? JSON.stringify(value) : value]);
  return Object.fromEntries(entries) as Updateable<MoveJobsTable>;
}

/** Notes that this job refreshed `database`'s materialized views (a resumed run does not refresh them again). */
export async function markRefreshed(session: Queryable, jobId: string, database: string): Promise<void> {
  const update = moveTables
    .updateTable(MOVE_JOBS)
    .set({ refreshed_at: sql<string>`refreshed_at || jsonb_build_object(${database}::text, now())` })
    .where('id', '=', jobId);
  await runQuery(session, update);
}

/** A rollback's failure, on the job it was rolling back. */
export async function recordRollbackFailure(primary: DatabaseHandle, jobId: string, message: string): Promise<void> {
  const update = moveTables
    .updateTable(MOVE_JOBS)
    .set((eb) => ({ error: `Rollback failed: ${message}`, updated_at: eb.fn('now') }))
    .where('id', '=', jobId);
  await runQuery(primary, update);
}

/** Links a job rolled back after its switch with the move back that undoes it (markMovedBack marks it rolled back once that succeeds). */
export async function linkRollback(primary: DatabaseHandle, jobId: string, moveBackId: string): Promise<void> {
  await runQuery(primary, moveTables.updateTable(MOVE_JOBS).set({ rollback_of: jobId }).where('id', '=', moveBackId));
  const linked = moveTables
    .updateTable(MOVE_JOBS)
    .set((eb) => ({ rollback_job: moveBackId, updated_at: eb.fn('now') }))
    .where('id', '=', jobId);
  await runQuery(primary, linked);
}

/**
 * The move a move back undid reads rolled back only once that move back has succeeded (its last step,
 * in its transaction): a move back that fails, or never runs, leaves it as it is, the website still
 * where it took it.
 */
export async function markMovedBack(primary: Queryable, jobId: string): Promise<void> {
  const rolledBack = moveTables
    .updateTable(MOVE_JOBS)
    .set((eb) => ({ state: 'rolled_back', updated_at: eb.fn('now') }))
    .where('id', '=', jobId);
  await runQuery(primary, rolledBack);
}

/** Cancels a job that has not started; one that has is left as it is. */
export async function cancelPlannedJob(primary: DatabaseHandle, jobId: string): Promise<void> {
  const update = moveTables
    .updateTable(MOVE_JOBS)
    .set((eb) => ({ state: 'cancelled', finished_at: eb.fn('now'), updated_at: eb.fn('now') }))
    .where('id', '=', jobId)
    .where('state', '=', 'planned');
  await runQuery(primary, update);
}
