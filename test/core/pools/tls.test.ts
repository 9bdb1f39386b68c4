import { chmod, chown, copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClusterProfile } from '../../../electron/core/config/resolve-profile-source.ts';
import { memorySecretStore } from '../../../electron/core/config/secret-store.ts';
import { openConsole } from '../../../electron/core/console-context.ts';
import { testConnection } from '../../../electron/core/session/test-connection.ts';
import { directClient, testCluster } from '../../support/test-console.ts';

/*
 * TLS as libpq reads sslmode and sslrootcert, against a real server with TLS on: the harness's shard_2
 * server is given a certificate signed by a test CA (test/fixtures/tls) (TLS on changes nothing for the plain
 * connections of the other tests). A second certificate naming another host shows what `require` with
 * a CA checks (the chain) and what it does not (the host name), as libpq's verify-ca.
 */

/** Certificates made once for these tests (see its README): no openssl needed to run them. */
const FIXTURES = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url));
let dir: string;
let admin: pg.Client;
const SERVER = 'shard_2';

/**
 * Writes a file into the server's data folder, owned by the server's OS user with mode 0600 (PostgreSQL
 * refuses a key others can read), whoever runs the tests (root, in CI: the servers run as postgres).
 */
async function serverFile(name: string, content: string): Promise<void> {
  const dataDir = (await admin.query<{ d: string }>(`SELECT current_setting('data_directory') AS d`)).rows[0]!.d;
  const file = path.join(dataDir, name);
  await writeFile(file, content, { mode: 0o600 });
  await chmod(file, 0o600);
  const owner = await stat(dataDir);
  if (process.getuid?.() === 0) await chown(file, owner.uid, owner.gid);
}

