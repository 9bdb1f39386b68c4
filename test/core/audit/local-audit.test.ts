import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { audited } from '../../../electron/core/console-schema/audit-log.ts';
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

/** A data folder no one can write the trail into: a file where the folder must be (root writes through any mode). */
async function unwritableDataDir(): Promise<string> {
  if (process.getuid?.() === 0) {
    const blocked = join(dir, 'blocked-file');
    await writeFile(blocked, '');
    return join(blocked, 'data');
  }
  const locked = join(dir, 'locked');
  await mkdir(locked, { recursive: true });
  await chmod(locked, 0o500);
  return join(locked, 'data');
}

describe("a read-only console's local audit trail", () => {
  it('records an action before it runs and its outcome after, the two lines sharing an id', async () => {
    const dataDir = join(dir, 'data');
    process.env.SHARD_CONSOLE_DATA_DIR = dataDir;
    let seenWhileRunning: Array<Record<string, unknown>> = [];
    await audited(ctx.pools.primary(), { action: 'probe.before', details: { n: 1 } }, async () => {
      seenWhileRunning = await trail(dataDir);
      return 1;
    });
    expect(seenWhileRunning.map((l) => [l.action, l.outcome])).toEqual([['probe.before', 'started']]);
    const lines = (await trail(dataDir)).filter((l) => l.action === 'probe.before');
    expect(lines.map((l) => l.outcome)).toEqual(['started', 'succeeded']);
    expect(lines[0]!.id).toEqual(lines[1]!.id);

    // And so for a query from the console, through its dispatcher.
    await callMethod(ctx, 'query.run', { sql: 'SELECT 1 AS one', target: { kind: 'databases', names: ['default'] } });
    const query = (await trail(dataDir)).filter((l) => l.action === 'query.run');
    expect(query.map((l) => l.outcome)).toEqual(['started', 'succeeded']);
    expect(query[0]!.details).toMatchObject({ sql: 'SELECT 1 AS one' });
  });

  it('does not run what it cannot record, and says where the trail is and what to do', async () => {
    process.env.SHARD_CONSOLE_DATA_DIR = await unwritableDataDir();
    const run = vi.fn(async () => 1);
    await expect(audited(ctx.pools.primary(), { action: 'probe.refused' }, run)).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
    expect(run).not.toHaveBeenCalled();
    await expect(callMethod(ctx, 'query.run', { sql: 'SELECT 1 AS never', target: { kind: 'databases', names: ['default'] } })).rejects.toMatchObject({
      code: 'ACTION_NOT_ALLOWED',
      message: expect.stringMatching(/audit\.jsonl.*cannot be written.*was not run.*SHARD_CONSOLE_DATA_DIR/s),
    });
  });
});
