import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clusterFingerprint, testCluster } from '../support/test-console.ts';

/*
 * The command line's own findings: a job id that is no uuid is a wrong command line (exit 2), not a
 * database error; a port in use and a weak SHARD_CONSOLE_TOKEN are said in one line with what to do;
 * a control character in an argument is refused and never echoed. Each refused before any database
 * is touched (the shared cluster's fingerprint is unchanged).
 */

const bin = fileURLToPath(new URL('../../bin/shard-console.js', import.meta.url));

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args, '--profile', testCluster().profilePath],
      { env: { ...testCluster().env, SHARD_CONSOLE_PROFILE: undefined, SHARD_CONSOLE_TOKEN: undefined, ...env } as NodeJS.ProcessEnv, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('CLI refusals', () => {
  it('start refuses --port when it opens the desktop app (which listens on none), and opens it without', async () => {
    // A stand-in Electron (none can be had here): a script that writes down how it was started.
    expect(existsSync('dist/electron/shell/main.js'), 'the desktop shell is built (npm run build:shell; npm test builds it)').toBe(true);
    const dist = await mkdtemp(path.join(os.tmpdir(), 'sc-electron-'));
    const ran = path.join(dist, 'ran.txt');
    try {
      await writeFile(path.join(dist, 'electron'), `#!/bin/sh\necho "$1 $SHARD_CONSOLE_PROFILE" > '${ran}'\n`);
      await chmod(path.join(dist, 'electron'), 0o755);
      const refused = await cli(['start', '--port', '4000'], { ELECTRON_OVERRIDE_DIST_PATH: dist });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('The desktop app listens on no port; --port is for browser mode. Run shard-console serve --port N');
      await expect(readFile(ran, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
      const started = await cli(['start'], { ELECTRON_OVERRIDE_DIST_PATH: dist });
      expect(started.code, started.stderr).toBe(0);
      expect(await readFile(ran, 'utf8')).toBe(`${path.resolve('dist/electron/shell/main.js')} ${testCluster().profilePath}\n`);
    } finally {
      await rm(dist, { recursive: true, force: true });
    }
  });

  it("start passes on the desktop app's end: killed by a signal is 128 + its number, never 0", async () => {
    const dist = await mkdtemp(path.join(os.tmpdir(), 'sc-electron-'));
    try {
      await writeFile(path.join(dist, 'electron'), '#!/bin/sh\nkill -9 $$\n');
      await chmod(path.join(dist, 'electron'), 0o755);
      expect((await cli(['start'], { ELECTRON_OVERRIDE_DIST_PATH: dist })).code).toBe(137);
    } finally {
      await rm(dist, { recursive: true, force: true });
    }
  });

  it("an option given an empty value (an unset shell variable) is a wrong command line, never the environment's profile instead", async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [bin, ...args],
          { env: { ...testCluster().env, SHARD_CONSOLE_PROFILE: testCluster().profilePath } as NodeJS.ProcessEnv, timeout: 30_000 },
          (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const empty = await run(['shards', '--profile', '', '--json']);
    expect(empty.code).toBe(2);
    expect(JSON.parse(empty.stdout)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PARAMS', message: expect.stringContaining('--profile was given an empty value') },
    });
  });

  it('never echoes a password given on the command line by mistake (a URL where --url was forgotten, or --url twice)', async () => {
    for (const args of [
      ['shard', 'add', 'shard_9', 'postgres://app:S3cretPw@db.internal/pwb'],
      ['shard', 'add', 'shard_9', '--url', 'postgres://app@db/pwb', '--url', 'postgres://app:S3cretPw@db.internal/pwb'],
    ]) {
      const result = await cli([...args, '--json']);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout + result.stderr, args.join(' ')).not.toContain('S3cretPw');
    }
  });

  it('a job id that is not a uuid is INVALID_PARAMS with exit 2, for resume, rollback and cancel', async () => {
    const before = await clusterFingerprint();
    for (const verb of ['resume', 'rollback', 'cancel']) {
      const result = await cli(['move', verb, 'not-a-job', '--json']);
      expect(result.code, verb).toBe(2);
      expect(JSON.parse(result.stdout).error.code, verb).toBe('INVALID_PARAMS');
      expect(result.stderr, verb).toContain('A job id is a uuid');
      expect(result.stderr, verb).not.toContain('22P02');
    }
    expect(await clusterFingerprint()).toEqual(before);
  });

  it('a port in use names the port and what to do, with no stack trace', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const result = await cli(['serve', '--port', String(port)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`error [PORT_IN_USE]: Port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toContain('--port N');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      holder.close();
    }
  });

  it('serve refuses a SHARD_CONSOLE_TOKEN shorter than 32 characters or not random-looking', async () => {
    for (const token of ['hunter2', 'a'.repeat(40)]) {
      const result = await cli(['serve', '--port', '0'], { SHARD_CONSOLE_TOKEN: token });
      expect(result.code, token).toBe(1);
      expect(result.stderr, token).toContain('error [CONFIG_INVALID]: SHARD_CONSOLE_TOKEN is too weak');
      expect(result.stderr, token).not.toContain(token);
    }
  });

  it('serve with a SHARD_CONSOLE_TOKEN prints its URL without the token (it outlives the run, and would sit in a log)', async () => {
    const token = 'Zq8vR2mKx7LpT4wN9cYb3HsJ6dFgA1eU5oIiVrQy';
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--json', '--profile', testCluster().profilePath], {
      env: { ...testCluster().env, SHARD_CONSOLE_PROFILE: undefined, SHARD_CONSOLE_TOKEN: token } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      const printed = JSON.parse(first);
      expect(printed.token).toBeNull();
      expect(printed.url).not.toContain('#token');
      expect(first).not.toContain(token);
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.on('exit', resolve));
    }
  });

  it('says a bad option in the terms of the command line: its bounds, a missing value, an unknown option, a value given a switch', async () => {
    const before = await clusterFingerprint();
    const cases: Array<[string[], string]> = [
      [['tenants', '--offset', '10000001'], '--offset takes a whole number from 0 to 10000000; got "10000001".'],
      // The harness puts --profile after these, so the value is missing in front of another option.
      [
        ['tenants', '--limit'],
        '--limit needs a value: give --limit VALUE (a value that starts with "-" as --limit=-VALUE). Run `shard-console help` for usage.',
      ],
      [['tenants', '--page', '2'], 'There is no option --page for this command (an argument that starts with "-" goes after --, as in -- --page).'],
      [['tenants', '--desc=yes'], '--desc is a switch and takes no value: give --desc alone.'],
    ];
    for (const [args, said] of cases) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(`error [INVALID_PARAMS]: ${said}`);
      expect(result.stderr, args.join(' ')).not.toMatch(/tenants\.list|XYZ|\.\./);
    }
    expect(await clusterFingerprint()).toEqual(before);
  });

  it('refuses a control character in any argument without printing it', async () => {
    for (const args of [
      ['tenants', '--search', '\u001b]0;owned\u0007'],
      ['tenant', '\u001b[2J'],
      ['shard', 'add', 'shard_9', '--url', 'postgres://h/\u0001'],
    ]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/error \[INVALID_PARAMS\]: Invalid command line: (the value of --\w+|argument \d+) holds the control character U\+00/);
      expect(result.stdout + result.stderr).not.toMatch(/[\u0001\u0007\u001b]/);
    }
  });
});
