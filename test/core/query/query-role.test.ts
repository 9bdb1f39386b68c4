import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../../electron/core/config/load-profile.ts';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { loadClusterProfile } from '../../../electron/core/config/resolve-profile-source.ts';
import { sealSecret, serverKey } from '../../../electron/core/config/secret-binding.ts';
import { memorySecretStore } from '../../../electron/core/config/secret-store.ts';
import { openConsole } from '../../../electron/core/console-context.ts';
import { listeningDecoy } from '../../support/listening-decoy.ts';
import { callMethod } from '../../support/test-console.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';

/*
 * A profile's queryRole: the query console connects as it on every database, the rest of the console as
 * each database's own user. READ ONLY is no boundary against a function with side effects, nor is the
 * guard's list of them (a function of one's own may call one); the role's privileges are: a function
 * ending a session does so for the console's (superuser) user inside a READ ONLY transaction, and is
 * refused for a SELECT-only role.
 */

const READER_PASSWORD = 'query-Reader-9d1f27ce';
let pc: PrivateCluster;
let ctx: ConsoleContext;
let profilePath: string;

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 4 });
  for (const server of pc.cluster.servers) {
    const c = await pc.client(server.name);
    await c.query(`CREATE ROLE query_reader LOGIN PASSWORD '${READER_PASSWORD}'`);
    await c.query(`GRANT CONNECT ON DATABASE ${server.database} TO query_reader`);
    await c.query('GRANT USAGE ON SCHEMA public TO query_reader');
    await c.query('GRANT SELECT ON ALL TABLES IN SCHEMA public TO query_reader');
    // A function of one's own that ends a session: the guard refuses pg_terminate_backend by name, not this.
    await c.query('CREATE FUNCTION end_session(p int) RETURNS boolean LANGUAGE sql AS $$ SELECT pg_terminate_backend(p) $$');
    await c.end();
  }
  const profile = JSON.parse(await readFile(pc.cluster.profilePath, 'utf8'));
  profilePath = path.join(pc.cluster.dir, 'query-role-profile.json');
  await writeFile(profilePath, JSON.stringify({ ...profile, queryRole: { user: 'query_reader', password: '${SC_QUERY_PASSWORD}' } }));
  ctx = await pc.open(profilePath, { ...pc.env, SC_QUERY_PASSWORD: READER_PASSWORD });
}, 180_000);
afterAll(async () => {
  await ctx?.close();
  await pc?.stop();
});

/** A session of the console's own user, idle, for a query to try to end. */
async function bystander(): Promise<{ client: pg.Client; pid: number }> {
  const client = await pc.client('shard_1');
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  client.on('error', () => {});
  return { client, pid };
}

