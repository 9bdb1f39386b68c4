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

describe('the query library of two profiles named alike', () => {
  it('keeps what one saves out of the other', async () => {
    const [staging, production] = consoles as [ConsoleContext, ConsoleContext];
    await callMethod(staging, 'query.save', { name: 'staging only', sql: 'SELECT 1' });
    expect((await callMethod(staging, 'query.history', {})).saved.map((q) => q.name)).toEqual(['staging only']);
    expect((await callMethod(production, 'query.history', {})).saved).toEqual([]);
  });
});
