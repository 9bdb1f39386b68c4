import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../electron/core/dispatch/dispatcher.ts';
import type { Handlers } from '../../../electron/core/dispatch/handlers.ts';
import { openConsoleLog } from '../../../electron/core/log/console-log.ts';
import { profileSecrets } from '../../../electron/core/log/log-console.ts';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { testCluster } from '../../support/test-console.ts';

const bin = fileURLToPath(new URL('../../../bin/shard-console.js', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sc-log-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the console log', () => {
  it('never writes a secret: the values it is told of, passwords in URLs and key=values, bearer and #token= tokens', async () => {
    const log = openConsoleLog({ dir: path.join(dir, 'redact'), secrets: () => ['s3cr3t-Pass', 'tok-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'] });
    log.info('connecting with s3cr3t-Pass to postgres://pwb:other-pass@db:5432/pwb');
    log.warn('env PGPASSWORD=hunter22 and {"password": "json-pass"} and password: yaml-pass');
    log.info('GET /rpc/x Authorization: Bearer tok-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 from http://127.0.0.1:1/#token=another-token-value');
    const text = await readFile(log.file, 'utf8');
    for (const secret of ['s3cr3t-Pass', 'other-pass', 'hunter22', 'json-pass', 'yaml-pass', 'tok-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 'another-token-value'])
      expect(text).not.toContain(secret);
    expect(text).toContain('postgres://pwb:[redacted]@db:5432/pwb');
    expect(text.split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('redacts the secrets of every shape a message may carry: quoted libpq values, an @ in a URL password, SQL PASSWORD, Basic auth, tokens', async () => {
    const log = openConsoleLog({ dir: path.join(dir, 'shapes'), secrets: () => [] });
    log.info(`host=db password='my secret pw' user=app; dbname=x password=ab;cd sslmode=require`);
    log.info("postgres://app:p@ss@db/x and ALTER ROLE app PASSWORD 'hunter22' and CREATE ROLE b ENCRYPTED PASSWORD 'it''s-mine'");
    log.info('Authorization: Basic dXNlcjpwYXNz {"token":"tok en-1"} x-session-token: abc-xyz passwd=qwerty9 api_key=k-123');
    log.info(
      "ALTER ROLE c PASSWORD E'esc\\'aped-1' and ALTER ROLE d PASSWORD $$dollar-2$$ and ALTER ROLE e PASSWORD $pw$tagged-3$pw$ and PASSWORD 'back\\' and ALTER ROLE f password $Ab$sec$ab$ret-4$Ab$",
    );
    log.info("ALTER ROLE g PASSWORD'tight-5' and ALTER ROLE h PASSWORD U&'uni\\0063ode-6' and ALTER ROLE i PASSWORD E'tight-e-7'");
    // A string ending in "password" before the statement that sets one: the secret is still cut out.
    log.info(
      "COMMENT ON ROLE a IS 'rotates its password'; ALTER ROLE a PASSWORD 'after-8'; COMMENT ON ROLE b IS 'no password'; ALTER ROLE b PASSWORD E'after-e-9'",
    );
    const text = await readFile(log.file, 'utf8');
    for (const secret of [
      'secret pw',
      'my secret',
      ';cd',
      'ss@db',
      'hunter22',
      's-mine',
      'dXNlcjpwYXNz',
      'tok en-1',
      'abc-xyz',
      'qwerty9',
      'k-123',
      'aped-1',
      'dollar-2',
      'tagged-3',
      'back\\',
      'ret-4',
      'tight-5',
      'ode-6',
      'tight-e-7',
      'after-8',
      'after-e-9',
    ])
      expect(text, secret).not.toContain(secret);
    // What is not secret stays readable.
    expect(text).toContain('host=db');
    expect(text).toContain('user=app');
    expect(text).toContain('sslmode=require');
    expect(text).toContain('@db/x');
  });

  it("counts the query role's password and PGPASSWORD among the profile's secrets, beside every database's", () => {
    const profile = {
      databases: [{ password: 'db-secret' }, { password: undefined }],
      queryRole: { user: 'reader', password: 'role-secret' },
    } as unknown as ConsoleContext['profile'];
    expect(profileSecrets({ profile }, {})).toEqual(['db-secret', 'role-secret']);
    // The password node-postgres takes from the environment for an entry without one.
    expect(profileSecrets({ profile }, { PGPASSWORD: 'env-secret' })).toEqual(['db-secret', 'role-secret', 'env-secret']);
  });

  it('a log that cannot be written never fails the caller: its folder removed is made again, an unwritable one is skipped', async () => {
    const folder = path.join(dir, 'gone');
    const log = openConsoleLog({ dir: folder });
    log.info('first');
    await rm(folder, { recursive: true, force: true });
    expect(() => log.info('after the folder went')).not.toThrow();
    expect(await readFile(log.file, 'utf8')).toContain('after the folder went');
    // The log file's name taken by a folder: appends fail, and the caller does not see it.
    await rm(log.file, { force: true });
    await mkdir(log.file);
    expect(() => log.warn('cannot be written')).not.toThrow();
    expect(log.incident('a failure', new Error('boom'))).toContain(log.file);
  });

  it('rotates by size and keeps the newest files', async () => {
    const log = openConsoleLog({ dir: path.join(dir, 'rotate'), maxBytes: 200, keep: 2 });
    for (let i = 0; i < 40; i++) log.info(`line ${i} ${'x'.repeat(40)}`);
    expect((await readdir(path.join(dir, 'rotate'))).sort()).toEqual(['console.1.log', 'console.2.log', 'console.log']);
    expect(await readFile(log.file, 'utf8')).toContain('line 39');
  });

  it('an unexpected failure answers INTERNAL naming the log file and the line to look for; the line has the stack, not the secret', async () => {
    const log = openConsoleLog({ dir: path.join(dir, 'incident'), secrets: () => ['pa55word-in-error'] });
    const handlers = {
      'session.info': async () => {
        throw new Error('boom while using pa55word-in-error');
      },
    } as unknown as Handlers;
    const envelope = await createDispatcher(handlers, { onUnexpectedError: (method, error) => log.incident(method, error) })('session.info', {});
    expect(envelope.ok).toBe(false);
    const message = (envelope as { error: { code: string; message: string } }).error.message;
    expect((envelope as { error: { code: string } }).error.code).toBe('INTERNAL');
    const incident = /the log (.+), the line with \[incident ([0-9a-f]{8})\]/.exec(message);
    expect(incident?.[1]).toBe(log.file);
    const text = await readFile(log.file, 'utf8');
    expect(text).toContain(`[incident ${incident![2]}] session.info: Error: boom while using [redacted]`);
    expect(text).toContain('console-log.test.ts');
    expect(text).not.toContain('pa55word-in-error');
  });

  it('serve writes its log in the user data folder, with its address and without its token or the password', async () => {
    const dataDir = path.join(dir, 'serve-data');
    const cluster = testCluster();
    const child = spawn(process.execPath, [bin, 'serve', '--profile', cluster.profilePath, '--port', '0', '--json'], {
      env: { ...cluster.env, SHARD_CONSOLE_DATA_DIR: dataDir },
    });
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d))));
    const announced = JSON.parse(first) as { token: string; log: string };
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    expect(announced.log).toBe(path.join(dataDir, 'logs', 'console.log'));
    const text = await readFile(announced.log, 'utf8');
    expect(text).toMatch(/serve listening on http:\/\/127\.0\.0\.1:\d+\/#token=\[redacted\]/);
    expect(text).toContain('profile test');
    expect(text).not.toContain(announced.token);
    expect(text).not.toContain(cluster.password);
  });
});
