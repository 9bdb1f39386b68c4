import { ConsoleError } from '../../../shared/errors.ts';
import { serverKey } from '../config/assert-database-set.ts';
import { buildDatabaseTarget } from '../config/build-database-target.ts';
import type { Environment } from '../config/expand-variables.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { resolveConnectionEntry, withUrlSslDefault } from '../config/resolve-connection-entry.ts';
import { envSecretReader } from '../config/secret-store.ts';
import { urlHoldsClearPassword } from '../config/url-password.ts';

/**
 * The new shard's connection from `--url`, exactly as it will be written to the profile: a password
 * may only be a `${VAR}` reference, because the URL goes into the profile file verbatim.
 */
export async function shardTargetFromUrl(name: string, url: string, profileFile: string, env: Environment): Promise<DatabaseTarget> {
  // From a shell, an unquoted ${VAR} is expanded before the console sees it: the password arrives in
  // clear, or (unset) as nothing at all (`USER:@HOST`). Either way the fix is the same quotes.
  const quoting = `Put the password in an environment variable and write it as \${VAR} in single quotes, so the shell passes it as written: --url 'postgres://USER:\${PGPASSWORD_SHARD}@HOST:PORT/DATABASE'.`;
  if (urlHoldsClearPassword(url)) {
    throw new ConsoleError('CONFIG_INVALID', `The URL for ${name} holds a password in clear, and it would be written to ${profileFile}. ${quoting}`, {
      target: name,
    });
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@]*:@/.test(url)) {
    throw new ConsoleError(
      'CONFIG_INVALID',
      `The URL for ${name} has an empty password (USER:@HOST): a shell expands an unquoted \${VAR} that is not set to nothing. ${quoting}`,
      {
        target: name,
      },
    );
  }
  const entry = `shards.${name}`;
  const parts = withUrlSslDefault(await resolveConnectionEntry({ url }, { file: profileFile, entry, env, secrets: envSecretReader(env) }), { url });
  // Not in the profile yet: what to fix is the --url (or the variables it names), not an entry of the file.
  const origin = `the --url given for ${name} (to be written to ${profileFile} as ${entry})`;
  return buildDatabaseTarget(parts, { name, origin, file: profileFile, entry }, env);
}

/** Host, port and database as spelled, in one spelling: the first test of "the same database" (the server's identity is the second). */
export const databaseKey = serverKey;
