import path from 'node:path';
import pg from 'pg';
import type { MigrationSet } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { DEFAULT_MIGRATIONS_DIR, listMigrationSet, type MigrationFile } from '../migrations/migration-files.ts';
import { migrateDatabase } from '../migrations/migrate-database.ts';

/*
 * The migration engine for callers that have a pool, a client or a URL but no console yet: the demo
 * and the test harness build PWB-shaped databases with it. It is a thin entry to the same engine the
 * console runs (`migrations/migrate-database.ts`), and waits for the lock instead of refusing.
 */

export type { MigrationFile, MigrationSet };
export { DEFAULT_MIGRATIONS_DIR };

export interface ApplyMigrationsOptions {
  set: MigrationSet;
  /** The folder holding `global/` and `tenant/`. */
  dir?: string;
}

/** Lists a set's files in version order; rejects names that are not `YYYYMMDDHHMMSS_name.sql`. */
export function listMigrationFiles(set: MigrationSet, dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  return listMigrationSet(dir, set);
}

/** Applies the set's pending files, each in its own transaction; returns the versions it applied. */
export async function applyMigrations(target: pg.ClientBase | pg.Pool | string, options: ApplyMigrationsOptions): Promise<string[]> {
  const files = await listMigrationFiles(options.set, options.dir);
  if (typeof target === 'string') {
    const client = new pg.Client({ connectionString: target });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await applyFiles(client, files);
    } finally {
      await client.end();
    }
  }
  if (target instanceof pg.Pool) {
    const client = await target.connect();
    try {
      return await applyFiles(client, files);
    } finally {
      client.release();
    }
  }
  return applyFiles(target, files);
}

async function applyFiles(client: pg.ClientBase, files: MigrationFile[]): Promise<string[]> {
  const outcome = await migrateDatabase(client, files, { database: 'this database', lock: 'wait' });
  if (outcome.failed) {
    const file = files.find((f) => f.version === outcome.failed!.version);
    throw new ConsoleError('MIGRATION_FAILED', `Migration ${file ? path.basename(file.file) : outcome.failed.version} failed: ${outcome.failed.error}`, {
      target: file?.file ?? outcome.failed.version,
    });
  }
  return outcome.applied;
}