describe('the query role', () => {
  it('is who the query console is on every database, while the console itself stays its own user', async () => {
    const result = await callMethod(ctx, 'query.run', { sql: 'SELECT current_user AS who', target: { kind: 'all' } });
    expect(result.rows.map((r) => [r.database, r.values[0]])).toEqual(pc.cluster.servers.map((s) => [s.name, 'query_reader']));
    const own = await ctx.pools.primary().query<{ who: string }>('SELECT current_user AS who');
    expect(own.rows[0]!.who).not.toBe('query_reader');
    // The page says who its statements run as.
    expect((await callMethod(ctx, 'session.info', {})).queryRole).toBe('query_reader');
  });

  it('stops what READ ONLY does not: ending another session is refused for the role', async () => {
    const victim = await bystander();
    try {
      const result = await callMethod(ctx, 'query.run', {
        sql: `SELECT end_session(${victim.pid}) AS ended`,
        target: { kind: 'databases', names: ['shard_1'] },
      });
      expect(result.databases[0]?.error).toMatchObject({ sqlstate: '42501' });
      expect((await victim.client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    } finally {
      await victim.client.end().catch(() => {});
    }
  });

  it('without a query role, the same statement in a READ ONLY transaction ends the session: the reason the role exists', async () => {
    const plain = await pc.open(pc.cluster.profilePath, pc.env);
    const victim = await bystander();
    try {
      const result = await callMethod(plain, 'query.run', {
        sql: `SELECT end_session(${victim.pid}) AS ended`,
        target: { kind: 'databases', names: ['shard_1'] },
      });
      expect(result.rows[0]?.values[0]).toBe(true);
      await expect(victim.client.query('SELECT 1')).rejects.toThrow();
      // Which the page warns of: no query role.
      expect((await callMethod(plain, 'session.info', {})).queryRole).toBeNull();
    } finally {
      await victim.client.end().catch(() => {});
      await plain.close();
    }
  });

  it('the guard refuses the known side-effect functions by name, role or not', async () => {
    await expect(
      callMethod(ctx, 'query.run', { sql: 'SELECT pg_terminate_backend(1) AS ended', target: { kind: 'databases', names: ['shard_1'] } }),
    ).rejects.toMatchObject({ code: 'READ_ONLY', message: expect.stringContaining('pg_terminate_backend() acts outside the READ ONLY transaction') });
  });

  it('takes its password only as a ${VAR} reference or a keychain name, as every other password', async () => {
    const clear = path.join(pc.cluster.dir, 'clear-query-role.json');
    await writeFile(
      clear,
      JSON.stringify({ ...JSON.parse(await readFile(profilePath, 'utf8')), queryRole: { user: 'query_reader', password: READER_PASSWORD } }),
    );
    const error = await loadProfile(clear, { env: pc.env }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('queryRole.password') });
    expect(String((error as Error).message)).not.toContain(READER_PASSWORD);
  });

  it('its keychain password goes only to the servers it was saved for: a database moved elsewhere is refused before connecting', async () => {
    const decoy = await listeningDecoy();
    const servers = pc.cluster.servers.map((s) => serverKey({ user: 'query_reader', host: s.host, port: s.port }));
    const keychain = memorySecretStore({ 'sc/query-role': sealSecret(READER_PASSWORD, servers) });
    const withKeychain = { ...JSON.parse(await readFile(profilePath, 'utf8')), queryRole: { user: 'query_reader', passwordSecret: 'sc/query-role' } };
    const bound = path.join(pc.cluster.dir, 'bound-query-role.json');
    await writeFile(bound, JSON.stringify(withKeychain));
    // shard_1 pointed at another server (its own password a ${VAR}, which is not bound).
    const moved = path.join(pc.cluster.dir, 'moved-query-role.json');
    await writeFile(
      moved,
      JSON.stringify({ ...withKeychain, shards: { ...withKeychain.shards, shard_1: { ...withKeychain.shards.shard_1, host: '127.0.0.1', port: decoy.port } } }),
    );
    const good = openConsole(await loadClusterProfile({ profile: bound }, { env: pc.env, secrets: keychain }));
    const bad = openConsole(await loadClusterProfile({ profile: moved }, { env: pc.env, secrets: keychain }));
    try {
      const all = await callMethod(good, 'query.run', { sql: 'SELECT current_user AS who', target: { kind: 'all' } });
      expect(all.rows.map((r) => r.values[0])).toEqual(pc.cluster.servers.map(() => 'query_reader'));
      const refused = await callMethod(bad, 'query.run', { sql: 'SELECT 1 AS one', target: { kind: 'databases', names: ['shard_1'] } }).catch(
        (e: unknown) => e,
      );
      const error = refused instanceof Error ? refused : (refused as { databases: Array<{ error: unknown }> }).databases[0]?.error;
      expect(error).toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining(`to query_reader@localhost:${decoy.port}, but it was saved for`),
      });
      expect(JSON.stringify(error)).toContain('type the password again');
      expect(decoy.connections()).toBe(0);
      // The databases it was saved for still answer as the role.
      const primary = await callMethod(bad, 'query.run', { sql: 'SELECT current_user AS who', target: { kind: 'databases', names: ['default'] } });
      expect(primary.rows[0]?.values[0]).toBe('query_reader');
    } finally {
      await Promise.all([good.close(), bad.close(), decoy.close()]);
    }
  });
});
describe("the audit log's record of a query", () => {
  it("keeps the statement without its secrets: the profile's passwords and what is shaped like one", async () => {
    const sql = `SELECT 'host=db.internal user=app password=Hunter2-dblink' AS conn, '${READER_PASSWORD}' AS typed`;
    await callMethod(ctx, 'query.run', { sql, target: { kind: 'databases', names: ['default'] } });
    const client = await pc.client('default');
    try {
      const { rows } = await client.query<{ details: { sql: string; sqlRedacted: boolean } }>(
        `SELECT details FROM shard_console.audit_log WHERE action = 'query.run' ORDER BY id DESC LIMIT 1`,
      );
      const recorded = rows[0]!.details;
      expect(recorded.sql).not.toContain('Hunter2-dblink');
      expect(recorded.sql).not.toContain(READER_PASSWORD);
      expect(recorded.sql).toContain("SELECT 'host=db.internal user=app password=[redacted]' AS conn");
      expect(recorded.sqlRedacted).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('keeps no secret in the errors it records: the guard quoting the statement, PostgreSQL quoting a value', async () => {
    // Longer than the message's excerpt of the statement holds: cut inside the password.
    const refused = `SELECT 1; ALTER ROLE app PASSWORD 'hunter2hunter2xyz'`;
    await expect(callMethod(ctx, 'query.run', { sql: refused, target: { kind: 'databases', names: ['default'] } })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
    await callMethod(ctx, 'query.run', { sql: `SELECT '${READER_PASSWORD}'::int AS n`, target: { kind: 'databases', names: ['default'] } });
    // A profile password the excerpt cuts short.
    await expect(
      callMethod(ctx, 'query.run', { sql: `SELECT 1; SELECT 'some text first' || '${READER_PASSWORD}'`, target: { kind: 'databases', names: ['default'] } }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    const client = await pc.client('default');
    try {
      const { rows } = await client.query<{ error: string | null; details: unknown }>(
        `SELECT error, details FROM shard_console.audit_log WHERE action = 'query.run' ORDER BY id DESC LIMIT 3`,
      );
      const text = JSON.stringify(rows);
      expect(text).toContain('invalid input syntax for type integer');
      expect(text).toContain('the second starts at');
      expect(text).not.toContain('hunter2hunter2');
      expect(text).not.toContain(READER_PASSWORD);
      expect(text).not.toContain(READER_PASSWORD.slice(0, 10));
    } finally {
      await client.end();
    }
  });
});
