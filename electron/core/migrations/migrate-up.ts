import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { MigrationRun } from '../../../shared/contract.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { audited } from '../console-schema/audit-log.ts';
import { readLedger } from './migration-ledger.ts';
import { listMigrations, migrationsFor, type MigrationFile } from './migration-files.ts';
import { migrateDatabase } from './migrate-database.ts';
import { runTargets } from './migration-plan.ts';
import { migrationsDirFor } from './migrations-dir.ts';
import { reachabilityError } from './reachability-error.ts';
import { assertWritable } from '../read-only-guard.ts';
import { currentSignal } from '../call-context.ts';
import { cancelOnAbort } from '../pools/cancel-request.ts';

type DatabaseRun = MigrationRun['databases'][number];

export interface MigrateUpOptions {
  readonly database?: string | undefined;
  readonly parallel: number;
  readonly runId?: string;
  /** Every change of the run's state, as a fresh snapshot (the UI polls it, the CLI prints it). */
  readonly onChange?: (run: MigrationRun) => void;
}

const finished = new Set<DatabaseRun['state']>(['applied', 'up-to-date']);

function toInfo(error: unknown): ErrorInfo {
  return error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL', message: String((error as Error)?.message ?? error) };
}

/**
 * Applies pending migrations: the primary first (it holds the reference schema and the global
 * tables), then the shards, `parallel` at a time. Each database runs on its own connection under its
 * own lock and stops at its first failure; the others go on, and the returned run says exactly where
 * every database stands. Running again resumes: only what is still pending runs.
 */
