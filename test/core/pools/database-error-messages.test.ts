import { describe, expect, it } from 'vitest';
import { databaseError } from '../../../electron/core/pools/database-error.ts';
import type { DatabaseTarget } from '../../../electron/core/config/profile-schema.ts';

/*
 * The words a driver error is told in, for the cases whose wording once gave the wrong advice. The
 * errors are PostgreSQL's own texts; the connections that raise them are exercised in tls.test.ts,
 * query-role.test.ts and add-shard.test.ts.
 */

const target = {
  name: 'shard_1',
  host: 'db1',
  port: 5432,
  database: 'pwb_1',
  user: 'pwb',
  ssl: false,
  origin: 'p.json: shards.shard_1',
} as unknown as DatabaseTarget;

describe('databaseError', () => {
  it('tells a pg_hba refusal of a plain connection as either TLS wanted or the host and user not let in (PostgreSQL says "no encryption" of both)', () => {
    const error = Object.assign(new Error('no pg_hba.conf entry for host "10.0.0.9", user "pwb", database "pwb_1", no encryption'), { code: '28000' });
    const told = databaseError(target, error);
    expect(told.code).toBe('AUTH_FAILED');
    expect(told.message).toContain('If the server takes that user only over TLS, set ssl to "require" or stronger');
    expect(told.message).toContain('otherwise its administrator must let this host and user in');
  });

  it('tells permission denied without naming a role or advising a grant (the query console runs as its own role; a read-only one refused is as meant)', () => {
    const told = databaseError(target, Object.assign(new Error('permission denied to terminate process'), { code: '42501' }));
    expect(told.code).toBe('DATABASE_ERROR');
    expect(told.message).toContain('permission denied to terminate process (SQLSTATE 42501)');
    expect(told.message).not.toContain('"pwb"');
    expect(told.message).not.toContain('GRANT');
  });
});
