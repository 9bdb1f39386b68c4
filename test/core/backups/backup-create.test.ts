import { chmod, cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile, open } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { createDispatcher, type Dispatch } from '../../../electron/core/dispatch/dispatcher.ts';
import { createHandlers } from '../../../electron/core/dispatch/handlers.ts';
import { backupManifestSchema, type JobProgressEvent, type MethodName, type MethodParams, type MethodResult } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { openTestConsole } from '../../support/test-console.ts';

/*
 * Backups of a real three-server PostgreSQL 15 cluster with the machine's real pg_dump 15, read back
 * with the offline reader. pg_dump runs through a wrapper that records how it was called, so the test
 * can see that no password reached its command line or environment.
 */

const REAL_PG_DUMP = '/usr/lib/postgresql/15/bin/pg_dump';

let pc: PrivateCluster;
let ctx: ConsoleContext;
let dispatch: Dispatch;
let work: string;
let wrapperLog: string;

async function call<M extends MethodName>(
  method: M,
  params: MethodParams<M>,
  options: { signal?: AbortSignal; onEvent?: (e: unknown) => void; on?: Dispatch } = {},
): Promise<MethodResult<M>> {
  const envelope = await (options.on ?? dispatch)(method, params, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    caller: 'test',
  });
  if (!envelope.ok) throw ConsoleError.fromInfo(envelope.error);
  return envelope.result as MethodResult<M>;
}

/** A pg_dump that logs its arguments, its PG* environment and its password file's mode, then runs the real one. */
async function writeWrapper(dir: string): Promise<string> {
  const file = path.join(dir, 'pg_dump');
  await writeFile(
    file,
    `#!/bin/sh
if [ "$1" = "--version" ]; then exec ${REAL_PG_DUMP} --version; fi
if [ -f ${path.join(dir, 'kill-next')} ]; then rm -f ${path.join(dir, 'kill-next')}; kill -KILL $$; fi
{ echo "ARGS $*"; env | grep '^PG' | sed 's/^/ENV /'; [ -n "$PGPASSFILE" ] && echo "PASSFILE_MODE $(stat -c %a "$PGPASSFILE")"; } >> ${wrapperLog}
exec ${REAL_PG_DUMP} "$@"
`,
  );
  await chmod(file, 0o755);
  return file;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 12, scale: 0.02, major: 15 });
  work = await mkdtemp(path.join(os.tmpdir(), 'sc-backup-test-'));
  wrapperLog = path.join(work, 'pg_dump-calls.log');
  const wrapper = await writeWrapper(work);
  // The profile names the wrapper as its pg_dump for PostgreSQL 15.
  const profile = JSON.parse(await readFile(pc.cluster.profilePath, 'utf8'));
  const profilePath = path.join(work, 'profile.json');
  await writeFile(profilePath, JSON.stringify({ ...profile, pgDump: { '15': wrapper }, backupDir: path.join(work, 'backups') }));
  ctx = await pc.open(profilePath);
  dispatch = createDispatcher(createHandlers(ctx), { validateResults: true });
}, 180_000);
afterAll(async () => {
  await pc?.stop();
  await rm(work, { recursive: true, force: true });
});

