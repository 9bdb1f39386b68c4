import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../electron/core/config/load-profile.ts';
import { memorySecretStore } from '../../electron/core/config/secret-store.ts';
import { openConsole, type ConsoleContext } from '../../electron/core/console-context.ts';
import { detachedCall, type CallContext } from '../../electron/core/call-context.ts';
import { createHandlers } from '../../electron/core/dispatch/handlers.ts';
import { contract, type MethodName } from '../../shared/contract.ts';
import { startPrivateCluster, type PrivateCluster } from '../support/private-cluster.ts';
import { clusterState, type StateSource } from './support/cluster-state.ts';
import { openTransports, type Transports } from './support/transports.ts';

/*
 * A read-only profile writes nothing, anywhere. Its role here is the superuser: it could write
 * anything, so only the console's code keeps the databases as they were. Every page's methods and
 * every read command run against it, and the databases are compared by content before and after:
 * first on a primary the console has never written to (none of its own tables), then on one with
 * the schema and a size snapshot old enough that a writable console would store a new one.
 */

const VARIABLE = 'SC_READ_ONLY_PASSWORD';
const saved = process.env[VARIABLE];

let pc: PrivateCluster;
let ctx: ConsoleContext;
let t: Transports;
let source: StateSource;
let profilePath: string;
let website: { id: number; shard: string };

const KNOWN_READS = new Set<string>([
  'session.info',
  'cluster.overview',
  'catalog.tables',
  'tenants.list',
  'tenants.detail',
  'shards.sizes',
  'shards.largestTenants',
  'shards.tenantFootprint',
  'moves.list',
  'moves.preflight',
  'moves.verifyPlacement',
  'doctor.run',
  'migrations.status',
  'migrations.plan',
  'schema.drift',
  'schema.lint',
]);

/** Each read method of the contract with params a page would send. */
function readCalls(): Array<[MethodName, unknown]> {
  const other = website.shard === 'shard_1' ? 'shard_2' : 'shard_1';
  return [
    ['session.info', {}],
    ['cluster.overview', {}],
    ['catalog.tables', {}],
    ['tenants.list', { limit: 20, search: 'a' }],
    ['tenants.detail', { id: website.id }],
    ['shards.sizes', {}],
    ['shards.largestTenants', { limit: 5 }],
    ['shards.tenantFootprint', { id: website.id }],
    ['shards.tenantFootprint', { id: website.id, figure: 'exact' }],
    ['moves.list', {}],
    ['moves.preflight', { websiteId: website.id, target: other }],
    ['moves.verifyPlacement', { websiteId: website.id }],
    ['doctor.run', {}],
    ['migrations.status', {}],
    ['migrations.plan', {}],
    ['schema.drift', {}],
    ['schema.lint', {}],
    ...laterReadMethods(),
  ];
}

/** Read methods added after this file, that a page can call without an id: called with no params. */
function laterReadMethods(): Array<[MethodName, unknown]> {
  const handlers = createHandlers(ctx) as Partial<Record<MethodName, unknown>>;
  return (
    (Object.keys(contract) as MethodName[])
      // backup.create reads only, but needs a pg_dump as new as the servers (18 here; the machine has 15): its own tests cover it.
      .filter(
        (m) => !contract[m].mutates && !KNOWN_READS.has(m) && m !== 'backup.create' && handlers[m] !== undefined && contract[m].params.safeParse({}).success,
      )
      .map((m) => [m, {}])
  );
}

/**
 * Every method that changes a cluster, with params its schema accepts, listed here rather than read from
 * the contract's `mutates` flags: a flag dropped by mistake fails this test instead of leaving the
 * refusal to whichever service happens to check on its own.
 */
function changeCalls(): Array<[MethodName, unknown]> {
  const other = website.shard === 'shard_1' ? 'shard_2' : 'shard_1';
  const job = { jobId: '7d1c2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' };
  return [
    ['cluster.addShard', { name: 'shard_9', url: 'postgres://postgres@127.0.0.1:1/pwb_x' }],
    ['migrations.up', {}],
    ['moves.start', { websiteId: website.id, target: other }],
    ['moves.resume', job],
    ['moves.rollback', job],
    ['moves.cancel', job],
    ['restores.start', { websiteId: website.id, path: join(pc.cluster.dir, 'no-backup-here'), mode: 'replace' }],
    ['restores.resume', job],
    ['restores.rollback', job],
    ['restores.discard', job],
    ['restores.dropSchema', { schema: 'restore_probe' }],
  ];
}

