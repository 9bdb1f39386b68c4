import type pg from 'pg';
import { placeNewSequences, sequenceOids } from './sequence-blocks.ts';
import { readStoredSlot, recordSlot } from './sequence-slots.ts';
import { ensureLedger, readLedger, recordApplied, recordFailure } from './migration-ledger.ts';
import type { MigrationFile } from './migration-files.ts';
import { acquireMigrationLock, releaseMigrationLock, type LockMode } from './migration-lock.ts';

/*
 * The one migration engine. Every path that changes a schema (console runs, `migrate up`, adding a
 * shard, the demo and the test harness) comes through here, on one connection per database.
 */

export interface MigrateDatabaseOptions {
  /** For messages: the shard name or the database. */
  readonly database: string;
  readonly lock: LockMode;
  /** Called before each migration starts and after it ends, for progress. */
  readonly onStep?: (event: { version: string; phase: 'start' | 'applied' | 'failed' }) => void;
  /** Stops the run before the next migration; one in flight is cancelled on the server and rolled back, never recorded as failed. */
  readonly signal?: AbortSignal | undefined;
  /** How long a statement waits for a lock (0: no limit); absent: no limit (a migration applied by hand, one database). */
  readonly lockTimeoutSeconds?: number;
  /**
   * The database's block of ids (sequence-blocks.ts): sequences a migration creates start there. Absent or
   * 0: left as created. Recorded on the database when it has none yet; one recorded there wins.
   */
  readonly sequenceSlot?: number;
  /** Whether `sequenceSlot` may be recorded on a database that has none (false: a slot decided without every shard's known). */
  readonly recordSlot?: boolean;
}

export interface DatabaseMigrationOutcome {
  readonly applied: string[];
  readonly failed: { version: string; error: string } | null;
  /** Versions still not applied when the engine stopped (the failed one included). */
  readonly pending: string[];
  /** Stopped on request (the signal): `pending` is what is left, nothing failed. */
  readonly stopped?: boolean;
}

/** The server's error, where in the file it is (line and column, from the statement's character position), its detail and hint. */
function describePgError(error: unknown, lockTimeoutSeconds: number | undefined, sql: string): string {
  const e = error as { message?: string; code?: string; position?: string; detail?: string; hint?: string };
  const parts = [e.message ?? String(error)];
  const position = Number(e.position);
  if (Number.isInteger(position) && position > 0 && position <= sql.length + 1) {
    // PostgreSQL counts characters (code points) from 1.
    const before = [...sql].slice(0, position - 1).join('');
    const line = before.split('\n').length;
    parts[0] += ` (line ${line}, column ${[...before.slice(before.lastIndexOf('\n') + 1)].length + 1})`;
  }
  if (e.code === '55P03' && lockTimeoutSeconds !== undefined && lockTimeoutSeconds > 0)
    parts.push(
      `it waited ${lockTimeoutSeconds} s for a table that another session (the application, a move's copy, a long report) was using, and was rolled back rather than stall every query on that table behind it. Run the migrations again when that session has ended (pg_stat_activity names it), or give a longer lock timeout`,
    );
  if (e.detail) parts.push(e.detail);
  if (e.hint) parts.push(e.hint);
  if (e.code) parts.push(`SQLSTATE ${e.code}`);
  return parts.join(' · ');
}

/** The server rejected the SQL (a SQLSTATE outside connection loss and shutdown), as opposed to the connection failing. */
function isStatementFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57P');
}

/** The versions of `files` from `index` on: what is still pending when a run stops there. */
function versionsFrom(files: readonly MigrationFile[], index: number): string[] {
  return files.slice(index).map((f) => f.version);
}

/**
 * The session as each migration file starts from: the settings of the connection as it was opened
 * (a file's own SET search_path or SET ROLE outlives its transaction otherwise, and would change where
 * the next file's tables go and as whom), then the run's two timeouts. Migrations build indexes on big
 * tables, so the console's read timeout must not cut them off; but they never wait long for a lock:
 * while an ALTER TABLE queues behind a long reader of the table (the application's, a move's copy),
 * every later query on that table queues behind the ALTER.
 */
