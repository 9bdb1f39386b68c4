import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { MoveAction, MoveJob, MovePlan, MoveState, MoveStep } from '../../../shared/methods/move-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { consoleTableExists, ensureConsoleSchema } from '../console-schema/ensure-console-schema.ts';
import { currentActor } from '../console-schema/audit-log.ts';

/*
 * Move jobs in `shard_console.move_jobs` on the primary. A console running a job holds a session
 * advisory lock keyed by the job id: the lock dies with the process, so "running but unlocked" means
 * interrupted, and two consoles can never run the same job.
 */

export const STEPS: readonly MoveStep[] = ['preflight', 'fence', 'copy', 'sequences', 'verify', 'switch', 'refresh', 'cleanup', 'unfence', 'done'];

export function stepIndex(step: MoveStep): number {
  return STEPS.indexOf(step);
}

export function isPastSwitch(step: MoveStep): boolean {
  return stepIndex(step) > stepIndex('switch');
}

export interface StoredJob {
  id: string;
  website_id: number;
  source: string;
  target: string;
  state: MoveState;
  step: MoveStep;
  started_by: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  error: string | null;
  plan: MovePlan | null;
  progress: MoveJob['progress'];
  verification: MoveJob['verification'];
  timings: Record<string, number>;
  copy_xids: string[];
  /** Per table: the target transaction that copied it and how many rows its COPY wrote. */
  copied: Record<string, CopiedTable>;
  rollback_of: string | null;
  rollback_job: string | null;
  refreshed_at: Record<string, string>;
}

export interface CopiedTable {
  xid: string;
  rows: number;
}

/** The advisory-lock key of a job: a stable 63-bit number from its uuid. */
export function jobLockKey(jobId: string): string {
  return BigInt.asIntN(64, BigInt(`0x${jobId.replace(/-/g, '').slice(0, 16)}`)).toString();
}

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

export async function createJob(primary: DatabaseHandle, input: { websiteId: number; source: string; target: string; plan: MovePlan; rollbackOf?: string }): Promise<StoredJob> {
  await ensureConsoleSchema(primary);
  try {
    const result = await primary.query<StoredJob>(
      `INSERT INTO shard_console.move_jobs (id, website_id, source, target, state, step, started_by, plan, rollback_of)
       VALUES ($1, $2, $3, $4, 'planned', 'preflight', $5, $6, $7) RETURNING *`,
      [randomUUID(), input.websiteId, input.source, input.target, currentActor(), JSON.stringify(input.plan), input.rollbackOf ?? null],
    );
    return result.rows[0]!;
  } catch (error) {
    if ((error as ConsoleError).cause && ((error as ConsoleError).cause as { code?: string }).code === '23505') {
      const open = await primary.query<{ id: string; state: string }>(
        `SELECT id, state FROM shard_console.move_jobs WHERE website_id = $1 AND state IN ('planned', 'running', 'failed')`,
        [input.websiteId],
      );
      const other = open.rows[0];
      throw new ConsoleError(
        'MOVE_CONFLICT',
        `Website ${input.websiteId} already has an unfinished move (job ${other?.id}, ${other?.state}). Resume or roll back that job first: shard-console move resume ${other?.id}.`,
        { target: other?.id ?? String(input.websiteId) },
      );
    }
    throw error;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads never create the console schema: without its table there is no job (a read-only console must not write). */
export async function getJob(primary: DatabaseHandle, jobId: string): Promise<StoredJob> {
  const notFound = () => new ConsoleError('JOB_NOT_FOUND', `No move job ${UUID.test(jobId) ? jobId : 'with that id'}. List jobs with: shard-console moves.`, { target: jobId });
  // Not a uuid is no job: asking PostgreSQL would answer 22P02, a database error, for a typo.
  if (!UUID.test(jobId) || !(await consoleTableExists(primary, 'move_jobs'))) throw notFound();
  const result = await primary.query<StoredJob>(`SELECT * FROM shard_console.move_jobs WHERE id = $1`, [jobId]);
  const row = result.rows[0];
  if (!row) throw notFound();
  return row;
}

/** Newest first; none when the console has never recorded a move here. */
export async function listJobs(primary: DatabaseHandle, options: { websiteId?: number; limit: number }): Promise<StoredJob[]> {
  if (!(await consoleTableExists(primary, 'move_jobs'))) return [];
  const result = await primary.query<StoredJob>(
    `SELECT * FROM shard_console.move_jobs WHERE ($1::int IS NULL OR website_id = $1) ORDER BY created_at DESC LIMIT $2`,
    [options.websiteId ?? null, options.limit],
  );
  return result.rows;
}

/** Which of these jobs some console is running right now (its session holds the job's lock). */
export async function liveJobIds(primary: DatabaseHandle, jobIds: readonly string[]): Promise<Set<string>> {
  if (jobIds.length === 0) return new Set();
  const keys = jobIds.map(jobLockKey);
  const result = await primary.query<{ key: string }>(
    `SELECT ((classid::int8 << 32) | objid::int8)::text AS key FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  const held = new Set(result.rows.map((r) => BigInt.asIntN(64, BigInt(r.key)).toString()));
  return new Set(jobIds.filter((_, i) => held.has(keys[i]!)));
}

/** Records the step before it runs (state running), in one statement. */
export async function recordStep(client: pg.ClientBase, jobId: string, step: MoveStep): Promise<void> {
  await client.query(`UPDATE shard_console.move_jobs SET step = $2, state = 'running', error = NULL, updated_at = now() WHERE id = $1`, [jobId, step]);
}

export async function updateJob(
  client: pg.ClientBase,
  jobId: string,
  fields: Partial<Pick<StoredJob, 'state' | 'error' | 'plan' | 'progress' | 'verification' | 'timings' | 'copy_xids' | 'copied' | 'refreshed_at' | 'rollback_job'>> & { finished?: boolean },
): Promise<void> {
  const sets: string[] = ['updated_at = now()'];
  const values: unknown[] = [jobId];
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'finished') {
      if (value) sets.push('finished_at = now()');
      continue;
    }
    values.push(typeof value === 'object' && value !== null ? JSON.stringify(value) : value);
    sets.push(`${key} = $${values.length}`);
  }
  await client.query(`UPDATE shard_console.move_jobs SET ${sets.join(', ')} WHERE id = $1`, values);
}
