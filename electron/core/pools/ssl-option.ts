import type pg from 'pg';
import type { DatabaseTarget } from '../config/profile-schema.ts';

/**
 * A profile's `ssl` as node-postgres takes it, for every connection the console opens (pools, the query
 * console, shard creation, connection tests): `verify-full` checks the server's certificate, `require`
 * (or true) encrypts without checking it, as libpq's sslmode=require does.
 */
export function sslOption(ssl: DatabaseTarget['ssl']): pg.ClientConfig['ssl'] {
  if (ssl === 'verify-full') return { rejectUnauthorized: true };
  if (ssl === true || ssl === 'require') return { rejectUnauthorized: false };
  return false;
}
