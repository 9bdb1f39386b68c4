import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import { currentSignal, runWithSignal } from '../call-context.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';

/*
 * A console running a durable job holds a session advisory lock keyed by the job's id on a dedicated
 * primary session: the lock dies with the process, so "running but unlocked" means interrupted, and
 * two consoles never run one job.
 */

/** The advisory-lock key of a job: a stable 64-bit number from its uuid. */
export function jobLockKey(jobId: string): string {
  return BigInt.asIntN(64, BigInt(`0x${jobId.replace(/-/g, '').slice(0, 16)}`)).toString();
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

/** How often a job's runner asks the primary whether its session still holds the job's lock. */
export const LOCK_CHECK_MS = 10_000;

/** Whether the session `pid` holds the job's lock on the primary now (asked on another session). */
async function lockHeldBy(primary: DatabaseHandle, jobId: string, pid: number): Promise<boolean> {
  const key = BigInt.asUintN(64, BigInt(jobLockKey(jobId)));
  const r = await primary.query(
    `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted AND pid = $1 AND classid = $2::oid AND objid = $3::oid
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [pid, (key >> 32n).toString(), (key & 0xffffffffn).toString()],
  );
  return r.rows.length > 0;
}

/**
 * Every `everyMs`, while the work runs: the lock is still held by its session. A session whose server
 * went away without a word (a failover moved the primary's address, a host restarted behind a
 * firewall) gives its client no error until it sends something, and the lock session sends nothing
 * while a restore or a migration writes through the pool: the new primary holds no lock, another
 * console would see the job interrupted and take it up while this one still runs it. Asked on another
 * session; one that cannot be reached is left to the work's own statements, which fail then.
 */
function watchLock(primary: DatabaseHandle, jobId: string, pid: number, everyMs: number, onLost: (error: Error) => void): () => void {
  let asking = false;
  const timer = setInterval(() => {
    if (asking) return;
    asking = true;
    lockHeldBy(primary, jobId, pid)
      .then((held) => held || onLost(new Error('the primary no longer holds it for this console: it restarted, or another server took its place')))
      .catch(() => {})
      .finally(() => {
        asking = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Runs `work` holding the job's lock on a session of its own; JOB_BUSY when another console holds it.
 * The lock is only as good as its session: one ended under the work (an administrator's
 * pg_terminate_backend, a network cut, the server's idle_session_timeout) frees the lock, and another
 * console would see the job as interrupted and could resume it while this one still runs it. So the
 * work is stopped then, at its next safe point, with every statement it has running cancelled, and the
 * session asks the server never to end it for being idle, and the primary is asked every
 * `checkEveryMs` whether the session still holds the lock (watchLock).
 */
export async function withJobLock<T>(
  primary: DatabaseHandle,
  jobId: string,
  what: string,
  work: (lock: pg.PoolClient) => Promise<T>,
  checkEveryMs = LOCK_CHECK_MS,
): Promise<T> {
  const lock = await primary.pool.connect();
  const lost = new AbortController();
  const onLost = (error?: Error) =>
    lost.abort(
      new ConsoleError(
        'DATABASE_UNREACHABLE',
        `${what} ${jobId} lost its lock on the primary (${error?.message ?? 'its session ended'}), so it stopped at a safe point: another console must not take it up while this one runs it. Resume it once the primary answers.`,
        { target: jobId },
      ),
    );
  lock.on('error', onLost);
  lock.on('end', onLost);
  try {
    // Not for PostgreSQL before 14, which has no such setting (and so never ends an idle session itself).
    await lock.query(`SELECT set_config('idle_session_timeout', '0', false) WHERE current_setting('server_version_num')::int >= 140000`);
    const got = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int8) AS ok', [jobLockKey(jobId)]);
    if (!got.rows[0]!.ok)
      throw new ConsoleError('JOB_BUSY', `${what} ${jobId} is being run by another console right now. Follow it on the Jobs page.`, { target: jobId });
    const outer = currentSignal();
    const signal = outer ? AbortSignal.any([outer, lost.signal]) : lost.signal;
    // The server's own pid for the session: a pooler in front hands the client a made-up one.
    const pid = (await lock.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const stopWatching = watchLock(primary, jobId, pid, checkEveryMs, onLost);
    try {
      return await runWithSignal(signal, () => work(lock));
    } finally {
      stopWatching();
      // A lost session is not asked (on a dead connection the call would wait for TCP to give up); it
      // is destroyed below, which ends the lock with it if the server still had it.
      if (!lost.signal.aborted) await lock.query('SELECT pg_advisory_unlock($1::int8)', [jobLockKey(jobId)]).catch(() => {});
    }
  } finally {
    lock.off('error', onLost);
    lock.off('end', onLost);
    lock.release(lost.signal.aborted ? (lost.signal.reason as Error) : undefined);
  }
}
