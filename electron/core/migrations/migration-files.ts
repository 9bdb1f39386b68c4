import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MigrationSet } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { MIGRATIONS_DIR } from '../app-paths.ts';
import { stringContinuation, tokenizeSql } from '../backups/archive/sql-tokens.ts';
import { refusedMigrationStatement } from './migration-statements.ts';

/** The PWB schema that ships with the console: `global/` (primary only) and `tenant/` (primary and every shard). */
export const DEFAULT_MIGRATIONS_DIR = MIGRATIONS_DIR;

export const MIGRATION_SETS: readonly MigrationSet[] = Object.freeze(['global', 'tenant']);

const FILE_NAME = /^(\d{14})_([A-Za-z0-9_]+)\.sql$/;

/** One migration file, read once: the engine runs exactly the text it checksummed. */
export interface MigrationFile {
  readonly version: string;
  readonly name: string;
  readonly set: MigrationSet;
  readonly file: string;
  readonly sql: string;
  /**
   * sha256 of the file's text with its line ends as LF, kept beside the version on every database it
   * ran on: a checkout that turns LF into CRLF (Git on Windows) is the same file.
   */
  readonly checksum: string;
  /**
   * What consoles before the LF rule may have recorded for the same file: sha256 of its bytes as they are
   * here, and of its text with CRLF line ends (a Windows checkout's, recorded there, read here from LF).
   */
  readonly rawChecksum: string;
  readonly crlfChecksum: string;
}

export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

/** Whether a checksum a database recorded is this file's (as it is now, or as a console recorded it before the LF rule). */
export function sameMigrationText(recorded: string, file: Pick<MigrationFile, 'checksum' | 'rawChecksum' | 'crlfChecksum'>): boolean {
  return recorded === file.checksum || recorded === file.rawChecksum || recorded === file.crlfChecksum;
}

/** One name for a folder's migrations as they stand: any file added, removed, renamed or edited changes it. */
export function migrationFilesDigest(files: readonly MigrationFile[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.set}/${f.version}_${f.name} ${f.checksum}\n`);
  return hash.digest('hex');
}

/** Refuses a run whose files are not those of the plan the operator reviewed (`planDigest` from migrations.plan). */
export function assertPlanCurrent(files: readonly MigrationFile[], planDigest: string | undefined, dir: string): void {
  if (planDigest === undefined || migrationFilesDigest(files) === planDigest) return;
  const message = `The migration files in ${dir} changed since the plan was read (a file added, edited or removed): nothing was run. Read the plan again and review what it would run now.`;
  throw new ConsoleError('PLAN_CHANGED', message, { target: dir });
}

/** One set's files in version order; rejects names that are not `YYYYMMDDHHMMSS_name.sql`. */
export async function listMigrationSet(dir: string, set: MigrationSet): Promise<MigrationFile[]> {
  const folder = path.join(dir, set);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    const message = `Migration folder ${folder} cannot be read: ${(cause as Error).message}. Check "migrationsDir" in the profile.`;
    throw new ConsoleError('CONFIG_NOT_FOUND', message, { target: folder, cause });
  }
  const files: MigrationFile[] = [];
  for (const name of names.filter((n) => n.endsWith('.sql')).sort()) {
    const match = FILE_NAME.exec(name);
    if (!match?.[1] || !match[2]) {
      const message = `Migration file ${name} is not named YYYYMMDDHHMMSS_description.sql. Rename it (shard-console migration new NAME creates one).`;
      throw new ConsoleError('CONFIG_INVALID', message, { target: path.join(folder, name) });
    }
    const file = path.join(folder, name);
    const sql = await readFile(file, 'utf8');
    assertRunnable(file, sql);
    const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    const crlfChecksum = sha256(sql.replace(/\r\n/g, '\n').replace(/\n/g, '\r\n'));
    files.push(Object.freeze({ version: match[1], name: match[2], set, file, sql, checksum: migrationChecksum(sql), rawChecksum: sha256(sql), crlfChecksum }));
  }
  return files;
}

/** A file whose SQL cannot run in the transaction the console runs it in (see migration-statements.ts), refused before any database is touched. */
function assertRunnable(file: string, sql: string): void {
  const refused = refusedMigrationStatement(sql);
  if (refused === null) return;
  const message =
    refused.kind === 'transaction'
      ? `Migration ${file} holds ${refused.statement}: the console runs each file in a transaction of its own, recording its version in the same one, so the file's own transaction statements would commit half of it apart from that record. Remove them from the file.`
      : `Migration ${file} holds ${refused.statement}, which PostgreSQL runs only outside a transaction block, and the console runs each file in one (with the row recording it). Run that statement by hand on each database, and remove it from the file.`;
  throw new ConsoleError('CONFIG_INVALID', message, { target: file, details: { statement: refused.statement } });
}

/**
 * Refuses to run a file that holds no statement yet (`migration new` writes only comments): applied, it
 * would be recorded as run on every database, and the SQL written into it afterwards would never run.
 */
export function assertHoldsStatements(files: readonly MigrationFile[]): void {
  const empty = files.filter((f) => tokenizeSql(f.sql).every((t) => t.kind === 'punct' && t.value === ';'));
  if (empty.length === 0) return;
  const names = empty.map((f) => f.file).join(', ');
  throw new ConsoleError(
    'CONFIG_INVALID',
    `Nothing was run: ${names} ${empty.length === 1 ? 'holds' : 'hold'} no SQL statement yet, and would be recorded as run with nothing in it. Write the migration's SQL first, or delete the file.`,
    { target: empty[0]!.file, details: { files: empty.map((f) => f.file) } },
  );
}

/**
 * Refuses to run a file that PostgreSQL servers of different versions read differently: a vertical tab
 * between a string and the quote that may continue it (whitespace to PostgreSQL 16 and later only, so
 * one server reads one string where another reads two, and a statement between them).
 */
export function assertReadAlikeEverywhere(files: readonly MigrationFile[]): void {
  const differ = files.filter((f) =>
    tokenizeSql(f.sql).some((t) => t.kind === 'string' && t.value.endsWith("'") && stringContinuation(f.sql, t.end) === 'vertical-tab'),
  );
  if (differ.length === 0) return;
  throw new ConsoleError(
    'CONFIG_INVALID',
    `Nothing was run: ${differ.map((f) => f.file).join(', ')} ${differ.length === 1 ? 'has' : 'have'} a vertical tab after a string, which PostgreSQL 16 and later read as whitespace and older servers do not, so the file could run differently on each database. Remove it.`,
    { target: differ[0]!.file },
  );
}

/**
 * Both sets, in version order. A version may appear once across both sets: the databases record bare
 * versions in one `schema_migrations`, so a clash would make one file look applied when the other ran.
 */
export async function listMigrations(dir: string): Promise<MigrationFile[]> {
  const all = (await Promise.all(MIGRATION_SETS.map((set) => listMigrationSet(dir, set)))).flat();
  const seen = new Map<string, MigrationFile>();
  for (const file of all) {
    const other = seen.get(file.version);
    if (other) {
      const message = `Migrations ${other.file} and ${file.file} share version ${file.version}. Give one of them a new timestamp.`;
      throw new ConsoleError('CONFIG_INVALID', message, { target: dir });
    }
    seen.set(file.version, file);
  }
  return all.sort((a, b) => a.version.localeCompare(b.version));
}

/** The files a database runs: the primary runs both sets, a shard the tenant set only. */
export function migrationsFor(role: 'primary' | 'shard', files: readonly MigrationFile[]): MigrationFile[] {
  return files.filter((f) => role === 'primary' || f.set === 'tenant');
}
