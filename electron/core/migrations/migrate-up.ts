import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { MigrationRun } from '../../../shared/contract.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { audited } from '../console-schema/audit-log.ts';
import { readLedger } from './migration-ledger.ts';
import { readStoredSlot, resolveSlots } from './sequence-slots.ts';
import {
  assertHoldsStatements,
  assertPlanCurrent,
  assertReadAlikeEverywhere,
  listMigrations,
  migrationsFor,
  sameMigrationText,
  type MigrationFile,
} from './migration-files.ts';
import { migrateDatabase, type DatabaseMigrationOutcome } from './migrate-database.ts';
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
  /** A migration's wait for a table lock before it fails (0: no limit). */
  readonly lockTimeoutSeconds?: number;
  /** The reviewed plan's filesDigest: files that differ now end the run before any database is touched. */
  readonly planDigest?: string | undefined;
  readonly runId?: string;
  /** Every change of the run's state, as a fresh snapshot (the UI polls it, the CLI prints it). */
  readonly onChange?: (run: MigrationRun) => void;
}

/** The states in which a database has every migration it should have. */
const COMPLETE_STATES = new Set<DatabaseRun['state']>(['applied', 'up-to-date']);

/** The run as it goes: changed in place, published as a snapshot on every change. */
interface RunProgress {
  readonly run: MigrationRun;
  readonly signal: AbortSignal | undefined;
  readonly publish: () => void;
}

/** What every step of the run needs once the files and databases are known. */
interface RunState extends RunProgress {
  readonly ctx: ConsoleContext;
  readonly files: readonly MigrationFile[];
  /** Per database, the versions known to be applied there: its ledger before the run, and what the run applied. */
  readonly appliedOn: Map<string, Set<string>>;
  /** Per database, the checksum it recorded for each version that ran there (absent where its role may not read them). */
  readonly recordedOn: Map<string, Map<string, string>>;
  readonly lockTimeoutSeconds: number;
  /** Per database, the block its new sequences take (sequence-slots.ts), once the ledgers are read. */
  readonly slots: Map<string, number>;
  /**
   * Whether every shard's recorded slot could be read: only then is a slot decided for a shard without
   * one recorded there (one unread could hold the very slot given).
   */
  slotsKnown: boolean;
}

function toInfo(error: unknown): ErrorInfo {
  return error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL', message: String((error as Error)?.message ?? error) };
}

function stoppedInfo(where: string, signal: AbortSignal | undefined): ErrorInfo {
  const reason = signal?.reason instanceof ConsoleError ? signal.reason.message : 'Stopped on request.';
  const message = `${reason} On ${where}, the migration in flight was rolled back and stays pending: run the migrations again to resume.`;
  return { code: 'CANCELLED', message, target: where };
}

function entryOf(run: MigrationRun, name: string): DatabaseRun {
  return run.databases.find((d) => d.name === name)!;
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
  const progress: RunProgress = { run, signal: currentSignal(), publish: () => options.onChange?.(structuredClone(run)) };
  let targets: DatabaseTarget[];
  let files: MigrationFile[];
  try {
    targets = runTargets(ctx, options.database);
    files = await listMigrations(migrationsDirFor(ctx.profile));
    assertPlanCurrent(files, options.planDigest, migrationsDirFor(ctx.profile));
  } catch (error) {
    return concludeRun(progress, toInfo(error));
  }
  run.databases = targets.map((t) => ({ name: t.name, state: 'waiting', current: null, applied: [], pending: [], failed: null, error: null }));
  const state: RunState = {
    ...progress,
    ctx,
    files,
    appliedOn: new Map(),
    recordedOn: new Map(),
    lockTimeoutSeconds: options.lockTimeoutSeconds ?? 10,
    slots: new Map(),
    slotsKnown: false,
  };
  await countPending(state, targets);
  try {
    assertRunsAsRecorded(state);
    // A file that ran somewhere already (recorded empty before this rule) stays as it ran: only new ones are held to it.
    const ranSomewhere = (version: string) => [...state.appliedOn.values()].some((applied) => applied.has(version));
    const fresh = files.filter((f) => run.databases.some((d) => d.pending.includes(f.version)) && !ranSomewhere(f.version));
    assertHoldsStatements(fresh);
    assertReadAlikeEverywhere(fresh);
  } catch (error) {
    return concludeRun(state, toInfo(error));
  }
  const pending = Object.fromEntries(run.databases.map((d) => [d.name, d.pending]));
  const entry = { action: 'migrations.up', target: options.database ?? 'all databases', details: { pending, parallel: options.parallel } };
  try {
    await audited(ctx.pools.primary(), entry, () => migrateAllTargets(state, targets, options.parallel));
  } catch (error) {
    return concludeAfterError(state, error);
  }
  return concludeRun(state, null);
}

