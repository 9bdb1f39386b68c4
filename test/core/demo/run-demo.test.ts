import { existsSync } from 'node:fs';
import { lstat, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { profileFileSchema } from '../../../electron/core/config/profile-schema.ts';
import type { EmbeddedServer } from '../../../electron/core/demo/embedded-cluster.ts';
import { runDemo } from '../../../electron/core/demo/run-demo.ts';
import { runningServerPid } from '../../../electron/core/demo/embedded-cluster.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Connects with no password at all: only trust auth lets this in. */
async function query<T extends pg.QueryResultRow>(server: EmbeddedServer | undefined, sql: string): Promise<T[]> {
  if (!server) throw new Error('server missing');
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, database: server.database });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The pid in a server folder's postmaster.pid, 0 when there is none. */
async function postmasterPid(dataDir: string): Promise<number> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '0');
  return Number.parseInt(text.split('\n')[0]!, 10);
}

/** Waits up to `ms` for no server to run on the folder; whether one still does. */
async function stillRunningAfter(dataDir: string, ms: number): Promise<boolean> {
  for (let waited = 0; runningServerPid(dataDir) !== null && waited < ms; waited += 100) await new Promise((r) => setTimeout(r, 100));
  return runningServerPid(dataDir) !== null;
}

describe('runDemo (trust auth, data kept between runs)', () => {
  it('starts, writes the profile, keeps data across restarts and a kill -9, and wipes it when fresh', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shard-console-demo-test-'));
    dirs.push(dir);
    const options = { dir, websites: 12, scale: 0.01, log: () => undefined };

    const first = await runDemo(options);
    let primary = first.cluster.servers.find((server) => server.name === 'default');
    try {
      expect(first.seeded).toBe(true);
      expect(first.cluster.servers.map((server) => server.name)).toEqual(['default', 'shard_1', 'shard_2']);
      expect(first.profilePath).toBe(path.join(dir, 'profile.json'));
      expect((await stat(first.profilePath)).mode & 0o777).toBe(0o600);
      const text = await readFile(first.profilePath, 'utf8');
      expect(text).not.toMatch(/password/i);
      const profile = profileFileSchema.parse(JSON.parse(text));
      expect(profile.primary).toEqual({ host: '127.0.0.1', port: primary?.port, database: 'pwb_default', user: 'postgres' });
      expect(Object.keys(profile.shards ?? {})).toEqual(['shard_1', 'shard_2']);
      expect(await query(primary, 'SELECT count(*)::int AS n FROM pwb_websites')).toEqual([{ n: 12 }]);
      const hba = await readFile(path.join(dir, 'shard_1', 'pg_hba.conf'), 'utf8');
      expect(hba).toMatch(/^host\s+all\s+all\s+127\.0\.0\.1\/32\s+trust$/m);
      await query(primary, `UPDATE pwb_websites SET company_display_name = 'kept' WHERE id = 1`);
    } finally {
      await first.cluster.stop();
      await first.cluster.stop();
    }

    const second = await runDemo(options);
    try {
      expect(second.seeded).toBe(false);
      primary = second.cluster.servers.find((server) => server.name === 'default');
      expect(await query(primary, 'SELECT company_display_name AS c FROM pwb_websites WHERE id = 1')).toEqual([{ c: 'kept' }]);
      const profile = profileFileSchema.parse(JSON.parse(await readFile(second.profilePath, 'utf8')));
      expect(profile.primary?.port).toBe(primary?.port);
      // A server killed hard leaves a stale postmaster.pid behind.
      const pidFile = await readFile(path.join(dir, 'shard_1', 'postmaster.pid'), 'utf8');
      process.kill(Number.parseInt(pidFile.split('\n')[0] ?? '', 10), 'SIGKILL');
    } finally {
      await second.cluster.stop();
    }

    const third = await runDemo(options);
    try {
      expect(third.seeded).toBe(false);
      const shard = third.cluster.servers.find((server) => server.name === 'shard_1');
      expect((await query<{ n: number }>(shard, 'SELECT count(*)::int AS n FROM pwb_pages'))[0]?.n).toBeGreaterThan(0);
    } finally {
      await third.cluster.stop();
    }

    const fresh = await runDemo({ ...options, fresh: true });
    try {
      expect(fresh.seeded).toBe(true);
      primary = fresh.cluster.servers.find((server) => server.name === 'default');
      expect(await query(primary, 'SELECT company_display_name AS c FROM pwb_websites WHERE id = 1')).not.toEqual([{ c: 'kept' }]);
    } finally {
      await fresh.cluster.stop();
    }
  });
});

