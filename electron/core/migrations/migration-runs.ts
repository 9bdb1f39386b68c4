import { randomUUID } from 'node:crypto';
import type { MigrationRun } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { migrateUp } from './migrate-up.ts';

/*
 * Migration runs started from the UI or the CLI: `migrations.up` returns at once with a run id and
 * `migrations.run` answers with the latest snapshot, so a long run shows progress over any transport.
 * The durable record of a run is in the databases themselves (schema_migrations, the checksum ledger
 * and the audit log): a restarted console sees where every database stands in the status matrix.
 */

const KEEP_RUNS = 50;
const runs = new Map<string, MigrationRun>();
const activeRun = new WeakMap<ConsoleContext, string>();

export function startMigrationRun(ctx: ConsoleContext, params: { database?: string | undefined; parallel: number }): { runId: string } {
  const active = activeRun.get(ctx);
  if (active !== undefined && runs.get(active)?.state === 'running') {
    throw new ConsoleError('LOCKED', `Migration run ${active} is still running in this console. Follow it on the Migrations page, and start another when it has finished.`, {
      target: active,
    });
  }
  // Fail fast on a name that is not in the profile rather than inside the background run.
  if (params.database !== undefined) ctx.pools.get(params.database);
  const runId = randomUUID();
  const now = new Date().toISOString();
  runs.set(runId, { runId, state: 'running', startedAt: now, finishedAt: null, done: 0, total: 0, error: null, databases: [] });
  activeRun.set(ctx, runId);
  while (runs.size > KEEP_RUNS) runs.delete(runs.keys().next().value!);
  void migrateUp(ctx, { ...params, runId, onChange: (snapshot) => runs.set(runId, snapshot) }).then(
    (final) => runs.set(runId, final),
    (error: unknown) => {
      const info = error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL' as const, message: String(error) };
      runs.set(runId, { ...runs.get(runId)!, state: 'failed', finishedAt: new Date().toISOString(), error: info });
    },
  );
  return { runId };
}

export function migrationRunSnapshot(runId: string): MigrationRun {
  const run = runs.get(runId);
  if (!run) throw new ConsoleError('JOB_NOT_FOUND', `No migration run ${runId} in this console (runs are kept until the console restarts). Check the Migrations page for where every database stands.`, { target: runId });
  return run;
}