async function startFromRunSettings(client: pg.ClientBase, lockTimeoutSeconds = 0): Promise<void> {
  // RESET ALL leaves the role alone; RESET SESSION AUTHORIZATION (to the user who logged in, which any role may) resets it too.
  await client.query(
    `RESET SESSION AUTHORIZATION; RESET ALL; SET statement_timeout = 0; SET lock_timeout = ${Math.max(0, Math.floor(lockTimeoutSeconds)) * 1000}`,
  );
}

/** The slot recorded on the database, recording `slot` first where none is and `record` allows (under the migration lock). */
async function keptSlot(client: pg.ClientBase, slot: number, record: boolean): Promise<number> {
  if (record) await recordSlot(client, slot, { replace: false });
  return (await readStoredSlot(client)) ?? slot;
}

/**
 * Applies `files` not yet in schema_migrations, each in its own transaction, stopping at the first
 * failure (later files may depend on it). Holds the migration lock for the whole run and checks what is
 * applied under it, so two runners never apply one version twice.
 */
export async function migrateDatabase(
  client: pg.ClientBase,
  files: readonly MigrationFile[],
  options: MigrateDatabaseOptions,
): Promise<DatabaseMigrationOutcome> {
  await acquireMigrationLock(client, options.database, options.lock);
  try {
    await startFromRunSettings(client, options.lockTimeoutSeconds);
    const ledgerSchema = await ensureLedger(client);
    const { applied: alreadyApplied } = await readLedger(client);
    const pending = files.filter((f) => !alreadyApplied.has(f.version));
    const slot = pending.length > 0 && options.sequenceSlot ? await keptSlot(client, options.sequenceSlot, options.recordSlot ?? true) : 0;
    const applied: string[] = [];
    const stoppedBefore = (index: number): DatabaseMigrationOutcome => ({ applied, failed: null, pending: versionsFrom(pending, index), stopped: true });
    for (const [index, file] of pending.entries()) {
      // A safe point: every migration before this one committed whole (each runs in its own transaction).
      if (options.signal?.aborted) return stoppedBefore(index);
      options.onStep?.({ version: file.version, phase: 'start' });
      try {
        // What the file before set for the session (search_path, a role) ended with it.
        if (index > 0) await startFromRunSettings(client, options.lockTimeoutSeconds);
        await client.query('BEGIN');
        const sequencesBefore = slot ? await sequenceOids(client) : null;
        await client.query(file.sql);
        if (sequencesBefore) await placeNewSequences(client, sequencesBefore, slot);
        // In the file's transaction, as the user who logged in (a file may SET ROLE to the application's
        // owner so its tables are that role's) and by the ledger's schema (whatever search_path it set).
        await client.query('RESET ROLE');
        await recordApplied(client, file, ledgerSchema);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        // Cancelled on request: rolled back, still pending, not a failure of the migration.
        if (options.signal?.aborted) return stoppedBefore(index);
        // A lost connection says nothing about the migration: let the caller report the database as unreachable.
        if (!isStatementFailure(error)) throw error;
        const message = describePgError(error, options.lockTimeoutSeconds, file.sql);
        await recordFailure(client, file, message).catch(() => undefined);
        options.onStep?.({ version: file.version, phase: 'failed' });
        return { applied, failed: { version: file.version, error: message }, pending: versionsFrom(pending, index) };
      }
      applied.push(file.version);
      options.onStep?.({ version: file.version, phase: 'applied' });
    }
    return { applied, failed: null, pending: [] };
  } finally {
    await client.query('RESET statement_timeout; RESET lock_timeout').catch(() => undefined);
    await releaseMigrationLock(client).catch(() => undefined);
  }
}