/**
 * What is pending now, for the progress total; a database that cannot answer shows up when it runs.
 * Every database's ledger is read, those the run leaves alone too: a failure's advice names where the
 * migration ran already (never "fix the file" for one that ran elsewhere).
 */
async function countPending(state: RunState, targets: readonly DatabaseTarget[]): Promise<void> {
  const stored = new Map<string, number | null>();
  await Promise.all(
    state.ctx.pools.targets.map(async (t) => {
      const ledger = await readLedger(state.ctx.pools.get(t.name)).catch(() => null);
      if (!ledger) return;
      const slot = await readStoredSlot(state.ctx.pools.get(t.name)).catch(() => undefined);
      if (slot !== undefined) stored.set(t.name, slot);
      state.appliedOn.set(t.name, new Set(ledger.applied));
      const recorded = [...ledger.entries].filter(([, e]) => e.status === 'applied').map(([version, e]) => [version, e.checksum] as const);
      state.recordedOn.set(t.name, new Map(recorded));
      if (!targets.some((x) => x.name === t.name)) return;
      entryOf(state.run, t.name).pending = migrationsFor(t.role, state.files)
        .filter((f) => !ledger.applied.has(f.version))
        .map((f) => f.version);
    }),
  );
  for (const [name, slot] of resolveSlots(state.ctx.pools.targets, stored)) state.slots.set(name, slot);
  state.slotsKnown = state.ctx.pools.targets.every((t) => t.role === 'primary' || stored.has(t.name));
  state.run.total = state.run.databases.reduce((n, d) => n + d.pending.length, 0);
  state.publish();
}

/**
 * A file about to run that is not the one that ran elsewhere (edited after it was applied on some
 * database) would give this database another schema than those, each recorded as migrated: refused
 * before any database is touched, naming where it ran.
 */
function assertRunsAsRecorded(state: RunState): void {
  const edited: string[] = [];
  for (const file of state.files) {
    if (!state.run.databases.some((d) => d.pending.includes(file.version))) continue;
    const ranOn = [...state.recordedOn].filter(([, recorded]) => {
      const checksum = recorded.get(file.version);
      return checksum !== undefined && !sameMigrationText(checksum, file);
    });
    if (ranOn.length) edited.push(`${file.set}/${file.version}_${file.name}.sql (it ran on ${ranOn.map(([name]) => name).join(', ')} as it was before)`);
  }
  if (edited.length === 0) return;
  throw new ConsoleError(
    'MIGRATION_EDITED',
    `Nothing was run: ${edited.join('; ')} changed since it ran, and the databases still pending would get the changed file, a schema unlike the others'. Put the file back as it ran (git log and git checkout find it); make the change in a new migration instead.`,
    { target: edited[0]!, details: { edited } },
  );
}

