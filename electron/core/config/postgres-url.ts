import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseTarget } from './profile-schema.ts';
import type { BoundSecretOrigin } from './secret-binding.ts';

/** Connection settings as far as one source knows them; later sources fill or override the gaps. */
export interface ConnectionParts {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  ssl?: DatabaseTarget['ssl'];
  /** libpq's sslrootcert: a CA certificate file. */
  sslRootCert?: string;
  /** The stored secret the password came from, when it is bound to servers (see secret-binding.ts). */
  passwordFrom?: BoundSecretOrigin;
}

interface Where {
  readonly file: string;
  readonly entry: string;
}

function invalid(where: Where, problem: string): ConsoleError {
  return new ConsoleError('CONFIG_INVALID', `${where.file}: ${where.entry} ${problem}`, {
    target: where.file,
    details: { entry: where.entry },
  });
}

function decode(text: string, where: Where): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(where, 'has a broken %-escape in its URL.');
  }
}

/**
 * Splits a libpq connection URL. Query parameters win over the authority, as in libpq, which is how a
 * socket directory is given (`postgres:///db?host=/var/run/postgresql`). The URL itself never appears
 * in messages: it may carry a password.
 */
export function parsePostgresUrl(url: string, where: Where): ConnectionParts {
  // URL parsing drops tabs and line breaks silently: `pwb_sh\nard_1` would connect to pwb_shard_1.
  if (/[\u0000-\u001f\u007f]/.test(url)) {
    throw invalid(where, 'holds a tab, a line break or another control character. Write the URL on one line, any unusual character %-encoded.');
  }
  // `postgres:/user:pw@host/db` parses as a path: no host (localhost), and the user, password and host
  // all in the database's name, which messages, the audit log and CREATE DATABASE would then show.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:(?!\/\/)/.test(url)) {
    throw invalid(where, 'is not written postgres://...: the scheme needs two slashes after it. Write postgres://USER@HOST:PORT/DATABASE.');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(where, 'is not a valid URL. Write postgres://USER@HOST:PORT/DATABASE.');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw invalid(where, `is a ${parsed.protocol}// URL; only postgres:// and postgresql:// are supported. Write postgres://USER@HOST:PORT/DATABASE.`);
  }
  const parts: ConnectionParts = {};
  const host = decode(parsed.hostname, where).replace(/^\[(.*)\]$/, '$1');
  if (host !== '') parts.host = host;
  if (parsed.port !== '') parts.port = parsePort(parsed.port, where);
  const database = decode(parsed.pathname.replace(/^\//, ''), where);
  if (database !== '') parts.database = database;
  if (parsed.username !== '') parts.user = decode(parsed.username, where);
  if (parsed.password !== '') parts.password = decode(parsed.password, where);

  const query = parsed.searchParams;
  const queryHost = query.get('host');
  if (queryHost) parts.host = queryHost;
  const queryPort = query.get('port');
  if (queryPort) parts.port = parsePort(queryPort, where);
  const queryDatabase = query.get('dbname');
  if (queryDatabase) parts.database = queryDatabase;
  const queryUser = query.get('user');
  if (queryUser) parts.user = queryUser;
  const queryPassword = query.get('password');
  if (queryPassword) parts.password = queryPassword;
  const sslmode = query.get('sslmode');
  if (sslmode) parts.ssl = sslFromMode(sslmode, where);
  const sslRootCert = query.get('sslrootcert');
  if (sslRootCert) parts.sslRootCert = sslRootCert;
  return parts;
}

/** A TCP port from a URL, a profile field or a database.yml value (which YAML may have made a number). */
export function parsePort(value: string | number, where: Where): number {
  const port = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalid(where, `has port "${value}". Give a whole number from 1 to 65535.`);
  }
  return port;
}

/**
 * libpq's sslmode in the console's terms. `allow` tries plain first in libpq, and means plain here;
 * `prefer` asks the server for TLS and takes it unchecked when offered. `verify-ca` is treated as
 * `verify-full`: stricter, never weaker.
 */
export function sslFromMode(mode: string, where: Where): DatabaseTarget['ssl'] {
  switch (mode) {
    case 'disable':
    case 'allow':
      return false;
    case 'prefer':
      return 'prefer';
    case 'require':
      return 'require';
    case 'verify-ca':
    case 'verify-full':
      return 'verify-full';
    default:
      throw invalid(where, `has sslmode "${mode}". Use disable, prefer, require, verify-ca or verify-full.`);
  }
}
