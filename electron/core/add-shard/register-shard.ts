import { readFile } from 'node:fs/promises';
import { ConsoleError } from '../../../shared/errors.ts';
import { checkProfileFile } from '../config/check-profile-file.ts';
import type { ProfileFile } from '../config/profile-schema.ts';
import { writeProfile } from '../config/write-profile.ts';

/**
 * The profile file as written (with its `${VAR}` references, not resolved values), ready to take a new
 * shard. Only a JSON profile can: a database.yml belongs to the Rails app and is not ours to rewrite.
 */
export async function readProfileForUpdate(file: string): Promise<ProfileFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConsoleError('CONFIG_NOT_FOUND', `Cannot read the profile ${file} to add the shard to it: ${(error as Error).message}.`, {
      target: file,
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConsoleError(
      'CONFIG_INVALID',
      `${file} is not a JSON profile (a Rails database.yml?), so the console cannot register a shard in it. Use a JSON profile (it may import database.yml with "rails"), or add the shard to database.yml yourself.`,
      { target: file },
    );
  }
  return checkProfileFile(raw, file);
}

/** Adds `shards.<name> = { url }` to the profile file, atomically, the URL kept exactly as given. */
export async function registerShard(file: string, name: string, url: string): Promise<void> {
  const profile = await readProfileForUpdate(file);
  if (profile.shards?.[name] !== undefined) {
    throw new ConsoleError('SHARD_EXISTS', `${file} already has a shard named ${name}. Pick another name.`, { target: name });
  }
  await writeProfile(file, { ...profile, shards: { ...profile.shards, [name]: { url } } });
}