function readCommands(): string[][] {
  const other = website.shard === 'shard_1' ? 'shard_2' : 'shard_1';
  return [
    ['shards'],
    ['tenants', '--limit', '20'],
    ['tenant', String(website.id)],
    ['sizes'],
    ['doctor'],
    ['moves'],
    ['verify', String(website.id)],
    ['move', String(website.id), '--to', other],
    ['migrate', 'status'],
    ['migrate', 'up', '--dry-run'],
    ['drift'],
    ['lint'],
  ];
}

async function runEveryRead(): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const [method, params] of readCalls()) {
    const viaIpc = await t.ipc(method, params);
    expect(viaIpc.ok, `${method} over IPC: ${JSON.stringify(viaIpc).slice(0, 300)}`).toBe(true);
    const viaHttp = await t.rpc(method, params);
    expect(viaHttp.status, `${method} over HTTP: ${viaHttp.body.slice(0, 300)}`).toBe(200);
    results[method] = (viaIpc as { result: unknown }).result;
  }
  for (const args of readCommands()) {
    const answer = await t.cli(['--json', '--profile', profilePath, ...args]);
    expect(answer.code, `${args.join(' ')}: ${answer.stderr}`).toBeLessThanOrEqual(1);
    results[`cli ${args.join(' ')}`] = JSON.parse(answer.stdout);
  }
  return results;
}

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 9 });
  process.env[VARIABLE] = pc.cluster.password;
  const folder = await mkdtemp(join(tmpdir(), 'sc-read-only-'));
  profilePath = join(folder, 'read-only.json');
  const profile = JSON.parse((await readFile(pc.cluster.profilePath, 'utf8')).replaceAll('${SC_TEST_PASSWORD}', `\${${VARIABLE}}`));
  await writeFile(profilePath, JSON.stringify({ ...profile, name: 'inspection', readOnly: true }, null, 2), { mode: 0o600 });
  ctx = openConsole(await loadProfile(profilePath, { env: process.env, secrets: memorySecretStore() }));
  t = await openTransports(ctx);
  source = { servers: pc.cluster.servers, password: pc.cluster.password, folders: [folder, pc.cluster.dir] };
  const primary = await pc.client('default');
  try {
    const role = await primary.query<{ super: boolean }>(`SELECT rolsuper AS super FROM pg_roles WHERE rolname = current_user`);
    expect(role.rows[0]!.super).toBe(true);
    website = (await primary.query<{ id: number; shard: string }>(`SELECT id, coalesce(shard_name, 'default') AS shard FROM pwb_websites ORDER BY id LIMIT 1`))
      .rows[0]!;
  } finally {
    await primary.end();
  }
}, 240_000);

afterAll(async () => {
  await t?.close();
  await ctx?.close();
  await pc?.stop();
  if (saved === undefined) delete process.env[VARIABLE];
  else process.env[VARIABLE] = saved;
});

