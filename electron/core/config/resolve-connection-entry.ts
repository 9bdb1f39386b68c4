import path from 'node:path';
import { ConsoleError } from '../../../shared/errors.ts';
import { resolveRootCert } from './build-database-target.ts';
import { BARE_REFERENCE, expandVariables, type Environment } from './expand-variables.ts';
import { parsePort, parsePostgresUrl, type ConnectionParts } from './postgres-url.ts';
import type { ConnectionEntry } from './profile-schema.ts';
import { openSecret } from './secret-binding.ts';
import { secretEnvName, type SecretReader } from './secret-store.ts';
import { locateUrlPassword, urlQuerySecrets } from './url-password.ts';

export interface EntryContext {
  readonly file: string;
  /** `primary` or `shards.shard_1`. */
  readonly entry: string;
  readonly env: Environment;
  readonly secrets: SecretReader;
}

/** Stands for a `?password=${VAR}` until the URL is parsed (its value is put in after). */
const QUERY_PASSWORD_PLACEHOLDER = 'sc-password-reference';

/**
 * The URL's parts with its `${VAR}`s filled in. A password given as a bare `${VAR}` (in the user info or
 * as `?password=`) is put in after parsing, as typed: a real password may contain @, /, #, + or &, which
 * would break the URL or be decoded (a `+` read as a space, `&sslmode=disable` read as a parameter).
 */
function resolveUrl(url: string, context: EntryContext): ConnectionParts {
  const where = { file: context.file, entry: `${context.entry}.url` };
  let text = url;
  let reference: string | undefined;
  const password = locateUrlPassword(text);
  if (password !== undefined && BARE_REFERENCE.test(password.text)) {
    reference = password.text;
    text = `${text.slice(0, password.start)}x${text.slice(password.end)}`;
  } else {
    const inQuery = urlQuerySecrets(text).find((s) => s.name.toLowerCase() === 'password' && BARE_REFERENCE.test(s.raw));
    if (inQuery !== undefined) {
      reference = inQuery.raw;
      text = text.replace(`=${inQuery.raw}`, `=${QUERY_PASSWORD_PLACEHOLDER}`);
    }
  }
  const parts = parsePostgresUrl(expandVariables(text, context.env, where), where);
  return reference === undefined ? parts : { ...parts, password: expandVariables(reference, context.env, where) };
}

/**
 * A URL without sslmode is a libpq connection string, so libpq's default, prefer, for a database it
 * alone describes; one that overrides a database.yml entry's fields keeps that entry's sslmode (a
 * tunnel's URL must not undo `sslmode: require`).
 */
export function withUrlSslDefault(parts: ConnectionParts, entry: Pick<ConnectionEntry, 'url'>): ConnectionParts {
  return entry.url !== undefined && parts.ssl === undefined ? { ...parts, ssl: 'prefer' } : parts;
}

/** One `primary`/`shards.*` entry with its variables and secret resolved; explicit fields win over its url. */
export async function resolveConnectionEntry(entry: ConnectionEntry, context: EntryContext): Promise<ConnectionParts> {
  const expand = (key: string, value: string): string => expandVariables(value, context.env, { file: context.file, entry: `${context.entry}.${key}` });
  const parts: ConnectionParts = entry.url === undefined ? {} : resolveUrl(entry.url, context);
  // Relative to the profile file, as every path of the profile (and as sslRootCert is below).
  if (parts.sslRootCert !== undefined) parts.sslRootCert = resolveRootCert(path.dirname(context.file), parts.sslRootCert);

  if (entry.host !== undefined) parts.host = expand('host', entry.host);
  if (entry.port !== undefined) {
    const port = typeof entry.port === 'number' ? entry.port : expand('port', entry.port);
    parts.port = parsePort(port, { file: context.file, entry: `${context.entry}.port` });
  }
  if (entry.database !== undefined) parts.database = expand('database', entry.database);
  if (entry.user !== undefined) parts.user = expand('user', entry.user);
  if (entry.ssl !== undefined) parts.ssl = entry.ssl === 'disable' ? false : entry.ssl;
  if (entry.sslRootCert !== undefined) parts.sslRootCert = resolveRootCert(path.dirname(context.file), expand('sslRootCert', entry.sslRootCert));

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
    if (opened.servers !== null) parts.passwordFrom = { name, servers: opened.servers, tls: opened.tls };
  }
  return parts;
}
