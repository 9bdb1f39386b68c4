import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleContext } from '../../electron/core/console-context.ts';
import { consoleDispatcher } from '../../electron/core/dispatch/console-dispatcher.ts';
import { createMove, runMove } from '../../electron/core/moves/move-service.ts';
import type { MethodName } from '../../shared/contract.ts';
import { startPrivateCluster, type PrivateCluster } from '../support/private-cluster.ts';

/*
 * A read-only console on a role that holds only SELECT on PWB's tables and USAGE on their schema: every
 * page's methods and every read command work, with no error and nothing written. The console's own
 * schema exists (an earlier console recorded a move and migrations there) but the role may not read it.
 */

const bin = fileURLToPath(new URL('../../bin/shard-console.js', import.meta.url));
const READER_PASSWORD = 'reader-Pw-7f3b9c2e1d';
let pc: PrivateCluster;
let ctx: ConsoleContext;
let profilePath: string;
let site: number;

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 8 });
  // A writing console's traces: a move recorded in shard_console on the primary.
  const writer = await pc.open();
  site = (await writer.pools.primary().query<{ id: number }>(`SELECT id FROM pwb_websites WHERE shard_name = 'shard_1' ORDER BY id LIMIT 1`)).rows[0]!.id;
  await runMove(writer, (await createMove(writer, site, 'default')).id);
  for (const server of pc.cluster.servers) {
    const c = await pc.client(server.name);
    await c.query(`CREATE ROLE reader LOGIN PASSWORD '${READER_PASSWORD}'`);
    await c.query(`GRANT CONNECT ON DATABASE ${server.database} TO reader`);
    await c.query('GRANT USAGE ON SCHEMA public TO reader');
    await c.query('GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader');
    await c.end();
  }
  const profile = JSON.parse(await readFile(pc.cluster.profilePath, 'utf8'));
  const asReader = (entry: Record<string, unknown>) => ({ ...entry, user: 'reader', password: '${SC_READER_PASSWORD}' });
  profile.primary = asReader(profile.primary);
  for (const name of Object.keys(profile.shards)) profile.shards[name] = asReader(profile.shards[name]);
  profilePath = path.join(pc.cluster.dir, 'reader-profile.json');
  await writeFile(profilePath, JSON.stringify({ ...profile, readOnly: true }));
  ctx = await pc.open(profilePath, { ...pc.env, SC_READER_PASSWORD: READER_PASSWORD });
}, 180_000);
afterAll(() => pc?.stop());

describe('a read-only console on a SELECT-only role', () => {
  it('connects as the reader, which can write nothing', async () => {
    const who = await ctx.pools.primary().query<{ u: string }>('SELECT current_user AS u');
    expect(who.rows[0]!.u).toBe('reader');
    await expect(ctx.pools.primary().query(`UPDATE pwb_websites SET shard_name = shard_name WHERE id = ${site}`)).rejects.toMatchObject({
      message: expect.stringMatching(/permission denied/),
    });
  });

  it("answers every page's methods with no error", async () => {
    const dispatch = consoleDispatcher(ctx);
    const calls: Array<[MethodName, unknown]> = [
      ['session.info', {}],
      ['cluster.overview', {}],
      ['catalog.tables', {}],
      ['tenants.list', { limit: 20 }],
      ['tenants.detail', { id: site }],
      ['shards.sizes', {}],
      ['shards.largestTenants', { limit: 5 }],
      ['shards.tenantFootprint', { id: site }],
      ['shards.tenantFootprint', { id: site, figure: 'exact' }],
      ['doctor.run', {}],
      ['moves.list', {}],
      ['moves.preflight', { websiteId: site, target: 'shard_2' }],
      ['moves.verifyPlacement', { websiteId: site }],
      ['migrations.status', {}],
      ['migrations.plan', {}],
      ['schema.drift', {}],
      ['schema.lint', {}],
      ['jobs.list', {}],
      ['backup.list', {}],
    ];
    const failures: string[] = [];
    for (const [method, params] of calls) {
      const envelope = await dispatch(method, params, { caller: 'test' });
      if (!envelope.ok) failures.push(`${method}: ${envelope.error.code} ${envelope.error.message}`);
    }
    expect(failures).toEqual([]);
  });

  it('runs every read command of the CLI with no error', async () => {
    const env = { ...pc.env, SC_READER_PASSWORD: READER_PASSWORD, SHARD_CONSOLE_PROFILE: undefined } as NodeJS.ProcessEnv;
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [bin, ...args, '--profile', profilePath], { env }, (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const commands = [
      ['shards'],
      ['tenants'],
      ['tenant', String(site)],
      ['sizes'],
      ['doctor'],
      ['moves'],
      ['verify', String(site)],
      ['migrate', 'status'],
      ['migrate', 'up', '--dry-run'],
      ['drift'],
      ['lint'],
      ['jobs'],
    ];
    for (const args of commands) {
      const result = await run([...args, '--json']);
      expect(result.stderr, args.join(' ')).not.toMatch(/error \[/);
      // lint finds PWB's own risks (exit 1 for findings, not for an error); the doctor could not check the
      // fences left standing (the role may not read the console's schema), which is no clean bill (exit 1,
      // the check named); everything else answers 0.
      if (args[0] === 'doctor') {
        expect(JSON.parse(result.stdout).checks).toContainEqual(expect.objectContaining({ check: 'write fences left standing', status: 'unavailable' }));
        expect(JSON.parse(result.stdout).findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
      }
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(args[0] === 'lint' || args[0] === 'doctor' ? 1 : 0);
    }
  });
});