describe('runDemo when something went wrong before', () => {
  it('refuses to start fresh under a running demo, seeds again after an unfinished seeding, and replaces a link at profile.json', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shard-console-demo-test-'));
    dirs.push(dir);
    const options = { dir, websites: 6, scale: 0.01, log: () => undefined };
    const first = await runDemo(options);
    try {
      // The app's demo runs in this folder, one of its servers down: wiping any of it would corrupt the demo.
      process.kill(await postmasterPid(path.join(dir, 'shard_2')), 'SIGKILL');
      await writeFile(path.join(dir, 'shard_2', 'kept.txt'), 'its data stays\n');
      await stillRunningAfter(path.join(dir, 'shard_2'), 10_000);
      await expect(runDemo({ ...options, fresh: true })).rejects.toMatchObject({ code: 'LOCKED', message: expect.stringContaining('Stop it') });
      expect(existsSync(path.join(dir, 'shard_2', 'kept.txt'))).toBe(true);
      const primary = first.cluster.servers.find((server) => server.name === 'default');
      expect(await query(primary, 'SELECT count(*)::int AS n FROM pwb_websites')).toEqual([{ n: 6 }]);
      await query(primary, `UPDATE pwb_websites SET company_display_name = 'partial' WHERE id = 1`);
    } finally {
      await first.cluster.stop();
    }
    expect(existsSync(path.join(dir, 'seeding.unfinished'))).toBe(false);

    // As a Ctrl-C during seeding leaves it; and a link planted where the profile goes.
    await writeFile(path.join(dir, 'seeding.unfinished'), '');
    const elsewhere = path.join(dir, 'elsewhere.txt');
    await writeFile(elsewhere, 'not a profile\n');
    await rm(first.profilePath);
    await symlink(elsewhere, first.profilePath);
    const logged: string[] = [];
    const second = await runDemo({ ...options, log: (line: string) => logged.push(line) });
    try {
      expect(second.seeded).toBe(true);
      expect(logged.join('\n')).toContain('did not finish');
      const primary = second.cluster.servers.find((server) => server.name === 'default');
      expect(await query(primary, 'SELECT company_display_name AS c FROM pwb_websites WHERE id = 1')).not.toEqual([{ c: 'partial' }]);
      expect(existsSync(path.join(dir, 'seeding.unfinished'))).toBe(false);
      expect(await readFile(elsewhere, 'utf8')).toBe('not a profile\n');
      expect((await lstat(second.profilePath)).isSymbolicLink()).toBe(false);
      expect((await stat(second.profilePath)).mode & 0o777).toBe(0o600);
    } finally {
      await second.cluster.stop();
    }
  });
});

describe('a process that exits with its servers still running', () => {
  it('leaves none behind: each is told to shut down as the process exits', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shard-console-demo-test-'));
    dirs.push(dir);
    const child = fileURLToPath(new URL('../../support/exit-with-cluster-child.ts', import.meta.url));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', child, dir]);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!).port).toBeGreaterThan(0);
    const pid = await postmasterPid(path.join(dir, 'solo'));
    try {
      const alive = pid > 0 && (await stillRunningAfter(path.join(dir, 'solo'), 15_000));
      expect(alive, `postgres ${pid} still runs after its parent exited`).toBe(false);
    } finally {
      if (pid > 0 && runningServerPid(path.join(dir, 'solo')) !== null) process.kill(pid, 'SIGQUIT');
    }
  }, 60_000);
});
