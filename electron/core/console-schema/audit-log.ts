import { appendFile, mkdir } from 'node:fs/promises';
import { userInfo, hostname } from 'node:os';
import path from 'node:path';
import { userDataDir } from '../user-data-dir.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { isReadOnlyDatabase } from '../read-only-guard.ts';
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
  readonly finish?: (result: T) => Record<string, unknown>;
}

/** Where a read-only console keeps its audit trail: the user's data folder, one JSON line per action. */
export function localAuditFile(): string {
  return path.join(userDataDir(), 'audit.jsonl');
}

async function appendLocalAudit(handle: DatabaseHandle, entry: AuditEntry, outcome: { outcome: 'succeeded' | 'failed'; error?: string; details?: Record<string, unknown> }): Promise<void> {
  const line = {
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
  const inserted = await current().query<{ id: string }>(
    `INSERT INTO shard_console.audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4) RETURNING id`,
    [currentActor(), entry.action, entry.target ?? null, JSON.stringify(entry.details ?? {})],
  );
  const id = inserted.rows[0]!.id;
  let result: T;
  try {
    result = await run();
  } catch (error) {
    await current()
      .query(`UPDATE shard_console.audit_log SET outcome = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [id, String((error as Error)?.message ?? error)])
      .catch(() => {});
    throw error;
  }
  const finished = options.finish ? JSON.stringify(options.finish(result)) : '{}';
  await current()
    .query(`UPDATE shard_console.audit_log SET outcome = 'succeeded', finished_at = now(), details = details || $2::jsonb WHERE id = $1`, [id, finished])
    .catch(() => {});
  return result;
}

async function auditedLocally<T>(handle: DatabaseHandle, entry: AuditEntry, run: () => Promise<T>, options: AuditOptions<T>): Promise<T> {
  let result: T;
  try {
    result = await run();
  } catch (error) {
    await appendLocalAudit(handle, entry, { outcome: 'failed', error: String((error as Error)?.message ?? error) }).catch(() => {});
    throw error;
  }
  await appendLocalAudit(handle, entry, { outcome: 'succeeded', ...(options.finish ? { details: options.finish(result) } : {}) }).catch(() => {});
  return result;
}
