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

/** A process's /proc/PID/stat fields after the command name (fields[0] is field 3, the state), or null once it is gone. */
function statFields(pid: number | 'self'): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // gone meanwhile
  }
}

/** Fields 4 (ppid) and 14-17 (utime, stime, cutime, cstime, in ticks). */
const PPID = 1;
const UTIME = 11;

function ticks(fields: readonly string[], count: 2 | 4): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Number(fields[UTIME + i]);
  return sum;
}

/** The postmaster's pid, from postmaster.pid in the data directory the server names. */
export async function postmasterPid(client: pg.Pool | pg.Client): Promise<number> {
  const dir = (await client.query<{ d: string }>('SELECT current_setting($1) AS d', ['data_directory'])).rows[0]!.d;
  return Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/**
 * The server's CPU seconds so far: the postmaster with everything it reaped, and its live children. A
 * backend reaped while the children are listed (a client's, ending as its client exits) would be in
 * neither count: the postmaster's own figures are read again after the listing, and the whole reading
 * taken again until they did not change meanwhile.
 */
export function serverCpuSeconds(postmaster: number): number {
  for (let attempt = 0; ; attempt++) {
    const own = statFields(postmaster);
    if (!own) return Number.NaN;
    let total = ticks(own, 4);
    for (const name of readdirSync('/proc')) {
      const pid = Number(name);
      if (!Number.isInteger(pid)) continue;
      const child = statFields(pid);
      if (child && Number(child[PPID]) === postmaster) total += ticks(child, 2);
    }
    const after = statFields(postmaster);
    if (!after) return Number.NaN;
    if (after[UTIME + 2] === own[UTIME + 2] && after[UTIME + 3] === own[UTIME + 3]) return total / TICKS;
    if (attempt === 20) return Number.NaN;
  }
}

/** CPU seconds of this process's children that have exited (and been waited for) so far. */
export function reapedChildrenCpuSeconds(): number {
  const own = statFields('self')!;
  return (Number(own[UTIME + 2]) + Number(own[UTIME + 3])) / TICKS;
}
