import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { callMethod, openTestConsole, testCluster } from '../../support/test-console.ts';

/*
 * A read-only console writes nothing to the cluster, so its audit trail is a file in the user's data
 * folder (audit.jsonl). As on the cluster, each action is recorded before it runs, and one that cannot
 * be recorded is not run.
 */

let dir: string;
let ctx: ConsoleContext;
const savedDataDir = process.env.SHARD_CONSOLE_DATA_DIR;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sc-local-audit-'));
  const profile = JSON.parse(await readFile(testCluster().profilePath, 'utf8'));
  const path = join(dir, 'read-only.json');
  await writeFile(path, JSON.stringify({ ...profile, readOnly: true }));
  ctx = await openTestConsole(path);
});
afterEach(() => {
  process.env.SHARD_CONSOLE_DATA_DIR = savedDataDir;
});
afterAll(async () => {
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

async function trail(dataDir: string): Promise<Array<Record<string, unknown>>> {
  return (await readFile(join(dataDir, 'audit.jsonl'), 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe("a read-only console's local audit trail", () => {
  it('records a query before it runs and its outcome after, the two lines sharing an id', async () => {
    const dataDir = join(dir, 'data');
    process.env.SHARD_CONSOLE_DATA_DIR = dataDir;
    await callMethod(ctx, 'query.run', { sql: 'SELECT 1 AS one', target: { kind: 'databases', names: ['default'] } });
    const lines = (await trail(dataDir)).filter((l) => l.action === 'query.run');
    expect(lines.map((l) => l.outcome)).toEqual(['started', 'succeeded']);
    expect(lines[0]!.id).toEqual(lines[1]!.id);
    expect(lines[0]!.details).toMatchObject({ sql: 'SELECT 1 AS one' });
  });

  it('does not run what it cannot record, and says where the trail is and what to do', async () => {
    if (process.getuid?.() === 0) {
      // root writes through any mode: a file where the folder must be stops it instead.
      const blocked = join(dir, 'blocked-file');
      await writeFile(blocked, '');
      process.env.SHARD_CONSOLE_DATA_DIR = join(blocked, 'data');
    } else {
      const locked = join(dir, 'locked');
      await mkdir(locked);
      await chmod(locked, 0o500);
      process.env.SHARD_CONSOLE_DATA_DIR = join(locked, 'data');
    }
    // Run, it would fail on the server (division by zero): refused first, it never got there.
    await expect(callMethod(ctx, 'query.run', { sql: 'SELECT 1/0 AS never', target: { kind: 'databases', names: ['default'] } })).rejects.toMatchObject({
      code: 'ACTION_NOT_ALLOWED',
      message: expect.stringMatching(/audit\.jsonl.*cannot be written.*was not run.*SHARD_CONSOLE_DATA_DIR/s),
    });
  });
});