/** The primary, then the shards unless the primary did not finish; throws when any database did not finish. */
async function migrateAllTargets(state: RunState, targets: readonly DatabaseTarget[], parallel: number): Promise<void> {
  const primary = targets.find((t) => t.role === 'primary');
  const shards = targets.filter((t) => t.role !== 'primary');
  if (primary) await migrateOne(state, primary);
  if (primary && !COMPLETE_STATES.has(entryOf(state.run, primary.name).state) && !state.signal?.aborted) {
    skipShards(state.run, primary, shards);
  } else {
    const ready = primary ? shards : shards.filter((shard) => followsPrimary(state, shard));
    await inParallel(ready, parallel, (shard) => migrateOne(state, shard));
  }
  if (state.signal?.aborted) {
    throw state.signal.reason instanceof ConsoleError ? state.signal.reason : new ConsoleError('CANCELLED', 'The migration run was stopped on request.');
  }
  const unfinished = state.run.databases.filter((d) => !COMPLETE_STATES.has(d.state));
  if (unfinished.length > 0) {
    throw new ConsoleError('MIGRATION_FAILED', `Migrations did not finish on ${unfinished.map(describeState).join(', ')}.`);
  }
}

function describeState(db: DatabaseRun): string {
  return `${db.name} (${db.state})`;
}

function skipShards(run: MigrationRun, primary: DatabaseTarget, shards: readonly DatabaseTarget[]): void {
  const message = `Not started: shards follow the primary, which did not finish. Resolve ${primary.name} first, then run again.`;
  for (const shard of shards) {
    Object.assign(entryOf(run, shard.name), { state: 'skipped', error: { code: 'MIGRATION_FAILED', message, target: shard.name } });
  }
}

/**
 * A run of shards alone (`--database shard_1`) runs on each only what already ran on the primary: a
 * tenant migration that has not (it failed there, or it is new) would give the shard a schema the
 * primary lacks, and once its file is fixed as the primary's failure advises, an edited file. A shard
 * with such a migration pending is not started, saying so.
 */
function followsPrimary(state: RunState, shard: DatabaseTarget): boolean {
  const primary = state.ctx.pools.primary().target.name;
  const onPrimary = state.appliedOn.get(primary);
  const db = entryOf(state.run, shard.name);
  const ahead = db.pending.filter((version) => !onPrimary?.has(version));
  if (onPrimary && ahead.length === 0) return true;
  const why = onPrimary ? `${ahead.join(', ')} ${ahead.length === 1 ? 'has' : 'have'} not run on ${primary}` : `${primary}'s migrations could not be read`;
  const message = `Not started: shards follow the primary, and ${why}. Run the migrations on ${primary} first (or on every database), then on ${shard.name}.`;
  Object.assign(db, { state: 'skipped', error: { code: 'MIGRATION_FAILED', message, target: shard.name } });
  return false;
}

/** The files `target` runs: in a run without the primary, a shard runs only those the primary has (see followsPrimary). */
function filesFor(state: RunState, target: DatabaseTarget): MigrationFile[] {
  const files = migrationsFor(target.role, state.files);
  const primary = state.ctx.pools.primary().target.name;
  if (target.role === 'primary' || state.run.databases.some((d) => d.name === primary)) return files;
  const onPrimary = state.appliedOn.get(primary) ?? new Set<string>();
  return files.filter((f) => onPrimary.has(f.version));
}

/** One database on a connection of its own: unreachable, stopped, or whatever migrateDatabase says. */
async function migrateOne(state: RunState, target: DatabaseTarget): Promise<void> {
  const db = entryOf(state.run, target.name);
  db.state = 'running';
  state.publish();
  if (state.signal?.aborted) {
    Object.assign(db, { state: 'stopped', error: stoppedInfo(target.name, state.signal) });
    state.publish();
    return;
  }
  let client: pg.PoolClient;
  try {
    client = await state.ctx.pools.get(target.name).pool.connect();
  } catch (error) {
    Object.assign(db, { state: 'unreachable', error: reachabilityError(target, error).toInfo() });
    state.publish();
    return;
  }
  await migrateOnSession(state, target, db, client);
  state.publish();
}

