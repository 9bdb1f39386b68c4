import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PrivateCluster } from './private-cluster.ts';

/** The CLI as an operator runs it, in a process of its own (so a failpoint's SIGKILL kills only it). */
export const SHARD_CONSOLE_BIN = fileURLToPath(new URL('../../bin/shard-console.js', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(pc: PrivateCluster, args: readonly string[], options: { failpoint?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const env = { ...pc.env, ...options.env, SHARD_CONSOLE_FAILPOINT: options.failpoint ?? '' };
    const child = execFile(
      process.execPath,
      [SHARD_CONSOLE_BIN, ...args, '--profile', pc.cluster.profilePath],
      { env, maxBuffer: 64 * 1024 * 1024 },
      (_error, stdout, stderr) => {
        resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
      },
    );
  });
}

/** The newest restore job recorded on the primary: its id, recorded state and step. */
export async function newestRestoreJob(pc: PrivateCluster): Promise<{ id: string; state: string; step: string } | undefined> {
  const primary = await pc.client('default');
  try {
    const r = await primary
      .query(`SELECT id, state, detail->>'step' AS step FROM shard_console.jobs WHERE kind = 'restore' ORDER BY created_at DESC LIMIT 1`)
      .catch(() => ({ rows: [] }));
    return r.rows[0];
  } finally {
    await primary.end();
  }
}