export async function migrateUp(ctx: ConsoleContext, options: MigrateUpOptions): Promise<MigrationRun> {
  assertWritable(ctx, 'Applying migrations');
  const run: MigrationRun = {
    runId: options.runId ?? randomUUID(),
    state: 'running',
    startedAt: new Date().toISOString(),
    finishedAt: null,
    done: 0,
    total: 0,
    error: null,
    databases: [],
  };
  const publish = () => options.onChange?.(structuredClone(run));
  const signal = currentSignal();
  const finish = (error: ErrorInfo | null): MigrationRun => {
    run.error = error;
    run.finishedAt = new Date().toISOString();
    run.state = signal?.aborted ? 'interrupted' : error === null && run.databases.every((d) => finished.has(d.state)) ? 'succeeded' : 'failed';
    publish();
    return structuredClone(run);
  };

  let targets: DatabaseTarget[];
  let files: MigrationFile[];
  try {
    targets = runTargets(ctx, options.database);
    files = await listMigrations(migrationsDirFor(ctx.profile));
  } catch (error) {
    return finish(toInfo(error));
  }
  run.databases = targets.map((t) => ({ name: t.name, state: 'waiting', current: null, applied: [], pending: [], failed: null, error: null }));
  const entry = (name: string) => run.databases.find((d) => d.name === name)!;

  // What is pending now, for the progress total; a database that cannot answer shows up when it runs.
  await Promise.all(
    targets.map(async (t) => {
      const ledger = await readLedger(ctx.pools.get(t.name)).catch(() => null);
      if (ledger) entry(t.name).pending = migrationsFor(t.role, files).filter((f) => !ledger.applied.has(f.version)).map((f) => f.version);
    }),
  );
  run.total = run.databases.reduce((n, d) => n + d.pending.length, 0);
  publish();

  const runOne = async (target: DatabaseTarget): Promise<void> => {
    const db = entry(target.name);
    db.state = 'running';
    publish();
    if (signal?.aborted) {
      Object.assign(db, { state: 'stopped', error: stoppedInfo(target.name, signal) });
      publish();
      return;
    }
    let client: pg.PoolClient;
    try {
      client = await ctx.pools.get(target.name).pool.connect();
    } catch (error) {
      const info = reachabilityError(target, error).toInfo();
      Object.assign(db, { state: 'unreachable', error: info });
      publish();
      return;
    }
    let broken: Error | undefined;
    // Stopping the run cancels the migration this session is running; it rolls back and stays pending.
    const stopWatching = cancelOnAbort(client, target, signal);
    try {
      const outcome = await migrateDatabase(client, migrationsFor(target.role, files), {
        database: target.name,
        lock: 'fail',
        signal,
        onStep: ({ version, phase }) => {
          db.current = phase === 'start' ? version : null;
          if (phase === 'applied') {
            db.applied.push(version);
            db.pending = db.pending.filter((v) => v !== version);
          }
          if (phase !== 'start') run.done += 1;
          publish();
        },
      });
      db.pending = outcome.pending;
      db.failed = outcome.failed;
      db.state = outcome.stopped ? 'stopped' : outcome.failed ? 'failed' : outcome.applied.length > 0 ? 'applied' : 'up-to-date';
      if (outcome.stopped) db.error = stoppedInfo(target.name, signal);
      if (outcome.failed) {
        db.error = new ConsoleError('MIGRATION_FAILED', `Migration ${outcome.failed.version} failed on ${target.name} and was rolled back there: ${outcome.failed.error}. Fix the migration, then run again.`, {
          target: target.name,
        }).toInfo();
      }
    } catch (error) {
      broken = error as Error;
      const info = reachabilityError(target, error).toInfo();
      db.state = info.code === 'LOCKED' ? 'locked' : info.code === 'DATABASE_UNREACHABLE' ? 'unreachable' : 'failed';
      db.error = info;
    } finally {
      stopWatching();
      db.current = null;
      // A client whose connection broke must not go back to the pool.
      client.release(broken && (broken as ConsoleError).code !== 'LOCKED' ? broken : undefined);
    }
    publish();
  };

  const primary = targets.find((t) => t.role === 'primary');
  const shards = targets.filter((t) => t.role !== 'primary');
  const summary = Object.fromEntries(run.databases.map((d) => [d.name, d.pending]));
  try {
    await audited(ctx.pools.primary(), { action: 'migrations.up', target: options.database ?? 'all databases', details: { pending: summary, parallel: options.parallel } }, async () => {
      if (primary) await runOne(primary);
      if (primary && !finished.has(entry(primary.name).state) && !signal?.aborted) {
        for (const shard of shards) {
          Object.assign(entry(shard.name), {
            state: 'skipped',
            error: { code: 'MIGRATION_FAILED', message: `Not started: shards follow the primary, which did not finish. Resolve ${primary.name} first, then run again.`, target: shard.name },
          });
        }
      } else {
        await inParallel(shards, options.parallel, runOne);
      }
      if (signal?.aborted) throw signal.reason instanceof ConsoleError ? signal.reason : new ConsoleError('CANCELLED', 'The migration run was stopped on request.');
      const failedHere = run.databases.filter((d) => !finished.has(d.state));
      if (failedHere.length > 0) {
        throw new ConsoleError('MIGRATION_FAILED', `Migrations did not finish on ${failedHere.map((d) => `${d.name} (${d.state})`).join(', ')}.`);
      }
    });
  } catch (error) {
    const info = toInfo(error);
    // The run's own summary is already in the per-database entries; anything else stopped the run as a whole.
    if (info.code === 'MIGRATION_FAILED' && run.databases.some((d) => !finished.has(d.state))) return finish(null);
    if (signal?.aborted) return finish(stoppedInfo('the run', signal));
    for (const db of run.databases) if (db.state === 'waiting') Object.assign(db, { state: 'skipped', error: info });
    return finish(info);
  }
  return finish(null);
}

function stoppedInfo(where: string, signal: AbortSignal | undefined): ErrorInfo {
  const reason = signal?.reason instanceof ConsoleError ? signal.reason.message : 'Stopped on request.';
  return { code: 'CANCELLED', message: `${reason} On ${where}, the migration in flight was rolled back and stays pending: run the migrations again to resume.`, target: where };
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const workers = Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  });
  await Promise.all(workers);
}
