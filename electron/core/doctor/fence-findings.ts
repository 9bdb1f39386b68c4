import type { Finding } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import { liveJobIds } from '../jobs/job-lock.ts';
import { fenceState } from '../moves/write-fence.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { finding } from './doctor-finding.ts';

/*
 * Write fences left standing. A website fenced by a job that no process runs has every write refused
 * until that job is resumed or rolled back (an error: its site cannot save anything). Fence triggers on a
 * database where no website is fenced pass every write, at one trigger call a row: left when a reader
 * held a table through the last lift's tries (information).
 */

interface FenceJob {
  readonly kind: 'move' | 'restore';
  readonly state: string;
}

/** The jobs behind the fences, from the primary's job tables (moves and restores keep theirs apart). */
async function fenceJobs(primary: DatabaseHandle, ids: readonly string[]): Promise<Map<string, FenceJob>> {
  const jobs = new Map<string, FenceJob>();
  if (ids.length === 0) return jobs;
  const tables = await primary.query<{ moves: boolean; jobs: boolean }>(
    `SELECT to_regclass('shard_console.move_jobs') IS NOT NULL AS moves, to_regclass('shard_console.jobs') IS NOT NULL AS jobs`,
  );
  const { moves, jobs: others } = tables.rows[0]!;
  if (moves) {
    const r = await primary.query<{ id: string; state: string }>(`SELECT id::text AS id, state FROM shard_console.move_jobs WHERE id = ANY ($1::uuid[])`, [
      ids,
    ]);
    for (const row of r.rows) jobs.set(row.id, { kind: 'move', state: row.state });
  }
  if (others) {
    const r = await primary.query<{ id: string; state: string }>(
      `SELECT id::text AS id, state FROM shard_console.jobs WHERE kind = 'restore' AND id = ANY ($1::uuid[])`,
      [ids],
    );
    for (const row of r.rows) jobs.set(row.id, { kind: 'restore', state: row.state });
  }
  return jobs;
}

export async function fenceFindings(ctx: ConsoleContext, databases: readonly string[]): Promise<Finding[]> {
  const states = await Promise.all(databases.map(async (name) => ({ name, ...(await fenceState(ctx.pools.get(name))) })));
  const ids = [...new Set(states.flatMap((s) => s.fenced.map((f) => f.jobId)))];
  const primary = ctx.pools.primary();
  const [jobs, live] = await Promise.all([fenceJobs(primary, ids), liveJobIds(primary, ids)]);
  return states.flatMap(({ name, fenced, tablesWithTriggers }) => [
    ...fenced.filter((f) => !live.has(f.jobId)).map((f) => staleFence(name, f, jobs.get(f.jobId))),
    ...(fenced.length === 0 && tablesWithTriggers.length > 0 ? [idleTriggers(name, tablesWithTriggers)] : []),
  ]);
}

function staleFence(database: string, f: { websiteId: number; jobId: string; fencedAt: Date }, job: FenceJob | undefined): Finding {
  const since = f.fencedAt.toISOString();
  const where = { database, website: f.websiteId };
  if (!job) {
    return finding(
      'stale-write-fence',
      'error',
      where,
      `Website ${f.websiteId}'s writes on ${database} are refused: a write fence has been up since ${since} for job ${f.jobId}, which the primary's job tables do not know.`,
      `If no move or restore of website ${f.websiteId} is under way, lift the fence on ${database}: DELETE FROM shard_console.fenced_websites WHERE website_id = ${f.websiteId}.`,
    );
  }
  return finding(
    'stale-write-fence',
    'error',
    where,
    `Website ${f.websiteId}'s writes on ${database} are refused: the write fence of ${job.kind} job ${f.jobId} has been up since ${since}, and no process runs that job (recorded as ${job.state}).`,
    `Resume the job (shard-console ${job.kind} resume ${f.jobId}) or roll it back (shard-console ${job.kind} rollback ${f.jobId}): either lifts the fence when it is done.`,
  );
}

function idleTriggers(database: string, tables: readonly string[]): Finding {
  const named = tables.length <= 5 ? tables.join(', ') : `${tables.slice(0, 5).join(', ')} and ${tables.length - 5} more`;
  return finding(
    'idle-fence-triggers',
    'info',
    { database, rows: null },
    `${tables.length} table(s) on ${database} keep the console's write-fence triggers with no website fenced (${named}): a reader held them through the last lift's tries. Every write passes, through one trigger call a row.`,
    `They are dropped when the next move or restore fencing ${database} lifts its fence; nothing else is needed.`,
  );
}
