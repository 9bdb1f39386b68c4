import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseForm, MethodName, MethodParams, MethodResult, ProfileForm } from '../../../shared/contract.ts';
import { secretNameFor } from '../../../electron/core/session/profile-form.ts';
import { openSecret } from '../../../electron/core/config/secret-binding.ts';
import { memorySecretStore, type SecretStore } from '../../../electron/core/config/secret-store.ts';
import { ConsoleSession, type ConsoleSessionOptions } from '../../../electron/core/session/console-session.ts';
import { WritePaths } from '../../../electron/core/session/write-paths.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { tempFolder } from '../config/temp-folder.ts';
import { listeningDecoy } from '../../support/listening-decoy.ts';
import { testCluster } from '../../support/test-console.ts';

const sessions: ConsoleSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});

async function newSession(options: Partial<ConsoleSessionOptions> = {}) {
  const dataDir = await tempFolder();
  const session = new ConsoleSession({ dataDir, env: testCluster().env, secrets: memorySecretStore(), secretStorage: 'none', ...options });
  sessions.push(session);
  const call = async <M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>> => {
    const envelope = await session.dispatch(method, params);
    if (!envelope.ok) throw ConsoleError.fromInfo(envelope.error);
    return envelope.result as MethodResult<M>;
  };
  const fails = async (method: MethodName, params: unknown) => {
    const envelope = await session.dispatch(method, params);
    if (envelope.ok) throw new Error(`${method} succeeded`);
    return envelope.error;
  };
  return { session, dataDir, call, fails };
}

function primaryForm(password: DatabaseForm['password']): DatabaseForm {
  const primary = testCluster().servers.find((s) => s.name === 'default')!;
  return { shard: 'default', host: primary.host, port: primary.port, database: primary.database, user: primary.user, password, ssl: 'disable' };
}

function clusterForm(name: string, password: (shard: string) => DatabaseForm['password']): ProfileForm {
  return {
    name,
    databases: testCluster().servers.map((s) => ({
      shard: s.name,
      host: s.host,
      port: s.port,
      database: s.database,
      user: s.user,
      password: password(s.name),
      ssl: 'disable' as const,
    })),
    rails: null,
    tenantKeys: ['website_id', 'pwb_website_id'],
    globalTables: ['pwb_websites', 'pwb_users'],
    readOnly: false,
    backupDir: null,
    migrationsDir: null,
    pgDump: {},
    queryRole: null,
    pool: {},
  };
}

describe('the app session before a profile is open', () => {
  it('answers session.info and the profile methods, and refuses cluster methods with what to do', async () => {
    const { call, fails } = await newSession();
    expect(await call('session.info', {})).toMatchObject({ profile: null, profileSource: null, secretStorage: 'none' });
    const error = await fails('tenants.list', {});
    expect(error).toMatchObject({ code: 'CONFIG_NOT_FOUND', message: expect.stringContaining('Open a profile on the start screen') });
    expect(await call('profiles.list', {})).toMatchObject({ current: null, recent: [], saved: [], demo: { available: false, running: false } });
  });
});

describe('opening and switching profiles', () => {
  it('opens the cluster, remembers it, and keeps the open one when the next does not load', async () => {
    const { call, fails } = await newSession();
    const opened = await call('profiles.open', { source: { kind: 'profile', path: testCluster().profilePath } });
    expect(opened).toMatchObject({ source: { kind: 'profile', path: testCluster().profilePath }, readOnly: false });
    const tenants = await call('tenants.list', { limit: 5 });
    expect(tenants.total).toBeGreaterThan(0);
    expect((await call('profiles.list', {})).recent).toEqual([
      expect.objectContaining({ source: { kind: 'profile', path: testCluster().profilePath }, exists: true }),
    ]);

    const missing = await fails('profiles.open', { source: { kind: 'profile', path: '/nonexistent/profile.json' } });
    expect(missing.code).toBe('CONFIG_NOT_FOUND');
    expect((await call('session.info', {})).profile).toBe(opened.name);
    expect((await call('tenants.list', { limit: 5 })).total).toBe(tenants.total);
  });

  it("refuses a call from a page loaded for an earlier opening of a profile, before it runs: another tab's switch", async () => {
    const { session, call } = await newSession();
    await call('profiles.open', { source: { kind: 'profile', path: testCluster().profilePath } });
    const first = (await call('session.info', {})).openId!;
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect((await session.dispatch('tenants.list', { limit: 1 }, { openedProfile: first })).ok).toBe(true);

    // Another tab opens a profile (here the same file again: still another opening, with its own pools).
    await call('profiles.open', { source: { kind: 'profile', path: testCluster().profilePath } });
    const second = (await call('session.info', {})).openId!;
    expect(second).not.toBe(first);
    const stale = await session.dispatch('tenants.list', { limit: 1 }, { openedProfile: first });
    expect(stale).toMatchObject({ ok: false, error: { code: 'PROFILE_CHANGED', message: expect.stringContaining('tenants.list was not run') } });
    expect((await session.dispatch('tenants.list', { limit: 1 }, { openedProfile: second })).ok).toBe(true);
    // What the page needs to learn the new opening and switch again is never refused.
    expect((await session.dispatch('session.info', {}, { openedProfile: first })).ok).toBe(true);
    expect((await session.dispatch('profiles.list', {}, { openedProfile: first })).ok).toBe(true);
    // A caller that names no opening (the CLI, scripts) is not checked.
    expect((await session.dispatch('tenants.list', { limit: 1 })).ok).toBe(true);
  });

  it('refuses to switch while a job runs here, and switches once it ends', async () => {
    const { session, call, fails } = await newSession();
    await call('profiles.open', { source: { kind: 'profile', path: testCluster().profilePath } });
    let release!: () => void;
    const job = session.current!.jobs.start({ kind: 'size-scan', title: 'a long scan', caller: 'test' }, () => new Promise<void>((r) => (release = r)));
    const busy = await fails('profiles.open', { source: { kind: 'profile', path: testCluster().profilePath } });
    expect(busy).toMatchObject({ code: 'JOB_BUSY', message: expect.stringContaining('a long scan is running') });
    release();
    await job.done;
    const before = session.current;
    await call('profiles.open', { source: { kind: 'profile', path: testCluster().profilePath } });
    expect(session.current).not.toBe(before);
  });

  it('opens one environment of a database.yml, and lists each environment with its databases or why it cannot open', async () => {
    const servers = testCluster().servers;
    const entry = (s: (typeof servers)[number]) =>
      `    <<: *default\n    host: ${s.host}\n    port: ${s.port}\n    database: ${s.database}\n    username: ${s.user}\n    password: <%= ENV['SC_TEST_PASSWORD'] %>\n`;
    const yml = [
      'default: &default\n  adapter: postgresql\n',
      `production:\n  primary:\n${entry(servers[0]!)}  tenant_shard_1:\n${entry(servers[1]!)}`,
      'staging:\n  primary:\n    <<: *default\n    database: pwb_staging\n    password: hunter2\n',
    ].join('\n');
    const folder = await tempFolder({ 'config/database.yml': yml });
    const { call } = await newSession();
    const listed = await call('profiles.railsEnvironments', { file: join(folder, 'config/database.yml') });
    expect(listed.environments.map((e) => e.name)).toEqual(['production', 'staging']);
    expect(listed.environments[0]).toMatchObject({
      error: null,
      databases: [
        { shard: 'default', port: servers[0]!.port },
        { shard: 'shard_1', port: servers[1]!.port },
      ],
    });
    expect(listed.environments[1]?.error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('password') });
    const opened = await call('profiles.open', { source: { kind: 'rails', file: join(folder, 'config/database.yml'), environment: 'production' } });
    expect(opened.name).toBe('rails:production');
    expect((await call('cluster.overview', {})).databases.map((d) => [d.name, d.reachable])).toEqual([
      ['default', true],
      ['shard_1', true],
    ]);
  });
});

