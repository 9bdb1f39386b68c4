import { describe, expect, it } from 'vitest';
import { sameDatabase, sameServer, type DatabaseIdentity } from '../../../electron/core/add-shard/database-identity.ts';
import { canonicalHost } from '../../../electron/core/config/canonical-host.ts';

const server: DatabaseIdentity = {
  systemIdentifier: '7715792203652923109',
  startedAt: '1796472866896535',
  dataDirectory: '/srv/pg/main',
  serverPort: 5432,
  database: 'pwb_shard_1',
};

describe('the same database, decided by what the servers say', () => {
  it('is the same running server with the same database name', () => {
    expect(sameDatabase(server, { ...server })).toBe(true);
    expect(sameDatabase(server, { ...server, database: 'pwb_shard_2' })).toBe(false);
  });

  it('tells a clone apart: same system identifier, another running server', () => {
    expect(sameServer(server, { ...server, startedAt: '1796472999000000' })).toBe(false);
    expect(sameServer(server, { ...server, dataDirectory: '/srv/pg/clone' })).toBe(false);
  });

  it('needs no privilege: start time and port decide when identifier and data directory are unreadable', () => {
    const plain = { ...server, systemIdentifier: null, dataDirectory: null };
    expect(sameServer(server, plain)).toBe(true);
    expect(sameServer(plain, { ...plain, serverPort: 6543 })).toBe(false);
    expect(sameServer(plain, { ...plain, serverPort: null })).toBe(true);
    expect(sameServer(server, { ...server, systemIdentifier: '1' })).toBe(false);
  });
});

describe('canonicalHost', () => {
  it('spells every form of this machine and of an IPv4 address one way', () => {
    for (const host of [
      'localhost',
      'LOCALHOST',
      'localhost.',
      '127.0.0.1',
      '127.1',
      '2130706433',
      '0x7f.0.0.1',
      '0.0.0.0',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::',
      '::ffff:127.0.0.1',
    ]) {
      expect(canonicalHost(host), host).toBe('localhost');
    }
    expect(canonicalHost('10.1')).toBe('10.0.0.1');
    expect(canonicalHost('DB-Main.Internal')).toBe('db-main.internal');
    expect(canonicalHost('127.0.0.2')).toBe('127.0.0.2');
    expect(canonicalHost('/var/run/postgresql')).toBe('/var/run/postgresql');
  });
});
