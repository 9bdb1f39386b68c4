import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MigrationSet } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { listMigrations } from './migration-files.ts';

/** `YYYYMMDDHHMMSS` in UTC, as Rails stamps its migrations. */
export function migrationTimestamp(at: Date): string {
  return at.toISOString().replace(/\D/g, '').slice(0, 14);
}

function fileHeader(set: MigrationSet, name: string): string {
  const where = set === 'tenant' ? 'the primary and every shard, from this one file' : 'the primary only';
  const advice = '-- Write plain PostgreSQL; keep tenant tables keyed by website_id (or reachable from a table that is).';
  return `-- ${name}: runs on ${where}, in one transaction.\n${advice}\n\n`;
}

/**
 * `shard-console migration new NAME --tenant|--global`: an empty, timestamped file in the set's folder.
 * The version is one second past the newest existing one when the clock is behind it, so order holds.
 */
export async function createMigrationFile(dir: string, set: MigrationSet, rawName: string, now: Date = new Date()): Promise<{ file: string; version: string }> {
  const name = rawName
    .trim()
    .replace(/[\s-]+/g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
  if (!/^[a-z0-9_]+$/.test(name) || name.length > 200) {
    throw new ConsoleError('INVALID_PARAMS', `"${rawName}" is not a usable migration name: use letters, digits and underscores, e.g. add_color_to_pwb_pages.`);
  }
  const existing = await listMigrations(dir);
  // Rails refuses a second migration of a name too: two files doing "the same" thing confuse whoever reads the list.
  const same = existing.find((m) => m.name === name);
  if (same) {
    throw new ConsoleError(
      'INVALID_PARAMS',
      `A migration named ${name} exists already (${same.file}). Pick another name, or edit that file if it has not run anywhere yet.`,
      { target: same.file },
    );
  }
  let version = migrationTimestamp(now);
  const newest = existing.at(-1)?.version;
  if (newest !== undefined && version <= newest) version = (BigInt(newest) + 1n).toString();
  const folder = path.join(dir, set);
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `${version}_${name}.sql`);
  await writeFile(file, fileHeader(set, name), { flag: 'wx' });
  return { file, version };
}
