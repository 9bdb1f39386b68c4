import { userInfo, hostname } from 'node:os';
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

/**
 * Records an action on the primary before it runs and its outcome after: the audit trail survives a
 * crash in between (the entry stays `started`). On a read-only profile nothing is written: the action
 * runs unrecorded (only reads get that far there). A failure to record the outcome of an action that
 * succeeded leaves its row `started` and still returns the result: the action's truth comes first.
 */
export async function audited<T>(primary: AuditPrimary, entry: { action: string; target?: string; details?: Record<string, unknown> }, run: () => Promise<T>): Promise<T> {
  const current = typeof primary === 'function' ? primary : () => primary;
  if (isReadOnlyDatabase(current())) return run();
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
  await current()
    .query(`UPDATE shard_console.audit_log SET outcome = 'succeeded', finished_at = now() WHERE id = $1`, [id])
    .catch(() => {});
  return result;
}
