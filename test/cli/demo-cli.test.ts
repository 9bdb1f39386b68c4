import { describe, expect, it } from 'vitest';
import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/shard-console.js', import.meta.url));

/** Starts `shard-console demo`, resolves with the profile path it prints and the child process. */
function startDemo(dir: string, extra: string[] = []) {
  const child = spawn(process.execPath, [bin, 'demo', '--dir', dir, '--websites', '12', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const profile = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => resolve(c.toString().trim().split('\n')[0]!));
    child.on('exit', (code) => reject(new Error(`demo exited ${code}: ${stderr}`)));
  });
  return { child, profile, stderr: () => stderr };
}

function cli(args: string[]) {
  return new Promise<{ code: number; stdout: string }>((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { env: { ...process.env, SHARD_CONSOLE_PROFILE: undefined } as NodeJS.ProcessEnv }, (_e, stdout) =>
      resolve({ code: child.exitCode ?? 1, stdout }),
    );
  });
}

describe('shard-console demo', () => {
  it('starts three servers, writes a profile, keeps data between runs and stops every server on SIGTERM', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sc-demo-'));
    try {
      const first = startDemo(dir, ['--fresh']);
      const profilePath = await first.profile;
      expect(profilePath).toBe(join(dir, 'profile.json'));
      const shards = await cli(['shards', '--profile', profilePath, '--json']);
      expect(shards.code).toBe(0);
      const overview = JSON.parse(shards.stdout);
      expect(overview.databases.map((d: { name: string; reachable: boolean }) => [d.name, d.reachable])).toEqual([
        ['default', true],
        ['shard_1', true],
        ['shard_2', true],
      ]);
      expect(overview.databases.reduce((a: number, d: { websites: number }) => a + d.websites, 0)).toBe(12);
      const exited = new Promise<number | null>((resolve) => first.child.on('exit', (code) => resolve(code)));
      first.child.kill('SIGTERM');
      await exited;
      for (const name of ['default', 'shard_1', 'shard_2']) expect(existsSync(join(dir, name, 'postmaster.pid')), `${name} still running`).toBe(false);

      const second = startDemo(dir);
      const again = await second.profile;
      expect(second.stderr()).not.toMatch(/seeded \d+ websites/);
      const tenants = await cli(['tenants', '--profile', again, '--json']);
      expect(JSON.parse(tenants.stdout).total).toBe(12);
      const stopped = new Promise<void>((resolve) => second.child.on('exit', () => resolve()));
      second.child.kill('SIGINT');
      await stopped;
      for (const name of ['default', 'shard_1', 'shard_2']) expect(existsSync(join(dir, name, 'postmaster.pid'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
