import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { queryResultSchema } from '../../shared/contract.ts';
import { clusterFingerprint, directClient, testCluster } from '../support/test-console.ts';

const bin = fileURLToPath(new URL('../../bin/shard-console.js', import.meta.url));

function cli(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args, '--profile', testCluster().profilePath],
      { env: { ...testCluster().env, SHARD_CONSOLE_PROFILE: undefined } as NodeJS.ProcessEnv },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('shard-console query', () => {
  it('runs one read on every database and prints each row with its database (the contract shape)', async () => {
    const run = await cli(['query', 'SELECT count(*) AS pages FROM pwb_pages', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = queryResultSchema.parse(JSON.parse(run.stdout));
    expect(result.columns).toEqual([{ name: 'pages', type: 'bigint' }]);
    expect(result.rows.map((r) => r.database)).toEqual(['default', 'shard_1', 'shard_2']);
    for (const row of result.rows) {
      const client = await directClient(row.database);
      const count = (await client.query('SELECT count(*)::text AS n FROM pwb_pages')).rows[0].n;
      await client.end();
      expect(row.values).toEqual([count]);
    }
    expect(result.databases.every((d) => d.error === null && !d.truncated)).toBe(true);
  });

  it('routes --website to the database its shard_name names and binds $1; --csv prints CSV', async () => {
    const primary = await directClient('default');
    const site = (await primary.query(`SELECT id FROM pwb_websites WHERE shard_name = 'shard_2' ORDER BY id LIMIT 1`)).rows[0].id as number;
    await primary.end();
    const run = await cli(['query', 'SELECT count(*) AS n FROM pwb_pages WHERE website_id = $1', '--website', String(site), '--csv']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split(/\r?\n/)[0]).toBe('database,n');
    expect(run.stdout).toMatch(/^shard_2,\d+/m);
  });

  it("stopped with Ctrl-C, exits 130 (the shell's code for it), not 1 as if a database had failed", async () => {
    const child = spawn(process.execPath, [bin, 'query', 'SELECT pg_sleep(30)', '--json', '--profile', testCluster().profilePath], {
      env: { ...testCluster().env, SHARD_CONSOLE_PROFILE: undefined } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Once the statements are running on the servers (the child has connected).
    const client = await directClient('default');
    try {
      for (let i = 0; i < 200; i++) {
        const running = await client.query(`SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND pid <> pg_backend_pid()`);
        if (running.rowCount) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await client.end();
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(130);
  });

  it('keeps the rows of the databases that answered beside the error of the one that did not (exit 1)', async () => {
    // shard_1 is built from the tenant tables alone: no pwb_websites there.
    const run = await cli(['query', 'SELECT count(*) FROM pwb_websites', '--json']);
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.rows.map((r: { database: string }) => r.database)).toEqual(['default', 'shard_2']);
    expect(result.databases.find((d: { name: string }) => d.name === 'shard_1').error).toMatchObject({ sqlstate: '42P01' });
    expect(run.stderr).toContain('shard_1: [42P01]');
  });

  it('refuses a write and two statements before anything is sent, changing nothing (but the audit log)', async () => {
    const data = async () => Object.fromEntries(Object.entries(await clusterFingerprint()).filter(([table]) => !table.includes('shard_console.')));
    const before = await data();
    const write = await cli(['query', "UPDATE pwb_websites SET shard_name = 'x'", '--json']);
    expect(write.code).toBe(1);
    expect(JSON.parse(write.stdout).error.code).toBe('READ_ONLY');
    const two = await cli(['query', 'SELECT 1; SELECT 2']);
    expect(two.code).toBe(2);
    const usage = await cli(['query', 'SELECT 1', '--shards', '--website', '3']);
    expect(usage.code).toBe(2);
    // An empty statement is a wrong command line, said in the CLI's words (not the contract validator's).
    const empty = await cli(['query', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('Give one statement (quote it), or --file F.');
    expect(empty.stderr).not.toContain('Too small');
    expect(await data()).toEqual(before);
  });
});
