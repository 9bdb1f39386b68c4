import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { userInfo, hostname } from 'node:os';
import path from 'node:path';
import { ConsoleError } from '../../../shared/errors.ts';
import { userDataDir } from '../user-data-dir.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { isReadOnlyDatabase } from '../read-only-guard.ts';
import { runQuery } from '../catalog/run-query.ts';
import { consoleDb, consoleTables } from './console-database.ts';
import { ensureConsoleSchema } from './ensure-console-schema.ts';

/** Who is acting: OS user @ host, so the audit log says which operator's console did it. */
export function currentActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return `${user}@${hostname()}`;
}

/**
 * The primary to write the audit row to: a handle, or a getter for actions that reopen the console's
 * pools (adding a shard), whose outcome must be written through the pools open when they finish.
 */
export type AuditPrimary = DatabaseHandle | (() => DatabaseHandle);

export interface AuditEntry {
  readonly action: string;
  readonly target?: string;
  readonly details?: Record<string, unknown>;
}

export interface AuditOptions<T> {
  /** Details known only at the end (a query's rows and times per database), merged into the entry's. */
  readonly resultDetails?: (result: T) => Record<string, unknown>;
  /** The failure's text as it is recorded (a query's error quotes its statement: secrets cut out). */
  readonly errorText?: (text: string) => string;
}

type Outcome = { outcome: 'succeeded' | 'failed'; error?: string; details?: Record<string, unknown> };
type LocalOutcome = Outcome | { outcome: 'started'; error?: undefined; details?: undefined };

function errorText(error: unknown): string {
  return String((error as Error)?.message ?? error);
}

/** Where a read-only console keeps its audit trail: the user's data folder, one JSON line per action. */
export function localAuditFile(): string {
  return path.join(userDataDir(), 'audit.jsonl');
}

/** One line of the local trail; the `started` line and its outcome's share an id. */
async function appendLocalAudit(handle: DatabaseHandle, entry: AuditEntry, id: string, outcome: LocalOutcome): Promise<void> {
  const line = {
    id,
    at: new Date().toISOString(),
    actor: currentActor(),
    database: `${handle.target.host}:${handle.target.port}/${handle.target.database}`,
    action: entry.action,
    target: entry.target ?? null,
    details: { ...entry.details, ...outcome.details },
    outcome: outcome.outcome,
    ...(outcome.error ? { error: outcome.error } : {}),
  };
  await mkdir(path.dirname(localAuditFile()), { recursive: true, mode: 0o700 });
  await appendFile(localAuditFile(), `${JSON.stringify(line)}\n`, { mode: 0o600 });
}

/**
 * Records an action on the primary before it runs and its outcome after: the audit trail survives a
 * crash in between (the entry stays `started`). A read-only profile writes nothing to the cluster: its
 * actions (reads only get that far) go to a local audit file in the user's data folder instead. A
 * failure to record the outcome of an action that succeeded leaves its row `started` and still returns
 * the result: the action's truth comes first.
 */
export async function audited<T>(primary: AuditPrimary, entry: AuditEntry, run: () => Promise<T>, options: AuditOptions<T> = {}): Promise<T> {
  const current = typeof primary === 'function' ? primary : () => primary;
  if (isReadOnlyDatabase(current())) return auditedLocally(current(), entry, run, options);
  await ensureConsoleSchema(current());
  const id = await insertStartedEntry(current(), entry);
  let result: T;
  try {
    result = await run();
  } catch (error) {
    await recordOutcome(current(), id, { outcome: 'failed', error: (options.errorText ?? String)(errorText(error)) }).catch(() => {});
    throw error;
  }
  await recordOutcome(current(), id, { outcome: 'succeeded', details: options.resultDetails?.(result) ?? {} }).catch(() => {});
  return result;
}

async function insertStartedEntry(primary: DatabaseHandle, entry: AuditEntry): Promise<string> {
  const insert = consoleTables
    .insertInto('shard_console.audit_log')
    .values({ actor: currentActor(), action: entry.action, target: entry.target ?? null, details: JSON.stringify(entry.details ?? {}) })
    .returning('id');
  return (await runQuery(primary, insert))[0]!.id;
}

/** A failure keeps the entry's details; a success merges the details known only at the end into them. */
async function recordOutcome(primary: DatabaseHandle, id: string, outcome: Outcome): Promise<void> {
  const update = consoleTables
    .updateTable('shard_console.audit_log')
    .set((eb) =>
      outcome.outcome === 'failed'
        ? { outcome: 'failed', finished_at: eb.fn('now'), error: outcome.error ?? null }
        : { outcome: 'succeeded', finished_at: eb.fn('now'), details: sql<string>`${eb.ref('details')} || ${JSON.stringify(outcome.details)}::jsonb` },
    )
    .where('id', '=', id);
  // Through Kysely's own driver, not the handle's cancellable query: the outcome of an action its caller
  // stopped is written after the call's signal aborted, which that query would refuse to send.
  await consoleDb(primary).executeQuery(update.compile());
}

/**
 * A read-only console's trail, as the cluster's: a `started` line before the action runs (an action
 * that cannot be recorded is not run, as on the cluster), its outcome after. The outcome's own failure
 * leaves the `started` line alone and the result returned.
 */
async function auditedLocally<T>(handle: DatabaseHandle, entry: AuditEntry, run: () => Promise<T>, options: AuditOptions<T>): Promise<T> {
  const id = randomUUID();
  try {
    await appendLocalAudit(handle, entry, id, { outcome: 'started' });
  } catch (error) {
    throw new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `This read-only console keeps its audit trail in ${localAuditFile()}, which cannot be written (${errorText(error)}), so ${entry.action} was not run. Make that folder writable, or set SHARD_CONSOLE_DATA_DIR to a folder that is.`,
      { target: localAuditFile(), details: { action: entry.action } },
    );
  }
  let result: T;
  try {
    result = await run();
  } catch (error) {
    await appendLocalAudit(handle, entry, id, { outcome: 'failed', error: (options.errorText ?? String)(errorText(error)) }).catch(() => {});
    throw error;
  }
  const details = options.resultDetails ? { details: options.resultDetails(result) } : {};
  await appendLocalAudit(handle, entry, id, { outcome: 'succeeded', ...details }).catch(() => {});
  return result;
}