describe('a read-only profile whose role could write', () => {
  it('refuses exactly the methods listed as changes, each with params its schema accepts', () => {
    const listed = changeCalls();
    for (const [method, params] of listed) expect(contract[method].params.safeParse(params).success, method).toBe(true);
    const flagged = (Object.keys(contract) as MethodName[]).filter((m) => contract[m].mutates);
    expect([...new Set(listed.map(([m]) => m))].sort()).toEqual(flagged.sort());
  });

  it('covers every read method of the contract', () => {
    const read = (Object.keys(contract) as MethodName[]).filter((m) => !contract[m].mutates);
    const called = new Set(readCalls().map(([m]) => m));
    // The rest read one job or run by its id (none exists yet: checked below) and need no page of their own.
    // backup.create reads only but needs a pg_dump as new as these PostgreSQL 18 servers: covered by its own tests.
    // profiles.* are the app session's (test/core/session): they read and write the app's own files, never a cluster.
    const byId = read.filter((m) => !called.has(m) && m !== 'backup.create' && !m.startsWith('profiles.'));
    for (const method of byId) expect(contract[method].params.safeParse({}).success, `${method} takes no id: call it in readCalls()`).toBe(false);
    expect(byId).toEqual(expect.arrayContaining(['migrations.run', 'moves.get']));
  });

  it('creates no console schema and stores nothing on a primary the console never wrote to', async () => {
    const before = await clusterState(source);
    // The migration ledger (shard_console.migration_checksums) is there from migrating; the console's own tables are not.
    expect(Object.keys(before).filter((key) => /^default table shard_console\.(schema_versions|move_jobs|size_snapshots|audit_log)$/.test(key))).toEqual([]);
    const results = await runEveryRead();
    expect(await clusterState(source)).toEqual(before);
    // Empty where nothing was recorded, and saying so.
    expect(results['moves.list']).toEqual({ jobs: [] });
    expect(results['shards.sizes']).toMatchObject({ snapshotTaken: false, snapshotSkipped: 'the profile is read-only, and looking must not write' });
    expect(results['cli sizes']).toMatchObject({ snapshot: { stored: false, skipped: 'the profile is read-only, and looking must not write' } });
    expect(results['cli moves']).toEqual({ jobs: [] });
    expect(await t.ipc('moves.get', { jobId: '7d1c2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' })).toMatchObject({ ok: false, error: { code: 'JOB_NOT_FOUND' } });
    expect(await t.ipc('migrations.run', { runId: 'none' })).toMatchObject({ ok: false, error: { code: 'JOB_NOT_FOUND' } });
    expect(await clusterState(source)).toEqual(before);
  }, 300_000);

  it('stores no size snapshot where a writable console would, and refuses every change with READ_ONLY', async () => {
    // A writable console creates the schema; its snapshot is made an hour old, so one is due again.
    const writable = await pc.open();
    expect(await t.ipc('session.info', {})).toMatchObject({ ok: true, result: { readOnly: true } });
    const writableTransports = await openTransports(writable);
    try {
      expect(await writableTransports.ipc('shards.sizes', {})).toMatchObject({ ok: true, result: { snapshotTaken: true } });
      const primary = await pc.client('default');
      await primary.query(`UPDATE shard_console.size_snapshots SET taken_at = taken_at - interval '1 hour'`).finally(() => primary.end());

      const before = await clusterState(source);
      expect(Object.keys(before)).toContain('default table shard_console.size_snapshots');
      await runEveryRead();
      for (const [method, params] of changeCalls()) {
        const answer = await t.rpc(method, params);
        expect(answer.status, method).toBe(403);
        expect(JSON.parse(answer.body).error.code, method).toBe('READ_ONLY');
        // Refused by the dispatcher, before the handler: the services' own refusal (below) answers
        // READ_ONLY too, but names the profile instead of the method.
        expect(await t.ipc(method, params), method).toMatchObject({ ok: false, error: { code: 'READ_ONLY', target: method } });
      }
      // Behind the dispatcher each service refuses on its own, naming the profile: a handler reached directly changes nothing either.
      const handlers = createHandlers(ctx) as Partial<Record<MethodName, (params: unknown, call: CallContext) => Promise<unknown>>>;
      for (const [method, params] of changeCalls()) {
        await expect(handlers[method]!(contract[method].params.parse(params), detachedCall('test')), method).rejects.toMatchObject({
          code: 'READ_ONLY',
          target: profilePath,
        });
      }
      // The CLI builds its own dispatcher: a restore and a move from the command line are refused by it too.
      for (const [method, args] of [
        ['restores.start', ['restore', String(website.id), '--from', join(pc.cluster.dir, 'no-backup-here'), '--replace', '--yes']],
        ['restores.dropSchema', ['restore', 'drop-schema', 'restore_probe', '--yes']],
        ['moves.start', ['move', String(website.id), '--to', website.shard === 'shard_1' ? 'shard_2' : 'shard_1', '--yes']],
      ] as const) {
        const answer = await t.cli(['--json', '--profile', profilePath, ...args]);
        expect(answer.code, `${args.join(' ')}: ${answer.stderr}`).toBe(1);
        expect(JSON.parse(answer.stdout).error, args.join(' ')).toMatchObject({ code: 'READ_ONLY', target: method });
      }
      expect(await clusterState(source)).toEqual(before);

      // The control: the same look through the writable console does store one now.
      expect(await writableTransports.ipc('shards.sizes', {})).toMatchObject({ ok: true, result: { snapshotTaken: true } });
      expect(await clusterState(source)).not.toEqual(before);
    } finally {
      await writableTransports.close();
    }
  }, 300_000);
});
