import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';

/*
 * CPU time (user + system, in seconds) of a bench's parts, from Linux's /proc: the server's (the
 * postmaster, its live children, and through the postmaster's cutime/cstime every child it has reaped,
 * so backends that came and went count too) and this process's reaped children (a CLI run or
 * pg_restore, counted once it exits). Shows how much work each side did, where wall time only shows
 * how long it took: on a machine of two cores a client that keeps both busy and one that keeps one
 * busy compare differently than on eight.
 */

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime, stime, cutime, cstime of a process, in ticks (fields 14-17 of /proc/PID/stat, after the command name). */
function times(pid: number | 'self'): [number, number, number, number] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state (field 3): utime is field 14, so fields[11].
    return [Number(fields[11]), Number(fields[12]), Number(fields[13]), Number(fields[14])];
  } catch {
    return null; // gone meanwhile
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

/** The postmaster's pid, from postmaster.pid in the data directory the server names. */
export async function postmasterPid(client: pg.Pool | pg.Client): Promise<number> {
  const dir = (await client.query<{ d: string }>('SELECT current_setting($1) AS d', ['data_directory'])).rows[0]!.d;
  return Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** The server's CPU seconds so far: the postmaster with everything it reaped, and its live children. */
export function serverCpuSeconds(postmaster: number): number {
  const own = times(postmaster);
  if (!own) return Number.NaN;
  let ticks = own[0] + own[1] + own[2] + own[3];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || parentOf(pid) !== postmaster) continue;
    const child = times(pid);
    if (child) ticks += child[0] + child[1];
  }
  return ticks / TICKS;
}

/** CPU seconds of this process's children that have exited (and been waited for) so far. */
export function reapedChildrenCpuSeconds(): number {
  const own = times('self')!;
  return (own[2] + own[3]) / TICKS;
}
