import { userInfo, hostname } from 'node:os';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
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
 * Records an action on the primary before it runs and its outcome after: the audit trail survives a
 * crash in between (the entry stays `started`).
 */
export async function audited<T>(primary: DatabaseHandle, entry: { action: string; target?: string; details?: Record<string, unknown> }, run: () => Promise<T>): Promise<T> {
  await ensureConsoleSchema(primary);
  const inserted = await primary.query<{ id: string }>(
    `INSERT INTO shard_console.audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4) RETURNING id`,
    [currentActor(), entry.action, entry.target ?? null, JSON.stringify(entry.details ?? {})],
  );
  const id = inserted.rows[0]!.id;
  try {
    const result = await run();
    await primary.query(`UPDATE shard_console.audit_log SET outcome = 'succeeded', finished_at = now() WHERE id = $1`, [id]);
    return result;
  } catch (error) {
    await primary
      .query(`UPDATE shard_console.audit_log SET outcome = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [id, String((error as Error)?.message ?? error)])
      .catch(() => {});
    throw error;
  }
}