async function sql(database: string, text: string, values: unknown[] = []) {
  const client: pg.Client = await pc.client(database);
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('backup create', () => {
  let folder: string;

  it('dumps every database, several at once, with progress per database, checksums and a manifest', async () => {
    const events: JobProgressEvent[] = [];
    const result = await call('backup.create', { format: 'custom', jobs: 2 }, { onEvent: (e) => events.push(e as JobProgressEvent) });
    folder = result.backup;
    expect(path.dirname(folder)).toBe(path.join(work, 'backups'));
    expect(result.databases.map((d) => d.name)).toEqual(['default', 'shard_1', 'shard_2']);
    for (const d of result.databases) {
      const bytes = await readFile(path.join(folder, d.file));
      expect(d.bytes).toBe(bytes.length);
      expect(d.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(d.serverVersion).toMatch(/^15\./);
      expect(d.pgDumpVersion).toMatch(/^15\./);
      const last = events.filter((e) => e.phase === d.name).at(-1);
      expect(last).toMatchObject({ kind: 'backup', unit: 'bytes' });
      expect(last!.done).toBe(last!.total);
    }
    const manifest = backupManifestSchema.parse(JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8')));
    expect(manifest).toMatchObject({ profile: 'test', consoleVersion: ctx.version, complete: true, incomplete: [] });
    const routing = await sql('default', `SELECT id::text, coalesce(shard_name, 'default') AS s FROM pwb_websites`);
    expect(manifest.routing).toEqual(Object.fromEntries(routing.map((r) => [r.id, r.s])));
    const versions = (await sql('shard_1', 'SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version);
    expect(manifest.databases.find((d) => d.name === 'shard_1')!.migrations).toEqual(versions);
    expect((await stat(path.join(folder, 'manifest.json'))).mode & 0o777).toBe(0o600);
  });

  it('gives pg_dump the password through a 0600 password file only: never its command line, environment, the manifest', async () => {
    const log = await readFile(wrapperLog, 'utf8');
    expect(log).toContain('ARGS --format custom');
    expect(log).toContain('PASSFILE_MODE 600');
    expect(log).not.toContain(pc.cluster.password);
    expect(log).not.toMatch(/^ENV PGPASSWORD=/m);
    expect(await readFile(path.join(folder, 'manifest.json'), 'utf8')).not.toContain(pc.cluster.password);
  });

  it('verify re-reads every file: a good backup passes; a changed byte is a checksum mismatch; damage inside a block names the offset', async () => {
    expect(await call('backup.verify', { path: folder })).toEqual({
      ok: true,
      files: ['default', 'shard_1', 'shard_2'].map((name) => ({ name, file: `${name}.dump`, ok: true, message: expect.stringContaining('checksum matches') })),
    });
    expect((await call('backup.list', {})).backups[0]).toMatchObject({
      path: folder,
      complete: true,
      databases: ['default', 'shard_1', 'shard_2'],
      verified: { ok: true },
    });
    // A folder named that is not there, or is a file, is a wrong path, not an empty list.
    await expect(call('backup.list', { dir: `${folder}-nowhere` })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      message: expect.stringContaining('Check the path'),
    });
    await expect(call('backup.list', { dir: path.join(folder, 'manifest.json') })).rejects.toThrow(/is a file, not a folder of backups/);
    expect((await call('backup.list', { dir: path.dirname(folder) })).backups.map((b) => b.path)).toContain(folder);
    // A copy of the backup with one byte flipped in the middle of shard_1's archive.
    const copy = `${folder}-damaged`;
    await import('node:fs/promises').then((fs) => fs.cp(folder, copy, { recursive: true }));
    const target = path.join(copy, 'shard_1.dump');
    const size = (await stat(target)).size;
    const handle = await open(target, 'r+');
    const at = Math.floor(size * 0.6);
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    await handle.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, at);
    await handle.close();
    const mismatch = await call('backup.verify', { path: copy });
    expect(mismatch.ok).toBe(false);
    expect(mismatch.files.find((f) => f.name === 'shard_1')).toMatchObject({ ok: false, message: expect.stringContaining('checksum mismatch') });
    // The manifest told to expect the damaged bytes: the archive's own structure must catch it, with an offset.
    const manifestFile = path.join(copy, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    manifest.databases.find((d: { name: string }) => d.name === 'shard_1').sha256 = createHash('sha256')
      .update(await readFile(target))
      .digest('hex');
    await writeFile(manifestFile, JSON.stringify(manifest));
    const damaged = await call('backup.verify', { path: copy });
    const shard = damaged.files.find((f) => f.name === 'shard_1')!;
    expect(damaged.ok).toBe(false);
    expect(shard.ok).toBe(false);
    expect(shard.message, shard.message).toMatch(/shard_1.dump: .*at byte \d+/);
    await rm(copy, { recursive: true, force: true });
  });

  it('inspect and website read every archive they can, each damaged or missing one said (the CLI exits 1); a manifest naming a file outside its folder is refused', async () => {
    const copy = `${folder}-partly`;
    await import('node:fs/promises').then((fs) => fs.cp(folder, copy, { recursive: true }));
    try {
      const routing = JSON.parse(await readFile(path.join(copy, 'manifest.json'), 'utf8')).routing as Record<string, string>;
      const onShard1 = Number(Object.entries(routing).find(([, s]) => s === 'shard_1')![0]);
      // shard_1's archive cut short (a copy that ran out of disk), shard_2's gone.
      const cut = path.join(copy, 'shard_1.dump');
      await import('node:fs/promises').then(async (fs) => fs.truncate(cut, Math.floor((await stat(cut)).size * 0.6)));
      await rm(path.join(copy, 'shard_2.dump'));
      const inspected = await call('backup.inspect', { path: copy });
      expect(inspected.archives.map((a) => [a.database, a.error?.code ?? null])).toEqual([
        ['default', null],
        ['shard_1', 'ARCHIVE_UNREADABLE'],
        ['shard_2', expect.any(String)],
      ]);
      expect(inspected.archives[0]!.tables.length).toBeGreaterThan(0);
      const website = await call('backup.website', { path: copy, id: onShard1, rows: 0 });
      expect(website.archives.map((a) => [a.database, a.error?.code ?? null])).toEqual([
        ['default', null],
        ['shard_1', 'ARCHIVE_UNREADABLE'],
        ['shard_2', expect.any(String)],
      ]);
      const cli = await new Promise<{ code: number; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.resolve('bin/shard-console.js'), 'backup', 'website', String(onShard1), copy], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
      });
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/shard_1: ARCHIVE_UNREADABLE: .*The counts above are what was read before it\./);

      const manifestFile = path.join(copy, 'manifest.json');
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
      manifest.databases[0].file = '../elsewhere/default.dump';
      await writeFile(manifestFile, JSON.stringify(manifest));
      for (const method of ['backup.verify', 'backup.inspect'] as const)
        await expect(call(method, { path: copy })).rejects.toMatchObject({
          code: 'ARCHIVE_UNREADABLE',
          message: expect.stringContaining('an archive file name inside the backup folder'),
        });
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('verify says which data it could not read (large objects), checked by the checksum alone', async () => {
    const [{ oid }] = await sql('shard_2', `SELECT lo_from_bytea(0, 'a large object'::bytea)::int AS oid`);
    try {
      const { backup } = await call('backup.create', { format: 'custom', databases: ['shard_2'], jobs: 1 });
      const verified = await call('backup.verify', { path: backup });
      expect(verified.ok).toBe(true);
      expect(verified.files[0]!.message).toMatch(
        /^checksum matches; \d+ tables, \d+ rows read; 1 data entry not read \(large objects\): checked by the checksum only$/,
      );
    } finally {
      await sql('shard_2', 'SELECT lo_unlink($1)', [oid]);
    }
  });

  it('a directory-format backup of one database verifies too', async () => {
    const result = await call('backup.create', { format: 'directory', databases: ['shard_2'], jobs: 1 });
    expect(result.databases).toEqual([expect.objectContaining({ name: 'shard_2', file: 'shard_2/', format: 'directory' })]);
    expect(await readdir(path.join(result.backup, 'shard_2'))).toContain('toc.dat');
    expect((await call('backup.verify', { path: result.backup })).ok).toBe(true);
    // A file browser's leftovers in the dump's folder are not pg_dump's files: no change of the dump.
    await writeFile(path.join(result.backup, 'shard_2', '.DS_Store'), 'finder');
    await writeFile(path.join(result.backup, 'shard_2', 'Thumbs.db'), 'explorer');
    expect(await call('backup.verify', { path: result.backup })).toMatchObject({ ok: true, files: [expect.objectContaining({ ok: true })] });
    // A changed data file is damage; an outcome that cannot be recorded is said, never left to read as the last one.
    const data = (await readdir(path.join(result.backup, 'shard_2'))).find((n) => /^\d+\.dat/.test(n))!;
    const handle = await open(path.join(result.backup, 'shard_2', data), 'r+');
    await handle.write(Buffer.from([0x5a]), 0, 1, 8);
    await handle.close();
    await mkdir(path.join(result.backup, 'verified.json.tmp'));
    await expect(call('backup.verify', { path: result.backup })).rejects.toMatchObject({
      code: 'BACKUP_FAILED',
      message: expect.stringMatching(/FAILED \(shard_2\).*could not be written to verified\.json/),
    });
    await rm(path.join(result.backup, 'verified.json.tmp'), { recursive: true });
    expect((await call('backup.verify', { path: result.backup })).ok).toBe(false);
    expect((await call('backup.list', {})).backups.find((b) => b.path === result.backup)?.verified).toMatchObject({ ok: false });
  });

  it('a backup of one database is compared with that database only, and a lone archive with none', async () => {
    const result = await call('backup.create', { format: 'custom', databases: ['shard_2'], jobs: 1 });
    const [site] = await sql('shard_2', 'SELECT website_id::int AS id FROM pwb_contacts WHERE website_id IS NOT NULL LIMIT 1');
    const unchanged = await call('backup.doctor', { path: result.backup, live: true });
    expect(unchanged).toMatchObject({ error: null, changes: [] });
    await sql('shard_2', `INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, 'since the backup', now(), now())`, [site.id]);
    try {
      const changed = await call('backup.doctor', { path: result.backup, live: true });
      expect(changed.changes).toEqual([expect.objectContaining({ website: site.id, liveRows: expect.any(Number), backupRows: expect.any(Number) })]);
      const change = changed.changes?.[0];
      expect(change && (change.liveRows ?? 0) - change.backupRows).toBe(1);
    } finally {
      await sql('shard_2', `DELETE FROM pwb_contacts WHERE first_name = 'since the backup'`);
    }
    const lone = await call('backup.doctor', { path: path.join(result.backup, 'shard_2.dump'), live: true });
    // Its header names the database pg_dump read (pwb_shard_2): the profile's shard_2.
    expect(lone).toMatchObject({ error: null, changes: [] });
  });

  it('two backups started together get a folder each: neither writes into the other or over its manifest', async () => {
    const [a, b] = await Promise.all([1, 2].map(() => call('backup.create', { format: 'custom', databases: ['shard_2'], jobs: 1 })));
    expect(a!.backup).not.toBe(b!.backup);
    for (const result of [a!, b!]) {
      expect(await readdir(result.backup)).toEqual(['manifest.json', 'shard_2.dump']);
      expect((await call('backup.verify', { path: result.backup })).ok).toBe(true);
    }
  });

  it('stopping a backup ends pg_dump, leaves no partial file and no statement running', async () => {
    // pg_dump waits for its lock on a table this session holds, so it is surely mid-dump when stopped.
    const holder: pg.Client = await pc.client('shard_1');
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE pwb_pages IN ACCESS EXCLUSIVE MODE');
    try {
      const controller = new AbortController();
      const running = call('backup.create', { format: 'custom', databases: ['shard_1'], jobs: 1 }, { signal: controller.signal });
      const backends = () => sql('shard_1', `SELECT pid FROM pg_stat_activity WHERE application_name = 'shard-console-backup' AND state <> 'idle'`);
      await until('pg_dump waiting on the lock', async () => (await backends()).length > 0);
      // Mid-dump the archive has its own name: a console killed now leaves no truncated shard_1.dump.
      const folders = await readdir(path.join(work, 'backups'));
      const inProgress = (await Promise.all(folders.map(async (f) => ({ f, list: await readdir(path.join(work, 'backups', f)) })))).filter(
        (x) => !x.list.includes('manifest.json'),
      );
      expect(inProgress.map((x) => x.list)).toEqual([['shard_1.dump.partial']]);
      controller.abort();
      await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
      // Left alone, pg_dump would wait on the lock until the test ends: gone proves the stop reached it.
      await until('pg_dump gone from pg_stat_activity', async () => (await backends()).length === 0, 10_000);
      const newest = (await call('backup.list', {})).backups[0]!;
      expect(newest.complete).toBe(false);
      expect(await readdir(newest.path)).toEqual(['manifest.json']);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });
});

describe('backup trouble', () => {
  it("keeps the operator's TLS files for pg_dump (a verify-full server needs its CA), never a PG setting that redirects it", async () => {
    const saved = { PGSSLROOTCERT: process.env.PGSSLROOTCERT, PGHOST: process.env.PGHOST, PGDATABASE: process.env.PGDATABASE };
    Object.assign(process.env, { PGSSLROOTCERT: path.join(work, 'ca.crt'), PGHOST: '203.0.113.9', PGDATABASE: 'elsewhere' });
    try {
      await writeFile(wrapperLog, '');
      await call('backup.create', { format: 'custom', databases: ['shard_2'], jobs: 1 });
      const log = await readFile(wrapperLog, 'utf8');
      expect(log).toContain(`ENV PGSSLROOTCERT=${path.join(work, 'ca.crt')}`);
      expect(log).not.toMatch(/^ENV PG(HOST|DATABASE)=/m);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('a database named twice is dumped once (two dumps to one file would write over each other)', async () => {
    const result = await call('backup.create', { format: 'custom', databases: ['shard_2', 'shard_2'], jobs: 2 });
    expect(result.databases.map((d) => d.name)).toEqual(['shard_2']);
    expect(await readdir(result.backup)).toEqual(['manifest.json', 'shard_2.dump']);
    expect((await call('backup.verify', { path: result.backup })).ok).toBe(true);
  });

  it('refuses a profile whose pgDump path is not a working pg_dump of its major, naming it, rather than using another pg_dump', async () => {
    const profile = JSON.parse(await readFile(pc.cluster.profilePath, 'utf8'));
    const wrapper = path.join(work, 'pg_dump');
    for (const [pgDump, problem] of [
      [{ '15': path.join(work, 'no-such', 'pg_dump') }, `15: ${path.join(work, 'no-such', 'pg_dump')} is not a pg_dump that runs`],
      [{ '15': wrapper, '16': wrapper }, `16: ${wrapper} is pg_dump 15.`],
    ] as const) {
      const profilePath = path.join(work, 'wrong-pg-dump.json');
      await writeFile(profilePath, JSON.stringify({ ...profile, pgDump, backupDir: path.join(work, 'wrong-pg-dump') }));
      const other = await pc.open(profilePath);
      const on = createDispatcher(createHandlers(other), { validateResults: true });
      const refused = call('backup.create', { format: 'custom', databases: ['shard_2'], jobs: 1 }, { on });
      await expect(refused).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining(problem) });
      await expect(readdir(path.join(work, 'wrong-pg-dump'))).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });

  it('a folder that cannot be written is BACKUP_FAILED saying so and what to do, not an internal error', async () => {
    const blocker = path.join(work, 'a-file');
    await writeFile(blocker, 'not a folder');
    const refused = call('backup.create', { dir: path.join(blocker, 'backups'), format: 'custom', databases: ['shard_2'], jobs: 1 });
    await expect(refused).rejects.toMatchObject({
      code: 'BACKUP_FAILED',
      message: expect.stringMatching(/^Nothing was backed up: .*a-file\/backups cannot be written, ENOTDIR.*Pick another folder \(--dir PATH/),
    });
    expect(await readFile(blocker, 'utf8')).toBe('not a folder');
  });

  it('stopping a verify ends it as stopped, without recording the backup as failed', async () => {
    const { backup } = await call('backup.create', { format: 'custom', databases: ['shard_2'], jobs: 1 });
    const controller = new AbortController();
    controller.abort();
    await expect(call('backup.verify', { path: backup }, { signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect((await call('backup.list', {})).backups.find((b) => b.path === backup)!.verified).toBeNull();
  });

  it('a password file left by a console that died mid-dump is removed by the next backup; a live one is kept', async () => {
    const exited = spawn('true');
    await new Promise((resolve) => exited.once('exit', resolve));
    const living = spawn('sleep', ['60']);
    try {
      const stale = await mkdtemp(path.join(os.tmpdir(), `sc-pgpass-${exited.pid}-`));
      const live = await mkdtemp(path.join(os.tmpdir(), `sc-pgpass-${living.pid}-`));
      for (const dir of [stale, live]) await writeFile(path.join(dir, 'pgpass'), `*:*:*:*:${pc.cluster.password}\n`, { mode: 0o600 });
      await call('backup.create', { format: 'custom', databases: ['shard_2'], jobs: 1 });
      await expect(stat(stale)).rejects.toMatchObject({ code: 'ENOENT' });
      expect((await stat(path.join(live, 'pgpass'))).isFile()).toBe(true);
      await rm(live, { recursive: true, force: true });
    } finally {
      living.kill();
    }
  });

  it('lists a backup whose manifest is damaged and a folder a backup left unfinished, each with why; a folder that never was a backup stays out', async () => {
    const { dir, backups } = await call('backup.list', {});
    const good = backups.find((b) => b.problem === null && b.complete)!;
    const damaged = path.join(dir, 'damaged-copy');
    const abandoned = path.join(dir, 'abandoned');
    const unrelated = path.join(dir, 'notes');
    try {
      await cp(good.path, damaged, { recursive: true });
      await writeFile(path.join(damaged, 'manifest.json'), '{');
      await mkdir(abandoned);
      await writeFile(path.join(abandoned, 'shard_1.dump.partial'), Buffer.alloc(4096));
      // A console killed during the checksums: every dump finished, no manifest written.
      const finishedOnly = path.join(dir, 'finished-only');
      await mkdir(finishedOnly);
      await writeFile(path.join(finishedOnly, 'default.dump'), Buffer.alloc(1024));
      // The same in directory format: the dump is a folder with pg_dump's toc.dat.
      const directoryOnly = path.join(dir, 'directory-only');
      await mkdir(path.join(directoryOnly, 'shard_1'), { recursive: true });
      await writeFile(path.join(directoryOnly, 'shard_1', 'toc.dat'), Buffer.alloc(512));
      await writeFile(path.join(directoryOnly, 'shard_1', '3001.dat.gz'), Buffer.alloc(2048));
      await mkdir(unrelated);
      await writeFile(path.join(unrelated, 'readme.txt'), 'not a backup');
      const listed = (await call('backup.list', {})).backups;
      expect(listed.find((b) => b.path === damaged)).toMatchObject({
        databases: [],
        complete: false,
        problem: expect.stringContaining("the backup's manifest is damaged"),
      });
      expect(listed.find((b) => b.path === abandoned)).toMatchObject({
        bytes: 4096,
        problem: expect.stringMatching(/^No manifest: a backup still running, or one whose console stopped.*shard_1\.dump\.partial.*remove the folder/),
      });
      expect(listed.find((b) => b.path === unrelated)).toBeUndefined();
      expect(listed.find((b) => b.path === path.join(dir, 'finished-only'))).toMatchObject({
        bytes: 1024,
        problem: expect.stringContaining('its dumps finished, its manifest never written'),
      });
      expect(listed.find((b) => b.path === path.join(dir, 'directory-only'))).toMatchObject({
        bytes: 2560,
        problem: expect.stringContaining('its dumps finished, its manifest never written'),
      });
      expect(listed.find((b) => b.path === good.path)).toMatchObject({ problem: null });
    } finally {
      for (const folder of [damaged, abandoned, unrelated, path.join(dir, 'finished-only'), path.join(dir, 'directory-only')])
        await rm(folder, { recursive: true, force: true });
    }
  });

  it('a stop that comes once pg_dump has finished (during the checksum) leaves no dump the manifest does not list', async () => {
    const controller = new AbortController();
    const stopped = call(
      'backup.create',
      { format: 'custom', databases: ['shard_2'], jobs: 1 },
      {
        signal: controller.signal,
        onEvent: (e) => {
          const event = e as JobProgressEvent;
          // Sent once pg_dump has exited, just before the checksum.
          if (event.phase === 'shard_2' && event.total !== null && event.done === event.total) controller.abort();
        },
      },
    );
    await expect(stopped).rejects.toMatchObject({ code: 'CANCELLED' });
    const newest = (await call('backup.list', {})).backups[0]!;
    expect(newest.complete).toBe(false);
    expect(await readdir(newest.path)).toEqual(['manifest.json']);
  });

  it('a pg_dump killed by a signal is said as such, and its partial file removed', async () => {
    await writeFile(path.join(work, 'kill-next'), '');
    const failed = call('backup.create', { format: 'custom', databases: ['shard_2'], jobs: 1 });
    await expect(failed).rejects.toMatchObject({ code: 'BACKUP_FAILED', message: expect.stringContaining('pg_dump was killed by SIGKILL') });
    const newest = (await call('backup.list', {})).backups[0]!;
    expect(newest.complete).toBe(false);
    expect(await readdir(newest.path)).toEqual(['manifest.json']);
    // Its doctor does not compare what is missing with the cluster (every website of shard_2 would look changed).
    const doctor = await call('backup.doctor', { path: newest.path, live: true });
    expect(doctor.changes).toBeNull();
    expect(doctor.error).toMatchObject({ code: 'BACKUP_FAILED', message: expect.stringContaining('the dump of shard_2 (') });
  });
});

describe('a backup one of whose databases did not finish', () => {
  it("names the missing database in inspect and in a website's footprint, and a restore never takes another archive for the website's", async () => {
    const whole = (await call('backup.list', {})).backups.find((b) => b.complete && b.databases.length === 3)!;
    const folder = path.join(work, 'backups', 'shard-2-unfinished');
    await cp(whole.path, folder, { recursive: true });
    try {
      const manifest = backupManifestSchema.parse(JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8')));
      const lost = manifest.databases.find((d) => d.name === 'shard_2')!;
      await rm(path.join(folder, lost.file), { recursive: true, force: true });
      const unfinished = {
        ...manifest,
        complete: false,
        databases: manifest.databases.filter((d) => d.name !== 'shard_2'),
        incomplete: [{ name: 'shard_2', error: { code: 'BACKUP_FAILED', message: 'pg_dump exited with code 1: lock timeout' } }],
      };
      await writeFile(path.join(folder, 'manifest.json'), JSON.stringify(unfinished));
      const onShard2 = Number(Object.entries(manifest.routing).find(([, shard]) => shard === 'shard_2')![0]);

      const inspected = await call('backup.inspect', { path: folder });
      expect(inspected.archives.map((a) => a.database)).toEqual(['default', 'shard_1', 'shard_2']);
      expect(inspected.archives[2]!.error).toMatchObject({ code: 'BACKUP_FAILED', message: expect.stringContaining('lock timeout') });
      const footprint = await call('backup.website', { id: onShard2, path: folder, rows: 0 });
      expect(footprint.archives.find((a) => a.database === 'shard_2')?.error).toMatchObject({ code: 'BACKUP_FAILED' });

      // Its routing names the database whose dump is missing: no other archive stands in for it.
      const plan = await call('restores.preflight', { websiteId: onShard2, path: folder, mode: 'side-by-side', intoSchema: 'r_unfinished' });
      expect(plan.ok).toBe(false);
      expect(plan.refusals[0]).toMatchObject({ code: 'ARCHIVE_NOT_FOUND', message: expect.stringContaining('shard_2') });
      // Down to one archive, it is not "the only one" either.
      const lone = {
        ...unfinished,
        databases: unfinished.databases.filter((d) => d.name === 'default'),
        incomplete: [...unfinished.incomplete, { name: 'shard_1', error: { code: 'CANCELLED', message: 'stopped' } }],
      };
      await writeFile(path.join(folder, 'manifest.json'), JSON.stringify(lone));
      const lonePlan = await call('restores.preflight', { websiteId: onShard2, path: folder, mode: 'side-by-side', intoSchema: 'r_unfinished' });
      expect(lonePlan.refusals[0]).toMatchObject({ code: 'ARCHIVE_NOT_FOUND' });
      // Named by the operator, an archive that finished is taken.
      const named = await call('restores.preflight', {
        websiteId: onShard2,
        path: folder,
        archive: 'default',
        mode: 'side-by-side',
        intoSchema: 'r_unfinished',
      });
      expect(named.refusals.map((r) => r.code)).not.toContain('ARCHIVE_NOT_FOUND');
      // A backup of some databases only (backup create --database), complete as such: the website's is not in it either.
      const partial = { ...manifest, databases: manifest.databases.filter((d) => d.name === 'default') };
      await writeFile(path.join(folder, 'manifest.json'), JSON.stringify(partial));
      const partialPlan = await call('restores.preflight', { websiteId: onShard2, path: folder, mode: 'side-by-side', intoSchema: 'r_unfinished' });
      expect(partialPlan.refusals[0]).toMatchObject({ code: 'ARCHIVE_NOT_FOUND', message: expect.stringContaining('no archive of shard_2') });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('backup refusals', () => {
  it('refuses before writing anything when no pg_dump is at least the server major (the PostgreSQL 18 harness cluster)', async () => {
    const dir = path.join(work, 'refused');
    const on = createDispatcher(createHandlers(await openTestConsole()), { validateResults: true });
    const refused = call('backup.create', { dir, format: 'custom', jobs: 2 }, { on });
    await expect(refused).rejects.toMatchObject({ code: 'BACKUP_REFUSED' });
    const message = (await refused.catch((e: Error) => e.message)) as string;
    expect(message).toMatch(/default runs PostgreSQL 18\.\d+/);
    expect(message).toMatch(/pg_dump found: 15\.\d+ \(/);
    expect(message).toContain('postgresql-client-18');
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
