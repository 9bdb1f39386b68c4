import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateCluster, type PrivateCluster } from '../support/private-cluster.ts';
import { tenantSnapshot, websiteRows } from '../support/tenant-snapshot.ts';

/*
 * The two ways PWB shards are built, each as a whole cluster of three PostgreSQL 15 servers (the major
 * PWB's own docs run): shards from the tenant tables alone (no control plane, so none of the foreign
 * keys into it), and shards built with `schema:load` (every table and key; their global tables hold the
 * rows their websites reference). On a clean cluster of either, drift and the doctor find nothing, and
 * a website moves verified in every direction, ending where it began with the content it began with.
 */

const bin = fileURLToPath(new URL('../../bin/shard-console.js', import.meta.url));

const LAYOUTS = ['tenant-shard', 'schema-load-shard'] as const;

describe.each(LAYOUTS)('a cluster whose shards are all %s', (layout) => {
  let pc: PrivateCluster;

  beforeAll(async () => {
    pc = await startPrivateCluster({ websites: 6, scale: 0.01, major: 15, layouts: { shard_1: layout, shard_2: layout } });
  }, 180_000);
  afterAll(() => pc?.stop());

  function cli(args: string[]) {
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [bin, ...args, '--profile', pc.cluster.profilePath],
        { env: { ...pc.env, SHARD_CONSOLE_PROFILE: undefined } as NodeJS.ProcessEnv },
        (error, stdout, stderr) => {
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  }

  it('runs PostgreSQL 15 with the layout asked for', async () => {
    const client = await pc.client('shard_1');
    try {
      expect((await client.query(`SELECT current_setting('server_version_num')::int / 10000 AS major`)).rows[0].major).toBe(15);
      const globals = (await client.query(`SELECT to_regclass('pwb_websites') IS NOT NULL AS present`)).rows[0].present;
      expect(globals).toBe(layout === 'schema-load-shard');
    } finally {
      await client.end();
    }
  });

  it('drift --json finds nothing and exits 0; doctor --json exits 0', async () => {
    const drift = await cli(['drift', '--json']);
    expect(drift.code, drift.stderr).toBe(0);
    const result = JSON.parse(drift.stdout);
    expect(result.drift).toEqual([]);
    expect(result.setAside.length).toBe(layout === 'tenant-shard' ? 18 : 0);
    const doctor = await cli(['doctor', '--json']);
    expect(doctor.code, doctor.stdout).toBe(0);
    expect(JSON.parse(doctor.stdout).findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
  });

  it('moves a website verified in every direction and brings it home with the content it left with', { timeout: 240_000 }, async () => {
    const primary = await pc.client('default');
    const site = (await primary.query(`SELECT id FROM pwb_websites WHERE coalesce(shard_name, 'default') = 'default' ORDER BY id LIMIT 1`)).rows[0]
      .id as number;
    await primary.end();
    const start = websiteRows(await tenantSnapshot(pc), site);
    for (const to of ['shard_1', 'shard_2', 'default', 'shard_2', 'shard_1', 'default']) {
      await pc.admit(site, to);
      const moved = await cli(['move', String(site), '--to', to, '--yes', '--json']);
      expect(moved.code, `to ${to}: ${moved.stderr}`).toBe(0);
      const report = JSON.parse(moved.stdout);
      expect(report).toMatchObject({ state: 'succeeded', verified: true });
      for (const t of report.verification) expect(t.sourceHash, `${t.table} to ${to}`).toBe(t.targetHash);
      expect(websiteRows(await tenantSnapshot(pc), site).databases).toEqual([to]);
    }
    expect(websiteRows(await tenantSnapshot(pc), site)).toEqual(start);
  });
});
