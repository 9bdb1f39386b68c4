import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { callMethod, openTestConsole, testCluster } from '../../support/test-console.ts';

/* Two profiles of one name, from two folders, each with its own saved queries (they shared one file). */

let dir: string;
const consoles: ConsoleContext[] = [];
const savedDataDir = process.env.SHARD_CONSOLE_DATA_DIR;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sc-library-profiles-'));
  process.env.SHARD_CONSOLE_DATA_DIR = join(dir, 'data');
  const profile = JSON.parse(await readFile(testCluster().profilePath, 'utf8'));
  for (const folder of ['staging', 'production']) {
    await mkdir(join(dir, folder));
    const path = join(dir, folder, 'cluster.json');
    await writeFile(path, JSON.stringify({ ...profile, name: 'cluster' }));
    consoles.push(await openTestConsole(path));
  }
});
afterAll(async () => {
  process.env.SHARD_CONSOLE_DATA_DIR = savedDataDir;
  for (const ctx of consoles) await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the query history', () => {
  it('keeps a statement as the audit log does: a secret in it is cut out (the history is a file on disk)', async () => {
    const [staging] = consoles as [ConsoleContext];
    const sql = `WITH t(api_token) AS (VALUES ('abc123-secret')) SELECT count(*) AS n FROM t WHERE api_token = 'abc123-secret'`;
    await callMethod(staging, 'query.run', { sql, target: { kind: 'databases', names: ['default'] } });
    const [newest] = (await callMethod(staging, 'query.history', {})).history;
    expect(newest?.sql).toContain("api_token = '[redacted]'");
    const files = await readFile(join(dir, 'data', 'queries', (await callMethod(staging, 'query.history', {})).file.split('/').at(-1)!), 'utf8');
    expect(files).not.toContain("= 'abc123-secret'");
    // A cast is SQL, not a value: `manage_token::text` comes back as typed.
    const cast = `SELECT manage_token::text AS t FROM (VALUES ('x')) AS v(manage_token)`;
    await callMethod(staging, 'query.run', { sql: cast, target: { kind: 'databases', names: ['default'] } });
    expect((await callMethod(staging, 'query.history', {})).history[0]?.sql).toBe(cast);
  });
});

describe('the query library of two profiles named alike', () => {
  it('keeps what one saves out of the other', async () => {
    const [staging, production] = consoles as [ConsoleContext, ConsoleContext];
    await callMethod(staging, 'query.save', { name: 'staging only', sql: 'SELECT 1' });
    expect((await callMethod(staging, 'query.history', {})).saved.map((q) => q.name)).toEqual(['staging only']);
    expect((await callMethod(production, 'query.history', {})).saved).toEqual([]);
  });
});
