import { ConsoleError } from '../../../shared/errors.ts';
import { PRIMARY_SHARD_NAME } from './build-database-target.ts';
import { canonicalHost } from './canonical-host.ts';
import type { DatabaseTarget } from './profile-schema.ts';

/** Host, port and database, the host in one spelling: two spellings of one database must compare equal. */
export function serverKey(target: Pick<DatabaseTarget, 'host' | 'port' | 'database'>): string {
  return `${canonicalHost(target.host)}:${target.port}/${target.database}`;
}

function invalid(file: string, message: string, details: Record<string, unknown>): ConsoleError {
  return new ConsoleError('CONFIG_INVALID', `${file}: ${message}`, { target: file, details });
}

/**
 * A cluster the console can reason about: one primary, unique shard names, and no database listed twice.
 * A database listed under two names would make every tenant on it appear twice and let a "move"
 * delete the rows it just copied.
 */
export function assertDatabaseSet(databases: readonly DatabaseTarget[], file: string): void {
  const byName = new Map<string, DatabaseTarget>();
  const byServer = new Map<string, DatabaseTarget>();
  for (const target of databases) {
    const sameName = byName.get(target.name);
    if (sameName !== undefined) {
      throw invalid(file, `${sameName.origin} and ${target.origin} are both named "${target.name}". Give each database its own shard name.`, {
        name: target.name,
      });
    }
    byName.set(target.name, target);
    const key = serverKey(target);
    const sameServer = byServer.get(key);
    if (sameServer !== undefined) {
      throw invalid(
        file,
        `${sameServer.origin} and ${target.origin} both point at ${key}. Each shard must be a database of its own: remove one of them, or point it at its own database.`,
        { database: key, names: [sameServer.name, target.name] },
      );
    }
    byServer.set(key, target);
  }
  if (!byName.has(PRIMARY_SHARD_NAME)) {
    throw invalid(file, `no primary database. Give "primary" (the database holding pwb_websites), or a Rails "primary" entry.`, { names: [...byName.keys()] });
  }
}
