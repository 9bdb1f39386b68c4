import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';

/*
 * A deliberately small runner: it exists so the demo and the tests can build PWB-shaped databases.
 * It stores versions in Rails' own `schema_migrations` table, so a database it built looks like one
 * Rails built, and Rails-built databases are recognised as migrated.
 */

export type MigrationSet = 'global' | 'tenant';

export interface ApplyMigrationsOptions {
  set: MigrationSet;
  /** The folder holding `global/` and `tenant/`. */
  dir?: string;
}

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations', import.meta.url));

const FILE_NAME = /^(\d{14})_[A-Za-z0-9_]+\.sql$/;
// One fixed key for every runner, so two consoles migrating the same database take turns.
const ADVISORY_LOCK_KEY = 7_318_820_411_050_001n;

export interface MigrationFile {
  version: string;
  file: string;
}

/** Lists a set's files in version order; rejects names that are not `YYYYMMDDHHMMSS_name.sql`. */
export async function listMigrationFiles(set: MigrationSet, dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const folder = path.join(dir, set);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (cause) {
    throw new ConsoleError('CONFIG_NOT_FOUND', `Migration folder ${folder} cannot be read.`, { target: folder, cause });
  }
  const files: MigrationFile[] = [];
  const seen = new Map<string, string>();
  for (const name of names.filter((n) => n.endsWith('.sql'))) {
    const match = FILE_NAME.exec(name);
    if (!match?.[1]) {
      throw new ConsoleError('CONFIG_INVALID', `Migration file ${name} is not named YYYYMMDDHHMMSS_description.sql.`, { target: path.join(folder, name) });
    }
    const version = match[1];
    const other = seen.get(version);
    if (other !== undefined) {
      throw new ConsoleError('CONFIG_INVALID', `Migrations ${other} and ${name} share version ${version}.`, { target: folder });
    }
    seen.set(version, name);
    files.push({ version, file: path.join(folder, name) });
  }
  return files.sort((a, b) => a.version.localeCompare(b.version));
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
  await inTransaction(client, async () => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_KEY.toString()]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version character varying NOT NULL PRIMARY KEY)');
  });
  const applied: string[] = [];
  for (const migration of files) {
    const ran = await inTransaction(client, async () => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_KEY.toString()]);
      // Checked under the lock: another runner may have applied it while we waited.
      const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (done.rowCount) return false;
      const sql = await readFile(migration.file, 'utf8');
      try {
        await client.query(sql);
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new ConsoleError('DATABASE_ERROR', `Migration ${path.basename(migration.file)} failed: ${reason}`, {
          target: migration.file,
          cause,
        });
      }
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [migration.version]);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}

async function inTransaction<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