/** The server presents `cert`: TLS on, reloaded. */
async function presentCertificate(cert: string): Promise<void> {
  await serverFile(`sc_tls_${cert}.crt`, await readFile(path.join(FIXTURES, `${cert}.crt`), 'utf8'));
  await serverFile(`sc_tls_${cert}.key`, await readFile(path.join(FIXTURES, `${cert}.key`), 'utf8'));
  await admin.query(`ALTER SYSTEM SET ssl_cert_file = 'sc_tls_${cert}.crt'`);
  await admin.query(`ALTER SYSTEM SET ssl_key_file = 'sc_tls_${cert}.key'`);
  await admin.query('ALTER SYSTEM SET ssl = on');
  await admin.query('SELECT pg_reload_conf()');
  // The reload is asynchronous: wait until a new session sees it.
  for (let attempt = 0; attempt < 100; attempt++) {
    const client = await directClient(SERVER);
    const seen = (await client.query<{ ssl_cert_file: string }>('SHOW ssl_cert_file')).rows[0]!.ssl_cert_file;
    await client.end();
    if (seen === `sc_tls_${cert}.crt`) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the server did not take sc_tls_${cert}.crt`);
}

/** Whether a console connects to the TLS server with this entry's TLS settings, and over TLS. */
async function connectWith(tls: Record<string, unknown>, env: Record<string, string> = {}, serverName = SERVER): Promise<boolean> {
  const server = testCluster().servers.find((s) => s.name === serverName)!;
  const file = path.join(dir, `profile-${Math.random().toString(36).slice(2)}.json`);
  const entry = { host: server.host, port: server.port, database: server.database, user: server.user, password: '${SC_TEST_PASSWORD}' };
  await writeFile(file, JSON.stringify({ name: 'tls', primary: { ...entry, ...tls } }));
  const profile = await loadClusterProfile({ profile: file }, { env: { ...testCluster().env, ...env }, secrets: memorySecretStore() });
  const ctx = openConsole(profile);
  try {
    const result = await ctx.pools.get('default').query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return result.rows[0]!.ssl;
  } finally {
    await ctx.close();
  }
}

beforeAll(async () => {
  // The profiles of the cases, with the CA files beside them (a relative sslRootCert is the profile's).
  dir = await mkdtemp(path.join(os.tmpdir(), 'sc-tls-'));
  for (const ca of ['ca.crt', 'other-ca.crt']) await copyFile(path.join(FIXTURES, ca), path.join(dir, ca));
  admin = await directClient(SERVER);
  await presentCertificate('server');
}, 60_000);

afterAll(async () => {
  await admin?.query('ALTER SYSTEM RESET ssl').catch(() => {});
  await admin?.query('ALTER SYSTEM RESET ssl_cert_file').catch(() => {});
  await admin?.query('ALTER SYSTEM RESET ssl_key_file').catch(() => {});
  await admin?.query('SELECT pg_reload_conf()').catch(() => {});
  await admin?.end();
  await rm(dir, { recursive: true, force: true });
});

describe('TLS settings, as libpq reads them', () => {
  it("verify-full checks the server's certificate against the profile's CA file (sslRootCert), and refuses it without", async () => {
    expect(await connectWith({ ssl: 'verify-full', sslRootCert: path.join(dir, 'ca.crt') })).toBe(true);
    // Relative to the profile file, as every path of the profile.
    expect(await connectWith({ ssl: 'verify-full', sslRootCert: 'ca.crt' })).toBe(true);
    // A private CA is not among the public ones Node trusts.
    await expect(connectWith({ ssl: 'verify-full' })).rejects.toThrow(/certificate/i);
  });

  it('a TLS failure is told as the TLS settings: a certificate not accepted names sslRootCert, a server without TLS says so (neither "unreachable")', async () => {
    await expect(connectWith({ ssl: 'verify-full' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('sslRootCert') });
    // The primary's server has no certificate at all.
    await expect(connectWith({ ssl: 'require' }, {}, 'default')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('does not accept TLS connections'),
    });
  });

  it('takes the CA from PGSSLROOTCERT, and from sslrootcert in a URL', async () => {
    expect(await connectWith({ ssl: 'verify-full' }, { PGSSLROOTCERT: path.join(dir, 'ca.crt') })).toBe(true);
    const server = testCluster().servers.find((s) => s.name === SERVER)!;
    const url = `postgres://${server.user}:\${SC_TEST_PASSWORD}@${server.host}:${server.port}/${server.database}?sslmode=verify-full&sslrootcert=${encodeURIComponent(path.join(dir, 'ca.crt'))}`;
    expect(await connectWith({ url, host: undefined, port: undefined, database: undefined, user: undefined, password: undefined })).toBe(true);
  });

  it('require encrypts without checking, and with a CA file checks the chain: a certificate of another CA is refused', async () => {
    expect(await connectWith({ ssl: 'require' })).toBe(true);
    await expect(connectWith({ ssl: 'require', sslRootCert: path.join(dir, 'other-ca.crt') })).rejects.toThrow(/certificate/i);
  });

  it("prefer, libpq's default for a URL, speaks TLS to a server that takes it and plain to one that does not", async () => {
    const urlOf = (name: string) => {
      const server = testCluster().servers.find((s) => s.name === name)!;
      return {
        url: `postgres://${server.user}:\${SC_TEST_PASSWORD}@${server.host}:${server.port}/${server.database}`,
        host: undefined,
        port: undefined,
        database: undefined,
        user: undefined,
        password: undefined,
      };
    };
    // A URL without sslmode, as a DATABASE_URL: libpq's default.
    expect(await connectWith(urlOf(SERVER))).toBe(true);
    expect(await connectWith({ ssl: 'prefer' })).toBe(true);
    // A profile's own fields without ssl: off, as they always meant.
    expect(await connectWith({})).toBe(false);
    // The primary's server has no certificate: prefer connects in plain.
    expect(await connectWith(urlOf('default'), {}, 'default')).toBe(false);
  });

  it('prefer checks the chain against a CA when given, as libpq does, and goes plain when it does not match; a CA it cannot read is ignored', async () => {
    expect(await connectWith({ ssl: 'prefer', sslRootCert: path.join(dir, 'ca.crt') })).toBe(true);
    expect(await connectWith({ ssl: 'prefer' }, { PGSSLROOTCERT: path.join(dir, 'other-ca.crt') })).toBe(false);
    expect(await connectWith({ ssl: 'prefer' }, { PGSSLROOTCERT: path.join(dir, 'missing.crt') })).toBe(true);
  });

  it('prefer reaches a role pg_hba.conf takes only over TLS (hostssl) and one it takes only in plain (hostnossl), as libpq does', async () => {
    // Roles of their own: the other tests' sessions are not touched.
    const hba = (await admin.query<{ f: string }>(`SELECT current_setting('hba_file') AS f`)).rows[0]!.f;
    const original = await readFile(hba, 'utf8');
    const roles = ['sc_tls_only', 'sc_plain_only'];
    const password = testCluster().password.replaceAll("'", "''");
    for (const role of roles) {
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      // PUBLIC may connect to the database already: no grant, so nothing keeps the role from being dropped.
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    }
    const lines = [
      'hostssl all sc_tls_only all scram-sha-256',
      'host all sc_tls_only all reject',
      'hostnossl all sc_plain_only all scram-sha-256',
      'host all sc_plain_only all reject',
    ];
    await writeFile(hba, `${lines.join('\n')}\n${original}`);
    await admin.query('SELECT pg_reload_conf()');
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await connectWith({ user: 'sc_tls_only', ssl: 'prefer' })).toBe(true);
      await expect(connectWith({ user: 'sc_tls_only', ssl: 'disable' })).rejects.toThrow(/pg_hba|rejects connection/i);
      // A CA that does not sign the server's chain: prefer retries in plain, and the refusal tells both, as libpq does.
      await expect(connectWith({ user: 'sc_tls_only', ssl: 'prefer' }, { PGSSLROOTCERT: path.join(dir, 'other-ca.crt') })).rejects.toThrow(
        /(pg_hba|rejects connection).*TLS was tried first.*(certificate|verify)/is,
      );
      // TLS offered, but this role is let in plain only: libpq's prefer retries in plain after the error.
      expect(await connectWith({ user: 'sc_plain_only', ssl: 'prefer' })).toBe(false);
      await expect(connectWith({ user: 'sc_plain_only', ssl: 'require' })).rejects.toThrow(/pg_hba|rejects connection/i);
      // An error that is no matter of TLS is the server's own, over TLS: not pg_hba.conf's answer to a plain retry.
      await expect(connectWith({ user: 'sc_tls_only', ssl: 'prefer', database: 'sc_no_such_database' })).rejects.toThrow(/does not exist/);
    } finally {
      await writeFile(hba, original);
      await admin.query('SELECT pg_reload_conf()');
      for (const role of roles) await admin.query(`DROP ROLE IF EXISTS ${role}`);
    }
  });

  it('an unreadable CA file is refused with what to do, before any connection', async () => {
    await expect(connectWith({ ssl: 'verify-full', sslRootCert: path.join(dir, 'missing.crt') })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/missing\.crt.*cannot be read.*PEM file of the CA/),
    });
  });

  it("require with a CA does not check the host name (libpq's verify-ca); verify-full does", async () => {
    await presentCertificate('elsewhere');
    try {
      expect(await connectWith({ ssl: 'require', sslRootCert: path.join(dir, 'ca.crt') })).toBe(true);
      await expect(connectWith({ ssl: 'verify-full', sslRootCert: path.join(dir, 'ca.crt') })).rejects.toThrow(/altnames|host|IP/i);
    } finally {
      await presentCertificate('server');
    }
  });

  it("the profile form's connection test reads a relative CA from the profile file's folder, and answers an unreadable one", async () => {
    const server = testCluster().servers.find((s) => s.name === SERVER)!;
    const db = {
      shard: 'default',
      host: server.host,
      port: server.port,
      database: server.database,
      user: server.user,
      password: { kind: 'env' as const, variable: 'SC_TEST_PASSWORD' },
      ssl: 'verify-full' as const,
      sslRootCert: 'ca.crt',
    };
    const tested = await testConnection(db, testCluster().env, memorySecretStore(), { profilePath: path.join(dir, 'edited.json') });
    expect(tested).toMatchObject({ ok: true, error: null });
    const unreadable = await testConnection({ ...db, sslRootCert: 'missing.crt' }, testCluster().env, memorySecretStore(), {
      profilePath: path.join(dir, 'edited.json'),
    });
    expect(unreadable).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID', message: expect.stringContaining('missing.crt') } });
  });
});