describe("the desktop window's writes", () => {
  it("go only into the console's own folders or to a path the save dialog granted; other callers name any path", async () => {
    const data = await tempFolder();
    const paths = new WritePaths('ui', { export: join(data, 'exports'), profile: join(data, 'profiles') });
    const { session, call } = await newSession({ writePaths: paths });
    await call('profiles.open', { source: { kind: 'profile', path: testCluster().profilePath } });
    const elsewhere = await tempFolder();
    const asWindow = (method: MethodName, params: unknown) => session.dispatch(method, params, { caller: 'ui' });
    const exportTo = (file: string) => ({ sql: 'SELECT 1 AS one', target: { kind: 'databases', names: ['default'] }, file, format: 'csv' });
    const exists = (file: string) =>
      stat(file).then(
        () => true,
        () => false,
      );

    // A page naming a file of its choosing anywhere: refused, nothing written.
    const outside = join(elsewhere, 'chosen-by-the-page.csv');
    const refused = await asWindow('query.export', exportTo(outside));
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'ACTION_NOT_ALLOWED', message: expect.stringContaining(`only into ${join(data, 'exports')} or to a file chosen with "Choose…"`) },
    });
    expect(await exists(outside)).toBe(false);
    const profile = await asWindow('profiles.save', {
      path: join(elsewhere, 'p.json'),
      form: clusterForm('p', () => ({ kind: 'env', variable: 'SC_TEST_PASSWORD' })),
    });
    expect(profile).toMatchObject({ ok: false, error: { code: 'ACTION_NOT_ALLOWED', message: expect.stringContaining('a profile only into') } });
    expect(await exists(join(elsewhere, 'p.json'))).toBe(false);
    // Nor a backup into a folder of the page's choosing.
    const backupElsewhere = join(elsewhere, 'backups');
    expect(await asWindow('backup.create', { dir: backupElsewhere, format: 'custom', jobs: 1 })).toMatchObject({
      ok: false,
      error: { code: 'ACTION_NOT_ALLOWED', message: expect.stringContaining("backs up only into the profile's backup folder") },
    });
    expect(await exists(backupElsewhere)).toBe(false);
    // Nor through a folder of the console's own: only files directly in it.
    expect(await asWindow('query.export', exportTo(join(data, 'exports', '..', 'recent.json')))).toMatchObject({
      ok: false,
      error: { code: 'ACTION_NOT_ALLOWED' },
    });

    // The console's exports folder (made on first use), and a path the dialog granted.
    expect(await asWindow('query.export', exportTo(join(data, 'exports', 'one.csv')))).toMatchObject({ ok: true });
    expect(await readFile(join(data, 'exports', 'one.csv'), 'utf8')).toContain('default');
    paths.grant(outside);
    expect(await asWindow('query.export', exportTo(outside))).toMatchObject({ ok: true });
    expect(
      await asWindow('profiles.save', {
        path: join(data, 'profiles', 'p.json'),
        form: clusterForm('p', () => ({ kind: 'env', variable: 'SC_TEST_PASSWORD' })),
      }),
    ).toMatchObject({ ok: true });

    // The CLI and `serve`'s browser name their own paths.
    const byHttp = join(elsewhere, 'by-http.csv');
    expect(await session.dispatch('query.export', exportTo(byHttp), { caller: 'http' })).toMatchObject({ ok: true });
    expect(await exists(byHttp)).toBe(true);
  });
});

