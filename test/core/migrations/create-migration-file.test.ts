import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMigrationFile } from '../../../electron/core/migrations/create-migration-file.ts';
import { listMigrations } from '../../../electron/core/migrations/migration-files.ts';

const bin = fileURLToPath(new URL('../../../bin/shard-console.js', import.meta.url));

function cli(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, SHARD_CONSOLE_PROFILE: undefined } as NodeJS.ProcessEnv }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('migration new', () => {
  it('creates a timestamped file in the set it names, after the newest version even when the clock is behind', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sc-new-'));
    const first = await createMigrationFile(dir, 'tenant', 'AddColorToPwbPages', new Date('2026-03-04T05:06:07Z'));
    expect(first).toEqual({ version: '20260304050607', file: path.join(dir, 'tenant', '20260304050607_add_color_to_pwb_pages.sql') });
    expect(await readFile(first.file, 'utf8')).toContain('runs on the primary and every shard');
    const second = await createMigrationFile(dir, 'global', 'add plans', new Date('2026-03-04T05:06:07Z'));
    expect(second.version).toBe('20260304050608');
    expect(second.file).toBe(path.join(dir, 'global', '20260304050608_add_plans.sql'));
    expect((await listMigrations(dir)).map((m) => [m.version, m.set])).toEqual([
      ['20260304050607', 'tenant'],
      ['20260304050608', 'global'],
    ]);
    await expect(createMigrationFile(dir, 'tenant', 'bad;name')).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('refuses a name another migration has, in either set, and writes nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sc-new-'));
    const first = await createMigrationFile(dir, 'tenant', 'add_plans');
    for (const [set, name] of [
      ['tenant', 'add_plans'],
      ['global', 'AddPlans'],
    ] as const) {
      await expect(createMigrationFile(dir, set, name)).rejects.toMatchObject({
        code: 'INVALID_PARAMS',
        message: `A migration named add_plans exists already (${first.file}). Pick another name, or edit that file if it has not run anywhere yet.`,
      });
    }
    expect((await listMigrations(dir)).map((m) => m.file)).toEqual([first.file]);
  });

  it('works from the command line and insists on --tenant or --global', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sc-new-'));
    const made = await cli(['migration', 'new', 'add_probe', '--tenant', '--dir', dir]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout.trim()).toMatch(new RegExp(`^${dir}/tenant/\\d{14}_add_probe\\.sql$`));
    expect(await readdir(path.join(dir, 'tenant'))).toHaveLength(1);
    const both = await cli(['migration', 'new', 'x', '--tenant', '--global', '--dir', dir]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--tenant (primary and every shard) or --global (primary only)');
  });
});
