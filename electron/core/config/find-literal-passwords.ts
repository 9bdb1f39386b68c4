import { BARE_REFERENCE } from './expand-variables.ts';
import type { ConnectionEntry, ProfileFile } from './profile-schema.ts';
import { urlHoldsClearPassword } from './url-password.ts';

function literalPasswordsIn(entry: ConnectionEntry, path: string): string[] {
  const found: string[] = [];
  if (entry.password !== undefined && !BARE_REFERENCE.test(entry.password)) found.push(`${path}.password`);
  if (entry.url !== undefined && urlHoldsClearPassword(entry.url)) found.push(`${path}.url`);
  return found;
}

/**
 * Entries that hold a password in clear, e.g. `shards.shard_1.password` or `primary.url`. Profile files
 * get copied, synced and pasted into tickets, so the only password they may hold is a `${VAR}` reference.
 */
export function findLiteralPasswords(profile: ProfileFile): string[] {
  const found = profile.primary === undefined ? [] : literalPasswordsIn(profile.primary, 'primary');
  for (const [name, entry] of Object.entries(profile.shards ?? {})) found.push(...literalPasswordsIn(entry, `shards.${name}`));
  if (profile.queryRole !== undefined) found.push(...literalPasswordsIn(profile.queryRole, 'queryRole'));
  return found;
}
