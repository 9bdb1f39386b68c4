import path from 'node:path';
import pg from 'pg';
import type { MigrationSet } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { DEFAULT_MIGRATIONS_DIR, listMigrations, listMigrationSet, type MigrationFile } from './migration-files.ts';
import { migrateDatabase } from './migrate-database.ts';

/*
 * The migration engine for callers that have a pool, a client or a URL but no console yet: the demo
 * and the test harness build PWB-shaped databases with it. It is a thin entry to the same engine the
 * console runs (migrate-database.ts), and waits for the lock instead of refusing.
 */

/**
 * How a database is built. The primary runs every migration, global and tenant, in version order (the
 * foreign keys into the control plane need both). A tenant shard runs the tenant set only, PWB's
 * documented layout. A `schema:load` shard was built from the whole schema.rb: every table and every
 * foreign key, the global tables holding at most the rows its own websites reference.
 */
export type DatabaseLayout = 'primary' | 'tenant-shard' | 'schema-load-shard';

export interface ApplyMigrationsOptions {
  layout: DatabaseLayout;
  /** The folder holding `global/` and `tenant/`. */
  dir?: string;
}

/** Lists a set's files in version order; rejects names that are not `YYYYMMDDHHMMSS_name.sql`. */
export function listMigrationFiles(set: MigrationSet, dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  return listMigrationSet(dir, set);
}

/** The files a database of this layout runs, in version order. */
export async function migrationFilesFor(layout: DatabaseLayout, dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  return layout === 'tenant-shard' ? listMigrationSet(dir, 'tenant') : listMigrations(dir);
}

/** Applies the layout's pending files, each in its own transaction; returns the versions it applied. */
export async function applyMigrations(target: pg.ClientBase | pg.Pool | string, options: ApplyMigrationsOptions): Promise<string[]> {
  const files = await migrationFilesFor(options.layout, options.dir);
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