async function migrateOnSession(state: RunState, target: DatabaseTarget, db: DatabaseRun, client: pg.PoolClient): Promise<void> {
  let broken: Error | undefined;
  // Stopping the run cancels the migration this session is running; it rolls back and stays pending.
  const stopWatching = cancelOnAbort(client, target, state.signal);
  try {
    const outcome = await migrateDatabase(client, filesFor(state, target), {
      database: target.name,
      lock: 'fail',
      signal: state.signal,
      lockTimeoutSeconds: state.lockTimeoutSeconds,
      sequenceSlot: target.role === 'shard' ? (state.slots.get(target.name) ?? 0) : 0,
      recordSlot: state.slotsKnown,
      onStep: (step) => recordStep(state, db, step),
    });
    recordOutcome(state, db, outcome, target);
  } catch (error) {
    broken = error as Error;
    const info = reachabilityError(target, error).toInfo();
    db.state = info.code === 'LOCKED' ? 'locked' : info.code === 'DATABASE_UNREACHABLE' ? 'unreachable' : 'failed';
    db.error = info;
  } finally {
    stopWatching();
    db.current = null;
    // Whatever ran (a migration may have failed after others applied) changed the schema pages read by.
    state.ctx.catalog.invalidate(target.name);
    // Never back to the pool: a broken connection, or a session a migration file may have changed
    // (SET search_path, SET ROLE), or whose lock a stop that came during the unlock left held.
    client.release(broken ?? true);
  }
}

function recordStep(state: RunState, db: DatabaseRun, step: { version: string; phase: 'start' | 'applied' | 'failed' }): void {
  db.current = step.phase === 'start' ? step.version : null;
  if (step.phase === 'applied') {
    db.applied.push(step.version);
    state.appliedOn.get(db.name)?.add(step.version);
    db.pending = db.pending.filter((v) => v !== step.version);
  }
  if (step.phase !== 'start') state.run.done += 1;
  state.publish();
}

function recordOutcome(state: RunState, db: DatabaseRun, outcome: DatabaseMigrationOutcome, target: DatabaseTarget): void {
  db.pending = outcome.pending;
  db.failed = outcome.failed;
  db.state = outcome.stopped ? 'stopped' : outcome.failed ? 'failed' : outcome.applied.length > 0 ? 'applied' : 'up-to-date';
  if (outcome.stopped) db.error = stoppedInfo(target.name, state.signal);
  if (outcome.failed) {
    const { version } = outcome.failed;
    const ranOn = [...state.appliedOn].filter(([name, applied]) => name !== target.name && applied.has(version)).map(([name]) => name);
    // A file that ran somewhere is history there: editing it would leave those databases out of step with it.
    const todo = ranOn.length
      ? `It ran on ${ranOn.join(', ')} already, so leave its file as it is (an edited file no longer matches what ran there): fix what on ${target.name} makes it fail, then run again.`
      : `It has run on no database yet: fix the migration, or what on ${target.name} makes it fail, then run again.`;
    const message = `Migration ${version} failed on ${target.name} and was rolled back there: ${outcome.failed.error}. ${todo}`;
    db.error = new ConsoleError('MIGRATION_FAILED', message, { target: target.name }).toInfo();
  }
}

/** A failure the run itself reported is in the per-database entries; anything else stopped the run as a whole. */
function concludeAfterError(state: RunState, error: unknown): MigrationRun {
  const info = toInfo(error);
  if (info.code === 'MIGRATION_FAILED' && state.run.databases.some((d) => !COMPLETE_STATES.has(d.state))) return concludeRun(state, null);
  if (state.signal?.aborted) return concludeRun(state, stoppedInfo('the run', state.signal));
  for (const db of state.run.databases) if (db.state === 'waiting') Object.assign(db, { state: 'skipped', error: info });
  return concludeRun(state, info);
}

/** Sets the run's final state (interrupted, succeeded or failed), publishes it and returns a snapshot. */
function concludeRun(progress: RunProgress, error: ErrorInfo | null): MigrationRun {
  const { run, signal } = progress;
  run.error = error;
  run.finishedAt = new Date().toISOString();
  run.state = signal?.aborted ? 'interrupted' : error === null && run.databases.every((d) => COMPLETE_STATES.has(d.state)) ? 'succeeded' : 'failed';
  progress.publish();
  return structuredClone(run);
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const workers = Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  });
  await Promise.all(workers);
}
