import path from 'node:path';
import { existsSync } from 'node:fs';
import { ConsoleError } from '../../../shared/errors.ts';
import { describeFinding, findControlCharacter } from '../dispatch/control-characters.ts';
import type { Environment } from './expand-variables.ts';
import type { ConnectionParts } from './postgres-url.ts';
import { assertSecretServer, assertSecretTls, tlsStrength } from './secret-binding.ts';
import type { DatabaseTarget } from './profile-schema.ts';

/** An sslrootcert as libpq takes it: a file relative to `base`, or `system` (the system's trusted CAs). */
export function resolveRootCert(base: string, value: string): string {
  return value === 'system' ? value : path.resolve(base, value);
}

/**
 * PGSSLROOTCERT as libpq reads it for an entry that names no root certificate: a file that is not there
 * is skipped (no chain check) unless the mode verifies, where libpq refuses the connection and so does
 * the console (when it reads the file). Skipped, a require or prefer database opened, as the app's does.
 */
function fromEnvironment(rootCert: string | undefined, ssl: ConnectionParts['ssl'] | false): string | undefined {
  if (!rootCert || rootCert === 'system' || ssl === 'verify-full') return rootCert || undefined;
  return existsSync(path.resolve(rootCert)) ? rootCert : undefined;
}

/** The shard name PWB gives the primary database (`connects_to shards: { default: ... }`). */
export const PRIMARY_SHARD_NAME = 'default';

/**
 * Fills the gaps libpq would fill (host, port, user) and checks the one thing nothing can default:
 * the database name. Connecting to a guessed database would show the wrong tenants.
 */
export function buildDatabaseTarget(
  parts: ConnectionParts,
  meta: { name: string; origin: string; file: string; entry: string },
  env: Environment,
): DatabaseTarget {
  if (parts.database === undefined || parts.database === '') {
    throw new ConsoleError(
      'CONFIG_INVALID',
      `${meta.file}: ${meta.entry} has no database name. Give "database", or put it in the URL path (postgres://HOST/DATABASE).`,
      { target: meta.file, details: { entry: meta.entry } },
    );
  }
  // A variable or a database.yml can bring what the profile checker never saw; libpq would cut a value at a NUL.
  const { password, ...visible } = parts;
  const control = findControlCharacter({ ...visible, password: password?.includes('\0') ? '\0' : '' });
  if (control !== null) {
    throw new ConsoleError(
      'CONFIG_INVALID',
      `${meta.file}: ${meta.entry} has a ${control.path} holding ${describeFinding(control)} once its variables are resolved. Remove it from the value (or the variable it comes from).`,
      { target: meta.file, details: { entry: meta.entry, field: control.path } },
    );
  }
  const server = { host: parts.host || 'localhost', port: parts.port ?? 5432, user: parts.user || env.USER || 'postgres' };
  assertSecretServer(parts.passwordFrom, server, meta);
  // Unsaid in a profile's own fields: no TLS, as the console has always read them (a database.yml's
  // entry and a URL get libpq's default, prefer, where they are read).
  const given = parts.ssl ?? false;
  const rootCert = parts.sslRootCert || fromEnvironment(env.PGSSLROOTCERT, given);
  // libpq 16: sslrootcert=system makes prefer verify-full (the system's CAs, the host checked); libpq
  // refuses a weaker mode said outright, the console takes the stronger.
  const ssl = given === 'prefer' && rootCert === 'system' ? 'verify-full' : given;
  assertSecretTls(parts.passwordFrom, tlsStrength({ ssl, sslRootCert: ssl !== false ? rootCert : undefined }), meta);
  return Object.freeze({
    name: meta.name,
    role: meta.name === PRIMARY_SHARD_NAME ? 'primary' : 'shard',
    ...server,
    database: parts.database,
    password: parts.password || undefined,
    ssl,
    // libpq reads PGSSLROOTCERT for any TLS connection that names none, as the app's would (prefer too: it checks the chain).
    ...(ssl !== false && rootCert ? { sslRootCert: resolveRootCert('.', rootCert) } : {}),
    origin: meta.origin,
  });
}
