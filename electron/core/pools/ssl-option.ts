import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';

/**
 * A database's TLS settings as node-postgres takes them, for every connection the console opens (pools,
 * the query console, shard creation, connection tests), as libpq reads the same sslmode and sslrootcert:
 * - `verify-full`: the certificate must chain to a trusted CA (the `sslRootCert` file when given, else
 *   Node's public CAs) and name the host;
 * - `require` (or true): encrypted; with an `sslRootCert` the chain is checked too, the host name not
 *   (libpq's require with a root certificate, i.e. verify-ca); without one, nothing is checked;
 * - `prefer` (libpq's default for a database.yml or a URL): plain here; the client class of
 *   `prefer-tls.ts` turns TLS on once it has asked the server and the server takes it (the chain checked
 *   against a CA when one is given, as libpq does);
 * - false: no TLS (libpq's `disable`, and `allow`, which libpq tries plain first).
 */
export function sslOption(target: Pick<DatabaseTarget, 'ssl' | 'sslRootCert' | 'origin'>): pg.ClientConfig['ssl'] {
  const { ssl } = target;
  if (ssl === false || ssl === 'prefer') return false;
  // libpq's sslrootcert=system: the system's trusted CAs, and then the host name is checked in any mode.
  if (target.sslRootCert === 'system') return { rejectUnauthorized: true };
  const ca = target.sslRootCert === undefined ? undefined : readRootCert(target);
  if (ssl === 'verify-full') return ca === undefined ? { rejectUnauthorized: true } : { rejectUnauthorized: true, ca };
  if (ca === undefined) return { rejectUnauthorized: false };
  return { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined };
}

function readRootCert(target: Pick<DatabaseTarget, 'sslRootCert' | 'origin'>): string {
  try {
    return readFileSync(target.sslRootCert!, 'utf8');
  } catch (error) {
    throw new ConsoleError(
      'CONFIG_INVALID',
      `${target.origin}: the CA certificate ${target.sslRootCert} (sslrootcert, or PGSSLROOTCERT) cannot be read: ${(error as Error).message}. Point it at the PEM file of the CA that signed the server's certificate.`,
      { target: target.sslRootCert },
    );
  }
}
