import { ConsoleError } from '../../../shared/errors.ts';
import { BARE_REFERENCE, expandVariables, type Environment } from './expand-variables.ts';
import { parsePort, parsePostgresUrl, type ConnectionParts } from './postgres-url.ts';
import type { ConnectionEntry } from './profile-schema.ts';
import { openSecret } from './secret-binding.ts';
import { secretEnvName, type SecretReader } from './secret-store.ts';
import { locateUrlPassword } from './url-password.ts';

export interface EntryContext {
  readonly file: string;
  /** `primary` or `shards.shard_1`. */
  readonly entry: string;
  readonly env: Environment;
  readonly secrets: SecretReader;
}

function resolveUrl(url: string, context: EntryContext): ConnectionParts {
  const where = { file: context.file, entry: `${context.entry}.url` };
  const password = locateUrlPassword(url);
  if (password === undefined || !BARE_REFERENCE.test(password.text)) {
    return parsePostgresUrl(expandVariables(url, context.env, where), where);
  }
  // The password is put in after parsing: a real password may contain @, / or #, which would break the URL.
  const withoutPassword = `${url.slice(0, password.start)}x${url.slice(password.end)}`;
  const parts = parsePostgresUrl(expandVariables(withoutPassword, context.env, where), where);
  return { ...parts, password: expandVariables(password.text, context.env, where) };
}

/** One `primary`/`shards.*` entry with its variables and secret resolved; explicit fields win over its url. */
export async function resolveConnectionEntry(entry: ConnectionEntry, context: EntryContext): Promise<ConnectionParts> {
  const expand = (key: string, value: string): string => expandVariables(value, context.env, { file: context.file, entry: `${context.entry}.${key}` });
  const parts: ConnectionParts = entry.url === undefined ? {} : resolveUrl(entry.url, context);

  if (entry.host !== undefined) parts.host = expand('host', entry.host);
  if (entry.port !== undefined) {
    const port = typeof entry.port === 'number' ? entry.port : expand('port', entry.port);
    parts.port = parsePort(port, { file: context.file, entry: `${context.entry}.port` });
  }
  if (entry.database !== undefined) parts.database = expand('database', entry.database);
  if (entry.user !== undefined) parts.user = expand('user', entry.user);
  if (entry.ssl !== undefined) parts.ssl = entry.ssl === 'disable' ? false : entry.ssl;

  if (entry.password !== undefined && entry.passwordSecret !== undefined) {
    throw new ConsoleError('CONFIG_INVALID', `${context.file}: ${context.entry} has both "password" and "passwordSecret". Keep one.`, {
      target: context.file,
      details: { entry: context.entry },
    });
  }
  if (entry.password !== undefined) parts.password = expand('password', entry.password);
  if (entry.passwordSecret !== undefined) {
    const name = expand('passwordSecret', entry.passwordSecret);
    const secret = await context.secrets.get(name);
    if (secret === undefined) {
      throw new ConsoleError(
        'CONFIG_MISSING_VARIABLE',
        `${context.file}: ${context.entry}.passwordSecret names the secret "${name}", which is not stored. Save it in the console's secret store (the OS keychain in the desktop app), or set ${secretEnvName(name)} in the environment Shard Console starts in.`,
        { target: context.file, details: { entry: `${context.entry}.passwordSecret`, secret: name, variable: secretEnvName(name) } },
      );
    }
    const opened = openSecret(secret);
    parts.password = opened.password;
    if (opened.servers !== null) parts.passwordFrom = { name, servers: opened.servers };
  }
  return parts;
}
