import { ConsoleError } from '../../../shared/errors.ts';
import { buildDatabaseTarget } from '../config/build-database-target.ts';
import { BARE_REFERENCE, type Environment } from '../config/expand-variables.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { resolveConnectionEntry } from '../config/resolve-connection-entry.ts';
import { envSecretReader } from '../config/secret-store.ts';
import { locateUrlPassword } from '../config/url-password.ts';

/**
 * The new shard's connection from `--url`, exactly as it will be written to the profile: a password
 * may only be a `${VAR}` reference, because the URL goes into the profile file verbatim.
 */
export async function shardTargetFromUrl(name: string, url: string, profileFile: string, env: Environment): Promise<DatabaseTarget> {
  const inUserInfo = locateUrlPassword(url);
  const inQuery = /[?&]password=([^&#]*)/.exec(url)?.[1];
  if ((inUserInfo !== undefined && !BARE_REFERENCE.test(inUserInfo.text)) || (inQuery !== undefined && !BARE_REFERENCE.test(inQuery))) {
    throw new ConsoleError(
      'CONFIG_INVALID',
      `The URL for ${name} holds a password in clear, and it would be written to ${profileFile}. Put the password in an environment variable and write it as \${VAR}: postgres://USER:\${PGPASSWORD_SHARD}@HOST:PORT/DATABASE.`,
      { target: name },
    );
  }
  const entry = `shards.${name}`;
  const parts = await resolveConnectionEntry({ url }, { file: profileFile, entry, env, secrets: envSecretReader(env) });
  return buildDatabaseTarget(parts, { name, origin: `${profileFile}: ${entry}`, file: profileFile, entry }, env);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

/** Host, port and database, with the loopback spellings made equal: how "the same database" is decided. */
export function databaseKey(target: Pick<DatabaseTarget, 'host' | 'port' | 'database'>): string {
  const host = target.host.toLowerCase();
  return `${LOOPBACK.has(host) ? 'localhost' : host}:${target.port}/${target.database}`;
}