describe('saving a profile from the form', () => {
  it('in browser mode refuses a typed password, storing and writing nothing; a ${VAR} reference saves and opens', async () => {
    const { dataDir, call, fails } = await newSession();
    const path = join(dataDir, 'profiles', 'typed.json');
    const refused = await fails('profiles.save', { path, form: clusterForm('typed', () => ({ kind: 'typed', value: testCluster().password })) });
    expect(refused).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('${VARIABLE}') });
    await expect(stat(path)).rejects.toThrow();

    const saved = await call('profiles.save', { path, form: clusterForm('by-env', () => ({ kind: 'env', variable: 'SC_TEST_PASSWORD' })) });
    expect(saved.storedSecrets).toEqual([]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toContain('"password": "${SC_TEST_PASSWORD}"');
    expect((await call('profiles.list', {})).saved).toEqual([{ path, name: 'by-env' }]);
    await call('profiles.open', { source: { kind: 'profile', path } });
    expect((await call('cluster.overview', {})).databases.every((d) => d.reachable)).toBe(true);
  });

  it('with a keychain, stores typed passwords there and names them in the file; the form reads back references only', async () => {
    const keychain: SecretStore = memorySecretStore();
    const { dataDir, call, fails } = await newSession({ secrets: keychain, secretStorage: 'keychain', env: {} });
    const path = join(dataDir, 'profiles', 'kept.json');
    const form = {
      ...clusterForm('kept', () => ({ kind: 'typed' as const, value: testCluster().password })),
      queryRole: { user: 'reader', password: { kind: 'typed' as const, value: 'query-Pw-1' } },
    };
    const saved = await call('profiles.save', { path, form });
    // Named for the profile and its file: another "kept" profile elsewhere never shares them.
    const kept = saved.storedSecrets[0]!.replace(/\/[^/]+$/, '');
    expect(kept).toMatch(/^shard-console\/kept@[0-9a-f]{8}$/);
    expect(saved.storedSecrets).toEqual([...testCluster().servers.map((s) => `${kept}/${s.name}`), `${kept}/query-role`]);
    // Each password is kept with the servers it was typed for: the query role's with every database's,
    // and the least TLS checking among them (none here).
    const serverOf = (user: string, s: { host: string; port: number }) => `${user}@localhost:${s.port}`;
    expect(openSecret((await keychain.get(`${kept}/query-role`))!)).toEqual({
      password: 'query-Pw-1',
      servers: testCluster()
        .servers.map((s) => serverOf('reader', s))
        .sort(),
      tls: 0,
    });
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(testCluster().password);
    expect(text).toContain(`"passwordSecret": "${kept}/default"`);
    const primary = testCluster().servers.find((s) => s.name === 'default')!;
    expect(openSecret((await keychain.get(`${kept}/default`))!)).toEqual({
      password: testCluster().password,
      servers: [serverOf(primary.user, primary)],
      tls: 0,
    });

    const read = await call('profiles.read', { path });
    expect(read.form.databases[0]?.password).toEqual({ kind: 'secret', name: `${kept}/default` });
    expect(read.form.queryRole).toEqual({ user: 'reader', password: { kind: 'secret', name: `${kept}/query-role` } });
    // Not replaced by accident.
    expect(await fails('profiles.save', { path, form: read.form })).toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
    await call('profiles.save', { path, form: { ...read.form, readOnly: true, queryRole: null }, overwrite: true });
    // The environment has no SC_TEST_PASSWORD here: the keychain is what opens it.
    const opened = await call('profiles.open', { source: { kind: 'profile', path } });
    expect(opened.readOnly).toBe(true);
    expect((await call('tenants.list', { limit: 1 })).total).toBeGreaterThan(0);
    // The app's own dispatcher refuses a change before its handler runs (the service would name the profile, not the method).
    expect(await fails('migrations.up', {})).toMatchObject({ code: 'READ_ONLY', target: 'migrations.up' });
  });

  it('never sends a saved password to another server: the form, a test and a hand-edited file are refused before connecting', async () => {
    const keychain: SecretStore = memorySecretStore();
    const decoy = await listeningDecoy();
    try {
      const { dataDir, call, fails } = await newSession({ secrets: keychain, secretStorage: 'keychain', env: {} });
      const path = join(dataDir, 'profiles', 'bound.json');
      await call('profiles.save', { path, form: clusterForm('bound', () => ({ kind: 'typed' as const, value: testCluster().password })) });
      const { form } = await call('profiles.read', { path });
      const elsewhere = (db: DatabaseForm): DatabaseForm => ({ ...db, host: '127.0.0.1', port: decoy.port });
      const before = await readFile(path, 'utf8');

      // The form keeping the primary's keychain password but pointing it at another server.
      const moved = { ...form, databases: form.databases.map((d) => (d.shard === 'default' ? elsewhere(d) : d)) };
      const refused = await fails('profiles.save', { path, form: moved, overwrite: true });
      expect(refused).toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining(`would send it to ${form.databases[0]!.user}@localhost:${decoy.port}`),
      });
      expect(refused.message).toContain('type the password again for default. Nothing was saved.');
      expect(await readFile(path, 'utf8')).toBe(before);

      // Testing that database from the form.
      const tested = await call('profiles.testConnection', { database: elsewhere(form.databases[0]!) });
      expect(tested).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID', message: expect.stringContaining('but it was saved for') } });

      // The file edited by hand: the profile does not open, and the open one stays.
      await call('profiles.open', { source: { kind: 'profile', path } });
      const file = JSON.parse(before);
      await writeFile(path, JSON.stringify({ ...file, shards: { ...file.shards, shard_1: { ...file.shards.shard_1, host: '127.0.0.1', port: decoy.port } } }));
      const opened = await fails('profiles.open', { source: { kind: 'profile', path } });
      expect(opened).toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/shards\.shard_1 would send the stored password "shard-console\/bound@[0-9a-f]{8}\/shard_1"/),
      });
      expect(decoy.connections()).toBe(0);

      // Typed again for the new server, it is saved for that server.
      const again = await call('profiles.save', {
        path,
        form: { ...moved, databases: moved.databases.map((d) => (d.shard === 'default' ? { ...d, password: { kind: 'typed' as const, value: 'x' } } : d)) },
        overwrite: true,
      });
      expect(openSecret((await keychain.get(again.storedSecrets[0]!))!).servers).toEqual([`${form.databases[0]!.user}@localhost:${decoy.port}`]);
    } finally {
      await decoy.close();
    }
  });

  it('never sends a saved password under weaker TLS than it was typed for: the form and a hand-edited file are refused before connecting', async () => {
    const keychain: SecretStore = memorySecretStore();
    const { dataDir, call, fails } = await newSession({ secrets: keychain, secretStorage: 'keychain', env: {} });
    const path = join(dataDir, 'profiles', 'tls-bound.json');
    // Typed for a primary reached over TLS (whether this server speaks it does not matter: nothing connects here).
    const typed = clusterForm('tls-bound', () => ({ kind: 'typed' as const, value: testCluster().password }));
    const required = { ...typed, databases: typed.databases.map((d) => (d.shard === 'default' ? { ...d, ssl: 'require' as const } : d)) };
    const saved = await call('profiles.save', { path, form: required });
    expect(openSecret((await keychain.get(saved.storedSecrets[0]!))!).tls).toBe(2);
    const { form } = await call('profiles.read', { path });
    const before = await readFile(path, 'utf8');

    const plain = { ...form, databases: form.databases.map((d) => (d.shard === 'default' ? { ...d, ssl: 'disable' as const } : d)) };
    const refused = await fails('profiles.save', { path, form: plain, overwrite: true });
    expect(refused).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('weaker TLS') });
    expect(await readFile(path, 'utf8')).toBe(before);

    // The file edited by hand, ssl taken off the primary: it does not open.
    const file = JSON.parse(before);
    const { ssl: _off, ...primary } = file.primary;
    await writeFile(path, JSON.stringify({ ...file, primary }));
    const opened = await fails('profiles.open', { source: { kind: 'profile', path } });
    expect(opened).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('with no TLS, but it was saved for TLS required') });
  });

  it('refuses to save a form over its file once the file changed since the form read it (shard add wrote a shard meanwhile), writing nothing', async () => {
    const { dataDir, call, fails } = await newSession();
    const path = join(dataDir, 'profiles', 'edited.json');
    await call('profiles.save', { path, form: clusterForm('edited', () => ({ kind: 'env', variable: 'SC_TEST_PASSWORD' })) });
    const read = await call('profiles.read', { path });
    // Meanwhile another console adds a shard to the file.
    const onDisk = JSON.parse(await readFile(path, 'utf8'));
    onDisk.shards = { ...onDisk.shards, shard_added: { url: 'postgres://ops:${SC_TEST_PASSWORD}@127.0.0.1:5999/pwb_added' } };
    await writeFile(path, JSON.stringify(onDisk, null, 2));
    const refused = await fails('profiles.save', { path, form: { ...read.form, readOnly: true }, overwrite: true, revision: read.revision });
    expect(refused).toMatchObject({ code: 'ACTION_NOT_ALLOWED', message: expect.stringContaining('changed since this form read it') });
    expect(JSON.parse(await readFile(path, 'utf8')).shards.shard_added).toBeDefined();
    // Read again, the form saves (and keeps the shard).
    const again = await call('profiles.read', { path });
    await call('profiles.save', { path, form: { ...again.form, readOnly: true }, overwrite: true, revision: again.revision });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ readOnly: true, shards: { shard_added: expect.anything() } });
  });

  it('checks the file again after the keychain was written: a change landing while the OS asked the user is not overwritten', async () => {
    const memory = memorySecretStore();
    let path = '';
    // The keychain's answer comes after shard add wrote the profile (the OS prompt took that long).
    const slow: SecretStore = {
      ...memory,
      get: (name) => memory.get(name),
      async set(name, value) {
        await memory.set(name, value);
        const onDisk = JSON.parse(await readFile(path, 'utf8'));
        await writeFile(path, JSON.stringify({ ...onDisk, shards: { ...onDisk.shards, shard_late: { url: 'postgres://ops@127.0.0.1:5999/pwb_late' } } }));
      },
    };
    const { dataDir, call, fails } = await newSession({ secrets: slow, secretStorage: 'keychain', env: { SC_TEST_PASSWORD: testCluster().password } });
    path = join(dataDir, 'profiles', 'late.json');
    await call('profiles.save', { path, form: clusterForm('late', () => ({ kind: 'env', variable: 'SC_TEST_PASSWORD' })) });
    const read = await call('profiles.read', { path });
    const typed = { ...read.form, databases: read.form.databases.map((d) => ({ ...d, password: { kind: 'typed' as const, value: testCluster().password } })) };
    // An entry stored before, under the name this save writes: the refused save must leave it as it was.
    await memory.set(secretNameFor('late', 'default', path), 'kept-before');
    const refused = await fails('profiles.save', { path, form: typed, overwrite: true, revision: read.revision });
    expect(refused).toMatchObject({ code: 'ACTION_NOT_ALLOWED', message: expect.stringContaining('changed since this form read it') });
    expect(JSON.parse(await readFile(path, 'utf8')).shards.shard_late).toBeDefined();
    expect(await memory.get(secretNameFor('late', 'default', path))).toBe('kept-before');
    expect(await memory.get(secretNameFor('late', 'shard_1', path))).toBeUndefined();
  });

  it('saved to another folder, a profile keeps naming the same files: its relative paths are written absolute', async () => {
    const { dataDir, call } = await newSession();
    const appDir = join(dataDir, 'app');
    const path = join(appDir, 'shard.json');
    await mkdir(appDir, { recursive: true });
    await writeFile(
      path,
      JSON.stringify({
        primary: { host: '127.0.0.1', database: 'pwb', user: 'pwb', ssl: 'require', sslRootCert: 'certs/ca.pem' },
        backupDir: 'backups',
        migrationsDir: '/srv/pwb/migrations',
        pgDump: { '15': 'bin/pg_dump' },
      }),
    );
    const read = await call('profiles.read', { path });
    const copy = join(dataDir, 'profiles', 'copy.json');
    await call('profiles.save', { path: copy, form: read.form, from: path });
    const saved = JSON.parse(await readFile(copy, 'utf8'));
    expect(saved).toMatchObject({
      backupDir: join(appDir, 'backups'),
      migrationsDir: '/srv/pwb/migrations',
      pgDump: { '15': join(appDir, 'bin/pg_dump') },
      primary: { sslRootCert: join(appDir, 'certs/ca.pem') },
    });
    // Saved over itself, it stays as written.
    await call('profiles.save', { path, form: read.form, overwrite: true, revision: read.revision });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ backupDir: 'backups', primary: { sslRootCert: 'certs/ca.pem' } });
  });

  it("keeps what the form does not show when a profile is edited: Rails shard names and the pool's settings", async () => {
    const { dataDir, call } = await newSession();
    const path = join(dataDir, 'rails.json');
    await writeFile(
      path,
      JSON.stringify({
        name: 'rails',
        rails: { file: '/srv/pwb/config/database.yml', environment: 'production', shardNames: { tenant_shard_1: 'eu_1' } },
        pool: { max: 20, statementTimeoutMs: 120_000 },
      }),
    );
    const { form } = await call('profiles.read', { path });
    expect(form.rails?.shardNames).toEqual({ tenant_shard_1: 'eu_1' });
    await call('profiles.save', { path, form: { ...form, readOnly: true }, overwrite: true });
    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved).toMatchObject({ readOnly: true, rails: { shardNames: { tenant_shard_1: 'eu_1' } }, pool: { max: 20, statementTimeoutMs: 120_000 } });
  });

  it("binds the query role's typed password to the servers of a database.yml named through ${VAR}, as the loader reads it", async () => {
    const yml =
      'production:\n  primary:\n    adapter: postgresql\n    host: db-main.internal\n    database: pwb\n  tenant_shard_1:\n    adapter: postgresql\n    host: db-eu.internal\n    database: pwb_eu\n';
    const app = await tempFolder({ 'config/database.yml': yml });
    const keychain: SecretStore = memorySecretStore();
    const { dataDir, call } = await newSession({ secrets: keychain, secretStorage: 'keychain', env: { RAILS_ROOT: app, PWB_ENV: 'production' } });
    const path = join(dataDir, 'rails-role.json');
    const form = {
      ...clusterForm('rails-role', () => ({ kind: 'env' as const, variable: 'SC_TEST_PASSWORD' })),
      databases: [],
      rails: { file: '${RAILS_ROOT}/config/database.yml', environment: '${PWB_ENV}', shardNames: { tenant_shard_1: 'eu' } },
      queryRole: { user: 'reader', password: { kind: 'typed' as const, value: 'query-Pw-2' } },
    };
    const saved = await call('profiles.save', { path, form });
    const role = saved.storedSecrets.find((n) => n.endsWith('/query-role'))!;
    expect(openSecret((await keychain.get(role))!).servers).toEqual(['reader@db-eu.internal:5432', 'reader@db-main.internal:5432']);
  });

  it("keeps a database.yml override to the fields it names: a row opened and saved as it was writes back no host, port or TLS of the form's defaults", async () => {
    const yml =
      'production:\n  primary:\n    adapter: postgresql\n    host: db-main.internal\n    database: pwb\n    sslmode: require\n  tenant_shard_1:\n    adapter: postgresql\n    host: db-eu.internal\n    database: pwb_eu\n    sslmode: verify-full\n';
    const app = await tempFolder({ 'config/database.yml': yml });
    const { dataDir, call } = await newSession();
    const path = join(dataDir, 'rails-override.json');
    const file = {
      name: 'rails-override',
      rails: { file: join(app, 'config/database.yml'), environment: 'production' },
      primary: { passwordSecret: 'pwb-primary' },
      shards: { shard_1: { host: 'tunnel', port: 15432 } },
    };
    await writeFile(path, JSON.stringify(file));
    const { form } = await call('profiles.read', { path });
    // Shown with the database.yml's values where the profile says nothing.
    expect(form.databases.map((d) => [d.shard, d.host, d.port, d.database, d.ssl])).toEqual([
      ['default', 'db-main.internal', 5432, 'pwb', 'require'],
      ['shard_1', 'tunnel', 15432, 'pwb_eu', 'verify-full'],
    ]);
    await call('profiles.save', { path, form, overwrite: true });
    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved.primary).toEqual({ passwordSecret: 'pwb-primary' });
    expect(saved.shards).toEqual({ shard_1: { host: 'tunnel', port: 15432 } });
    // A field changed in the form is written, the rest stays unsaid.
    const edited = { ...form, databases: form.databases.map((d) => (d.shard === 'shard_1' ? { ...d, port: 25432 } : d)) };
    await call('profiles.save', { path, form: edited, overwrite: true });
    expect(JSON.parse(await readFile(path, 'utf8')).shards).toEqual({ shard_1: { host: 'tunnel', port: 25432 } });
    // TLS turned off over the database.yml's require is said outright: left out, the database.yml's would win.
    const plain = { ...form, databases: form.databases.map((d) => (d.shard === 'default' ? { ...d, ssl: 'disable' as const } : d)) };
    await call('profiles.save', { path, form: plain, overwrite: true });
    expect(JSON.parse(await readFile(path, 'utf8')).primary).toEqual({ passwordSecret: 'pwb-primary', ssl: 'disable' });
  });

  it("saves a Rails profile's override as the fields it named and those changed, whatever the database.yml or the environment gives now", async () => {
    const yml =
      'staging:\n  primary:\n    adapter: postgresql\n    host: db-staging.internal\n    database: pwb_staging\n' +
      'production:\n  primary:\n    adapter: postgresql\n    host: db-main.internal\n    database: pwb\n';
    const app = await tempFolder({ 'config/database.yml': yml });
    // USER is the one a database.yml without username falls back to: the entry's own user must stay said.
    const { dataDir, call } = await newSession({ env: { ...testCluster().env, USER: 'alice' } });
    const path = join(dataDir, 'rails-env.json');
    await writeFile(
      path,
      JSON.stringify({
        name: 'rails-env',
        rails: { file: join(app, 'config/database.yml'), environment: 'staging' },
        primary: { passwordSecret: 'pwb-primary', user: 'alice' },
      }),
    );
    const { form } = await call('profiles.read', { path });
    expect(form.databases[0]).toMatchObject({ host: 'db-staging.internal', user: 'alice' });
    // Another environment chosen in the form: the staging values it showed are not written as overrides.
    await call('profiles.save', { path, form: { ...form, rails: { ...form.rails!, environment: 'production' } }, overwrite: true });
    expect(JSON.parse(await readFile(path, 'utf8')).primary).toEqual({ passwordSecret: 'pwb-primary', user: 'alice' });
    // Saved as a new file, TLS turned off is said outright over the database.yml too (left out, its prefer would win).
    const copy = join(dataDir, 'rails-copy.json');
    await call('profiles.save', { path: copy, form: { ...form, databases: [{ ...form.databases[0]!, ssl: 'disable' }] } });
    expect(JSON.parse(await readFile(copy, 'utf8')).primary.ssl).toBe('disable');
    // Without rails any more, the entries are whole and the database.yml is not read (gone here).
    await rm(join(app, 'config/database.yml'));
    const detached = { ...form, rails: null };
    await call('profiles.save', { path, form: detached, overwrite: true });
    expect(JSON.parse(await readFile(path, 'utf8')).primary).toMatchObject({ host: 'db-staging.internal', database: 'pwb_staging', user: 'alice' });
  });

  it('saves what the form showed when it was read, not what the database.yml says by the time it is saved', async () => {
    const ymlOf = (host: string) => `production:\n  primary:\n    adapter: postgresql\n    host: ${host}\n    database: pwb\n    sslmode: verify-full\n`;
    const app = await tempFolder({ 'config/database.yml': ymlOf('db-old.internal') });
    const { dataDir, call } = await newSession();
    const path = join(dataDir, 'rails-moving.json');
    const rails = { file: join(app, 'config/database.yml'), environment: 'production' };
    await writeFile(path, JSON.stringify({ name: 'moving', rails, primary: { passwordSecret: 'pwb-primary' } }));
    const { form } = await call('profiles.read', { path });
    expect(form.databases[0]).toMatchObject({ host: 'db-old.internal', fromRails: { host: 'db-old.internal', ssl: 'verify-full' } });
    // The app's database moves while the form is open: the untouched host is not pinned to the old one.
    await writeFile(join(app, 'config/database.yml'), ymlOf('db-new.internal'));
    await call('profiles.save', { path, form: { ...form, readOnly: true }, overwrite: true });
    expect(JSON.parse(await readFile(path, 'utf8')).primary).toEqual({ passwordSecret: 'pwb-primary' });
  });

  it('adds a row over a database.yml database that writes only what it adds: a password for a verify-full shard keeps its check', async () => {
    const yml =
      'production:\n  primary:\n    adapter: postgresql\n    host: db-main.internal\n    database: pwb\n' +
      '  tenant_shard_1:\n    adapter: postgresql\n    host: db-eu.internal\n    port: 6432\n    database: pwb_eu\n    username: pwb_eu\n    sslmode: verify-full\n    sslrootcert: certs/eu-ca.pem\n';
    const app = await tempFolder({ 'config/database.yml': yml });
    const { dataDir, call, fails } = await newSession();
    const path = join(dataDir, 'profiles', 'rails-added.json');
    // A relative database.yml is read from the profile's folder, as the loader reads it.
    const rails = { file: relative(join(dataDir, 'profiles'), join(app, 'config/database.yml')), environment: 'production', shardNames: {} };
    const listed = await call('profiles.railsDatabases', { rails, profilePath: path });
    expect(listed.databases.map((d) => [d.shard, d.host, d.port, d.database, d.user, d.ssl])).toEqual([
      ['default', 'db-main.internal', 5432, 'pwb', expect.any(String), 'prefer'],
      ['shard_1', 'db-eu.internal', 6432, 'pwb_eu', 'pwb_eu', 'verify-full'],
    ]);
    const eu = listed.databases.find((d) => d.shard === 'shard_1')!;
    expect(eu.sslRootCert).toBe(join(app, 'certs/eu-ca.pem'));
    const form = {
      ...clusterForm('rails-added', () => ({ kind: 'none' as const })),
      databases: [{ ...eu, password: { kind: 'env' as const, variable: 'PWB_EU_PASSWORD' } }],
      rails,
    };
    await call('profiles.save', { path, form });
    expect(JSON.parse(await readFile(path, 'utf8')).shards).toEqual({ shard_1: { password: '${PWB_EU_PASSWORD}' } });
    // Renamed, the row is another database: written whole, nothing taken from the one it was shown from.
    const { fromRails: _shown, ...whole } = form.databases[0]!;
    await call('profiles.save', { path, form: { ...form, databases: [{ ...whole, shard: 'shard_9' }] }, overwrite: true });
    expect(JSON.parse(await readFile(path, 'utf8')).shards.shard_9).toMatchObject({ host: 'db-eu.internal', port: 6432, ssl: 'verify-full' });
    expect(await fails('profiles.railsDatabases', { rails: { ...rails, environment: 'staging' }, profilePath: path })).toMatchObject({
      code: expect.stringMatching(/^CONFIG_/),
      message: expect.stringContaining('staging'),
    });
  });

  it('writes whole a row shown from a database the chosen environment does not name, so the profile still loads', async () => {
    const yml =
      'production:\n  primary:\n    adapter: postgresql\n    host: db-main.internal\n    database: pwb\n' +
      '  tenant_shard_1:\n    adapter: postgresql\n    host: db-eu.internal\n    database: pwb_eu\n' +
      'staging:\n  primary:\n    adapter: postgresql\n    host: db-staging.internal\n    database: pwb_staging\n';
    const app = await tempFolder({ 'config/database.yml': yml });
    const { dataDir, call } = await newSession();
    const path = join(dataDir, 'rails-lacking.json');
    const rails = { file: join(app, 'config/database.yml'), environment: 'production', shardNames: {} };
    const [, eu] = (await call('profiles.railsDatabases', { rails, profilePath: path })).databases;
    const form = { ...clusterForm('lacking', () => ({ kind: 'none' as const })), databases: [eu!], rails };
    // Saved for production, the row overrides nothing; saved for staging, which has no shard_1, it is written whole.
    await call('profiles.save', { path, form });
    expect(JSON.parse(await readFile(path, 'utf8')).shards).toEqual({ shard_1: {} });
    await call('profiles.save', { path, form: { ...form, rails: { ...rails, environment: 'staging' } }, overwrite: true });
    expect(JSON.parse(await readFile(path, 'utf8')).shards.shard_1).toMatchObject({ host: 'db-eu.internal', database: 'pwb_eu' });
  });

  it('opens a Rails profile whose database.yml is gone when its entries say every field, to fix it; one with partial entries says why not', async () => {
    const { dataDir, call, fails } = await newSession();
    const whole = join(dataDir, 'rails-moved.json');
    const rails = { file: join(dataDir, 'moved-away', 'config/database.yml'), environment: 'production' };
    await writeFile(whole, JSON.stringify({ name: 'moved', rails, primary: { host: 'db', port: 5432, database: 'pwb', user: 'pwb' } }));
    expect((await call('profiles.read', { path: whole })).form.databases[0]).toMatchObject({ host: 'db', database: 'pwb' });
    const partial = join(dataDir, 'rails-partial.json');
    await writeFile(partial, JSON.stringify({ name: 'partial', rails, primary: { passwordSecret: 'x' } }));
    expect(await fails('profiles.read', { path: partial })).toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      message: expect.stringContaining('edit the profile file itself'),
    });
  });

  it('two profiles of the same name in two folders keep their typed passwords apart', async () => {
    const keychain: SecretStore = memorySecretStore();
    const { dataDir, call } = await newSession({ secrets: keychain, secretStorage: 'keychain', env: {} });
    const typed = (value: string) => clusterForm('prod', () => ({ kind: 'typed' as const, value }));
    const eu = await call('profiles.save', { path: join(dataDir, 'eu', 'prod.json'), form: typed('eu-Secret-1') });
    const us = await call('profiles.save', { path: join(dataDir, 'us', 'prod.json'), form: typed('us-Secret-2') });
    expect(eu.storedSecrets.filter((n) => us.storedSecrets.includes(n))).toEqual([]);
    expect(openSecret((await keychain.get(eu.storedSecrets[0]!))!).password).toBe('eu-Secret-1');
  });

  it("keeps a database's CA certificate (sslRootCert, or sslrootcert in its URL) when the profile is edited", async () => {
    const { dataDir, call } = await newSession();
    const path = join(dataDir, 'tls.json');
    await writeFile(
      path,
      JSON.stringify({
        name: 'tls',
        primary: { host: 'db.internal', database: 'pwb', user: 'pwb', ssl: 'verify-full', sslRootCert: 'certs/ca.pem' },
        shards: { shard_1: { url: 'postgres://pwb@db1.internal/pwb_1?sslmode=require&sslrootcert=/etc/ssl/ca.pem' } },
      }),
    );
    const { form } = await call('profiles.read', { path });
    expect(form.databases.map((d) => d.sslRootCert)).toEqual(['certs/ca.pem', '/etc/ssl/ca.pem']);
    await call('profiles.save', { path, form, overwrite: true });
    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved.primary).toMatchObject({ ssl: 'verify-full', sslRootCert: 'certs/ca.pem' });
    expect(saved.shards.shard_1).toMatchObject({ ssl: 'require', sslRootCert: '/etc/ssl/ca.pem' });
  });

  it("reads a URL without sslmode as libpq's prefer and host fields without ssl as off, and keeps each mode and its CA when saved", async () => {
    const { dataDir, call } = await newSession();
    const path = join(dataDir, 'modes.json');
    await writeFile(
      path,
      JSON.stringify({
        name: 'modes',
        primary: { url: 'postgres://pwb@db.internal/pwb' },
        shards: { shard_1: { host: 'db1', database: 'pwb_1' }, shard_2: { host: 'db2', database: 'pwb_2', ssl: 'prefer', sslRootCert: 'ca.pem' } },
      }),
    );
    const { form } = await call('profiles.read', { path });
    expect(form.databases.map((d) => d.ssl)).toEqual(['prefer', 'disable', 'prefer']);
    await call('profiles.save', { path, form, overwrite: true });
    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved.primary.ssl).toBe('prefer');
    expect(saved.shards.shard_1.ssl).toBeUndefined();
    expect(saved.shards.shard_2).toMatchObject({ ssl: 'prefer', sslRootCert: 'ca.pem' });
  });

  it('refuses a form without a primary or with a shard named twice, writing nothing', async () => {
    const { dataDir, fails } = await newSession();
    const path = join(dataDir, 'bad.json');
    const form = clusterForm('bad', () => ({ kind: 'env', variable: 'SC_TEST_PASSWORD' }));
    expect(await fails('profiles.save', { path, form: { ...form, databases: form.databases.slice(1) } })).toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('no primary'),
    });
    expect(await fails('profiles.save', { path, form: { ...form, databases: [...form.databases, form.databases[1]!] } })).toMatchObject({
      message: expect.stringContaining('twice'),
    });
    await expect(stat(path)).rejects.toThrow();
  });

  it('reads a hand-written profile with URLs and ${VAR} references into the form', async () => {
    const folder = await tempFolder({
      'p.json': JSON.stringify({
        primary: { url: 'postgres://pwb:${PGPASS}@db.internal:6432/pwb_production?sslmode=require' },
        shards: { shard_1: { host: '${SHARD_HOST}', database: 'pwb_s1', user: 'pwb', passwordSecret: 'prod-s1' } },
      }),
    });
    const { call, fails } = await newSession();
    const { form } = await call('profiles.read', { path: join(folder, 'p.json') });
    expect(form.name).toBe('p');
    expect(form.databases).toEqual([
      {
        shard: 'default',
        host: 'db.internal',
        port: 6432,
        database: 'pwb_production',
        user: 'pwb',
        password: { kind: 'env', variable: 'PGPASS' },
        ssl: 'require',
      },
      { shard: 'shard_1', host: '${SHARD_HOST}', port: 5432, database: 'pwb_s1', user: 'pwb', password: { kind: 'secret', name: 'prod-s1' }, ssl: 'disable' },
    ]);
    // A password given as a URL parameter is the row's password too (saved, the row would have none).
    const query = await tempFolder({ 'q.json': JSON.stringify({ primary: { url: 'postgres://pwb@db.internal/pwb?sslmode=require&password=${PGPASS}' } }) });
    const read = await call('profiles.read', { path: join(query, 'q.json') });
    expect(read.form.databases[0]?.password).toEqual({ kind: 'env', variable: 'PGPASS' });
    await call('profiles.save', { path: join(query, 'q.json'), form: read.form, overwrite: true, revision: read.revision });
    expect((await call('profiles.read', { path: join(query, 'q.json') })).form.databases[0]?.password).toEqual({ kind: 'env', variable: 'PGPASS' });
    // A URL the loader opens but the form cannot split is told as that, never as a URL written wrong.
    for (const url of ['${PWB_DATABASE_URL}', 'postgres://pwb@db:${PORT}/pwb', 'postgres://pwb@db/pwb?sslmode=${MODE}']) {
      const folder = await tempFolder({ 'v.json': JSON.stringify({ primary: { url } }) });
      const refused = await fails('profiles.read', { path: join(folder, 'v.json') });
      expect(refused, url).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('Edit that entry in the file itself') });
      expect(refused.message, url).not.toContain('not a valid URL');
    }
    // A URL wrong for another reason than its variables is told so.
    const typo = await tempFolder({ 't.json': JSON.stringify({ primary: { url: 'postgres://pwb:${PW}@db:54x2/pwb' } }) });
    const wrong = await fails('profiles.read', { path: join(typo, 't.json') });
    expect(wrong.message).not.toContain('Edit that entry in the file itself');
  });
});

