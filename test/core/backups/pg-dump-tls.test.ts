import { describe, expect, it } from 'vitest';
import { pgDumpTls } from '../../../electron/core/backups/run-pg-dump.ts';

/*
 * pg_dump connects under the TLS checks the console's own connections make (pools/ssl-option.ts), or
 * not at all: the stored password never goes to a server checked less than it was typed for.
 */
const target = (ssl: false | true | 'require' | 'verify-full' | 'prefer', sslRootCert?: string) => ({
  name: 'shard_1',
  ssl,
  ...(sslRootCert === undefined ? {} : { sslRootCert }),
});

describe("pg_dump's TLS settings", () => {
  it('passes the mode and the CA file on as they are', () => {
    expect(pgDumpTls(target(false), 15)).toEqual({ mode: 'disable' });
    expect(pgDumpTls(target(true), 15)).toEqual({ mode: 'require' });
    expect(pgDumpTls(target('prefer', '/etc/ca.pem'), 15)).toEqual({ mode: 'prefer', rootCert: '/etc/ca.pem' });
    expect(pgDumpTls(target('verify-full', '/etc/ca.pem'), 15)).toEqual({ mode: 'verify-full', rootCert: '/etc/ca.pem' });
  });

  it("checks the system's CAs and the host name, as the console does, where it does: require with sslrootcert=system, verify-full without a CA file", () => {
    expect(pgDumpTls(target('require', 'system'), 16)).toEqual({ mode: 'verify-full', rootCert: 'system' });
    expect(pgDumpTls(target('verify-full'), 17)).toEqual({ mode: 'verify-full', rootCert: 'system' });
  });

  it('refuses a pg_dump older than 16 there: it reads "system" as a file name, and missing, goes on unchecked in require mode', () => {
    for (const t of [target('require', 'system'), target('verify-full')])
      expect(pgDumpTls(t, 15)).toEqual({ refusal: expect.stringMatching(/shard_1 .*pg_dump 15 cannot.*sslRootCert.*pg_dump 16/) });
  });
});
