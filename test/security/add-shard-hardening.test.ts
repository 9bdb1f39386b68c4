import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addShard } from '../../electron/core/add-shard/add-shard.ts';
import { assertNewDatabase } from '../../electron/core/add-shard/database-identity.ts';
import type { ConsoleContext } from '../../electron/core/console-context.ts';
import { ConsoleError } from '../../shared/errors.ts';
import { startPrivateCluster, type PrivateCluster } from '../support/private-cluster.ts';
import { clusterState, type StateSource } from './support/cluster-state.ts';
import { openTransports, type Transports } from './support/transports.ts';

/*
 * Adding a shard: another spelling of a registered database is refused before anything changes
 * (finding 1), and over HTTP and IPC the call answers with what happened, its audit row finished on
 * the pools the console reopened onto (finding 5).
 */

const VARIABLE = 'SC_ADD_SHARD_PASSWORD';
const saved = process.env[VARIABLE];

let pc: PrivateCluster;
let ctx: ConsoleContext;
let t: Transports;
let source: StateSource;
let port: number;

const url = (host: string, database: string, user = 'postgres') => `postgres://${user}:\${${VARIABLE}}@${host}:${port}/${database}`;

async function refusal(run: Promise<unknown>): Promise<ConsoleError> {
  const error = await run.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConsoleError);
  return error as ConsoleError;
}

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 9 });
  process.env[VARIABLE] = pc.cluster.password;
  ctx = await pc.open();
  t = await openTransports(ctx);
  port = pc.cluster.servers.find((s) => s.name === 'shard_1')!.port;
  // A role that may log in and create databases but read neither the system identifier nor the data directory.
  const admin = await pc.client('shard_1');
  try {
    await admin.query(`CREATE ROLE shard_adder LOGIN CREATEDB PASSWORD ${admin.escapeLiteral(pc.cluster.password)}`);
    await admin.query('REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC');
  } finally {
    await admin.end();
  }
  source = { servers: pc.cluster.servers, password: pc.cluster.password, folders: [pc.cluster.dir] };
}, 240_000);

afterAll(async () => {
  await t?.close();
  await pc?.stop();
  if (saved === undefined) delete process.env[VARIABLE];
  else process.env[VARIABLE] = saved;
});

describe('a registered database under another spelling', () => {
  it('is refused before any change: 127.1, 0.0.0.0, 2130706433, ::ffff:127.0.0.1 and this host by name', async () => {
    const before = await clusterState(source);
    const alias = hostname();
    const aliasIsLoopback = (await lookup(alias).catch(() => null))?.address === '127.0.0.1';
    const spellings = ['127.1', '0.0.0.0', '2130706433', '[::ffff:127.0.0.1]', 'LOCALHOST', ...(aliasIsLoopback ? [alias] : [])];
    for (const host of spellings) {
      const error = await refusal(addShard(ctx, { name: 'shard_9', url: url(host, 'pwb_shard_1') }));
      expect(error.code, host).toBe('SHARD_EXISTS');
      expect(error.message, host).toContain('shard_1');
      expect(error.message, host).toMatch(/Give the URL of another database/);
    }
    // Nothing moved: not a sequence, not a row, not the profile, no database created.
    expect(await clusterState(source)).toEqual(before);
    expect(ctx.profile.databases.map((d) => d.name)).toEqual(['default', 'shard_1', 'shard_2']);
  });

  it('is recognised by the server itself, whatever the address says (the check behind the spellings)', async () => {
    const shard1 = ctx.profile.databases.find((d) => d.name === 'shard_1')!;
    const sameServer = await refusal(assertNewDatabase({ ...shard1, name: 'shard_9' }, ctx.pools));
    expect(sameServer.code).toBe('SHARD_EXISTS');
    expect(sameServer.message).toMatch(/is shard_1 .* reached by another address: the same server \(system identifier \d+, started /);
    // A role that can read no identifier: the running server (start time, port) still gives it away.
    const plain = await refusal(assertNewDatabase({ ...shard1, name: 'shard_9', user: 'shard_adder' }, ctx.pools));
    expect(plain.code).toBe('SHARD_EXISTS');
    expect(plain.message).toMatch(/the same server \(started /);
    // Another database on that server is a new shard, and one that does not exist yet is too.
    await expect(assertNewDatabase({ ...shard1, name: 'shard_9', database: 'pwb_default_copy_never_made' }, ctx.pools)).resolves.toBeUndefined();
    await expect(assertNewDatabase({ ...shard1, name: 'shard_9', database: 'postgres' }, ctx.pools)).resolves.toBeUndefined();
  });

  it('is refused through the CLI, IPC and HTTP alike, with the status for a conflict', async () => {
    const before = await clusterState(source);
    const ipc = await t.ipc('cluster.addShard', { name: 'shard_9', url: url('2130706433', 'pwb_shard_1', 'shard_adder') });
    expect(ipc).toMatchObject({ ok: false, error: { code: 'SHARD_EXISTS' } });
    const http = await t.rpc('cluster.addShard', { name: 'shard_9', url: url('0.0.0.0', 'pwb_shard_1') });
    expect(http.status).toBe(409);
    const cli = await t.cli(['shard', 'add', 'shard_9', '--url', url('127.1', 'pwb_shard_1'), '--profile', pc.cluster.profilePath, '--json']);
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout).error.code).toBe('SHARD_EXISTS');
    expect(await clusterState(source)).toEqual(before);
  });
});

describe('adding a shard over HTTP and IPC', () => {
  it('answers with the result, finishes its audit row on the reopened pools, and a retry says the shard exists', async () => {
    // A page view first: the primary's pool is in use, as in the app, when the add reopens every pool.
    expect((await t.rpc('tenants.list', { limit: 5 })).status).toBe(200);
    const added = await t.rpc('cluster.addShard', { name: 'shard_3', url: url('127.0.0.1', 'pwb_shard_3') });
    expect(added.status, added.body).toBe(200);
    expect(JSON.parse(added.body)).toMatchObject({ ok: true, result: { name: 'shard_3', database: 'pwb_shard_3', created: true } });

    const again = await t.ipc('cluster.addShard', { name: 'shard_3', url: url('127.0.0.1', 'pwb_shard_3') });
    expect(again).toMatchObject({ ok: false, error: { code: 'SHARD_EXISTS' } });
    const viaIpc = await t.ipc('cluster.addShard', { name: 'shard_4', url: url('localhost', 'pwb_shard_4') });
    expect(viaIpc).toMatchObject({ ok: true, result: { name: 'shard_4', created: true } });

    const primary = await pc.client('default');
    try {
      const audit = await primary.query<{ target: string; outcome: string; finished: boolean }>(
        `SELECT target, outcome, finished_at IS NOT NULL AS finished FROM shard_console.audit_log WHERE action = 'cluster.addShard' ORDER BY id`,
      );
      expect(audit.rows).toEqual([
        { target: 'shard_3', outcome: 'succeeded', finished: true },
        { target: 'shard_4', outcome: 'succeeded', finished: true },
      ]);
    } finally {
      await primary.end();
    }
    const overview = JSON.parse((await t.rpc('cluster.overview', {})).body);
    const shards = overview.result.databases.filter((d: { name: string }) => d.name === 'shard_3' || d.name === 'shard_4');
    expect(shards).toMatchObject([
      { name: 'shard_3', reachable: true },
      { name: 'shard_4', reachable: true },
    ]);
    const written = JSON.parse(await readFile(pc.cluster.profilePath, 'utf8'));
    expect(written.shards.shard_3).toEqual({ url: url('127.0.0.1', 'pwb_shard_3') });
  });
});