describe('testing a connection from the form', () => {
  it('reports the server, the round trip and the websites; a wrong password and a closed port say which', async () => {
    const { call } = await newSession();
    const ok = await call('profiles.testConnection', { database: primaryForm({ kind: 'typed', value: testCluster().password }) });
    expect(ok).toMatchObject({ ok: true, serverVersion: expect.stringMatching(/^\d+/), error: null });
    expect(ok.websites).toBe(testCluster().seed.websites);
    const byEnv = await call('profiles.testConnection', { database: primaryForm({ kind: 'env', variable: 'SC_TEST_PASSWORD' }) });
    expect(byEnv.ok).toBe(true);

    const wrong = await call('profiles.testConnection', { database: primaryForm({ kind: 'typed', value: 'not-the-password' }) });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    const closed = await call('profiles.testConnection', { database: { ...primaryForm({ kind: 'none' }), port: 1 } });
    expect(closed).toMatchObject({ ok: false, error: { code: 'DATABASE_UNREACHABLE' } });
    const unset = await call('profiles.testConnection', { database: primaryForm({ kind: 'env', variable: 'SC_NOT_SET_ANYWHERE' }) });
    expect(unset).toMatchObject({ ok: false, error: { code: 'CONFIG_MISSING_VARIABLE' } });
  });

  it("tries a database.yml row without a password of its own with the database.yml's, as the loader would", async () => {
    const s = testCluster().servers[0]!;
    const yml = `production:\n  primary:\n    adapter: postgresql\n    host: ${s.host}\n    port: ${s.port}\n    database: ${s.database}\n    username: ${s.user}\n    password: <%= ENV['SC_TEST_PASSWORD'] %>\n`;
    const app = await tempFolder({ 'config/database.yml': yml });
    const { dataDir, call } = await newSession();
    const profilePath = join(dataDir, 'rails-test.json');
    const rails = { file: relative(dataDir, join(app, 'config/database.yml')), environment: 'production', shardNames: {} };
    const [row] = (await call('profiles.railsDatabases', { rails, profilePath })).databases;
    expect(row?.password).toEqual({ kind: 'none' });
    expect(await call('profiles.testConnection', { database: row!, profilePath, rails })).toMatchObject({ ok: true });
    // Without the import the row has no password at all, and the server says so.
    expect((await call('profiles.testConnection', { database: row!, profilePath })).ok).toBe(false);
    // A password of the row's own wins over the database.yml's.
    const wrong = await call('profiles.testConnection', { database: { ...row!, password: { kind: 'typed', value: 'not-it' } }, profilePath, rails });
    expect(wrong.error?.code).toBe('AUTH_FAILED');
  });

  it('tests a database.yml row over the database.yml as it reads now, as the loader would: a row shown for another environment goes where the saved profile would', async () => {
    const s = testCluster().servers[0]!;
    const entry = (host: string, port: number) =>
      `    adapter: postgresql\n    host: ${host}\n    port: ${port}\n    database: ${s.database}\n    username: ${s.user}\n    password: <%= ENV['SC_TEST_PASSWORD'] %>\n`;
    // Staging's server does not listen; production's is the test cluster's primary.
    const yml = `staging:\n  primary:\n${entry('127.0.0.1', 1)}production:\n  primary:\n${entry(s.host, s.port)}`;
    const app = await tempFolder({ 'config/database.yml': yml });
    const { dataDir, call } = await newSession();
    const profilePath = join(dataDir, 'rails-switch.json');
    const rails = { file: join(app, 'config/database.yml'), environment: 'staging' };
    await writeFile(profilePath, JSON.stringify({ name: 'switch', rails, primary: { user: s.user }, shards: { shard_8: { host: 'db8', database: 'pwb8' } } }));
    const { form } = await call('profiles.read', { path: profilePath });
    const [primary, own] = form.databases;
    expect(primary).toMatchObject({ port: 1, fromRails: { host: '127.0.0.1', port: 1 } });
    // A shard the database.yml does not name shows nothing from it: saved whole, as any row of its own.
    expect(own).toMatchObject({ shard: 'shard_8', host: 'db8' });
    expect(own?.fromRails).toBeUndefined();
    const production = { ...form.rails!, environment: 'production' };
    expect(await call('profiles.testConnection', { database: primary!, profilePath, rails: production })).toMatchObject({ ok: true });
    // What the row overrides is its own: a port changed in the form is tried, not the database.yml's.
    const moved = await call('profiles.testConnection', { database: { ...primary!, port: 2 }, profilePath, rails: production });
    expect(moved).toMatchObject({ ok: false, error: { code: 'DATABASE_UNREACHABLE' } });
  });

  it("tells a failure with the form's ${VAR} references, never the values they stand for on this machine", async () => {
    const { call } = await newSession({ env: { ...testCluster().env, SC_PROBE_HOST: 'secret-value-4f1c.invalid', SC_PROBE_DB: 'secret-db-9a2e' } });
    const failed = await call('profiles.testConnection', {
      database: { ...primaryForm({ kind: 'none' }), host: '${SC_PROBE_HOST}', database: '${SC_PROBE_DB}' },
    });
    expect(failed).toMatchObject({ ok: false, error: { code: 'DATABASE_UNREACHABLE' } });
    expect(failed.error!.message).toContain('${SC_PROBE_HOST}');
    expect(failed.error!.message).not.toContain('secret-value-4f1c');
    expect(failed.error!.message).not.toContain('secret-db-9a2e');
  });
});

describe('the recent list', () => {
  it('marks a profile whose file is gone and forgets it on request', async () => {
    const folder = await tempFolder();
    const path = join(folder, 'p.json');
    await writeFile(path, await readFile(testCluster().profilePath, 'utf8'));
    const { session, call } = await newSession();
    await call('profiles.open', { source: { kind: 'profile', path } });
    await session.recent.remember({ kind: 'profile', path: '/gone/away.json' }, 'away');
    const recent = (await call('profiles.list', {})).recent;
    expect(recent.map((r) => [r.name, r.exists])).toEqual([
      ['away', false],
      [expect.any(String), true],
    ]);
    expect(await call('profiles.forget', { source: { kind: 'profile', path: '/gone/away.json' } })).toEqual({ forgotten: true });
    expect((await call('profiles.list', {})).recent).toHaveLength(1);
  });
});
