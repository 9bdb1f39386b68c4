import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleError } from '../../../shared/errors.ts';
import { loadProfile } from '../../../electron/core/config/load-profile.ts';
import type { ProfileFile } from '../../../electron/core/config/profile-schema.ts';
import { writeProfile } from '../../../electron/core/config/write-profile.ts';
import { tempFolder } from './temp-folder.ts';

async function errorOf(promise: Promise<unknown>): Promise<ConsoleError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConsoleError) return error;
    throw error;
  }
  throw new Error('expected a ConsoleError');
}

const profile: ProfileFile = {
  name: 'prod',
  primary: { url: 'postgres://pwb@db-main/pwb_live', password: '${PWB_DATABASE_PASSWORD}' },
  shards: { shard_1: { host: 'db-shard', database: 'pwb_live_shard_1', passwordSecret: 'pwb-shard-1' } },
};

describe('writeProfile', () => {
  it('creates the folder and writes a 0600 file the loader reads back', async () => {
    const folder = await tempFolder();
    const path = join(folder, 'nested', 'profiles', 'prod.json');
    await writeProfile(path, profile);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(profile);
    expect(await readdir(join(folder, 'nested', 'profiles'))).toEqual(['prod.json']);
    const loaded = await loadProfile(path, {
      env: { PWB_DATABASE_PASSWORD: 'pw', SHARD_CONSOLE_SECRET_PWB_SHARD_1: 'pw1' },
    });
    expect(loaded.databases.map((d) => `${d.name}:${d.password}@${d.host}/${d.database}`)).toEqual([
      'default:pw@db-main/pwb_live',
      'shard_1:pw1@db-shard/pwb_live_shard_1',
    ]);
  });

  it('replaces an existing file, leaving it 0600 even if it was readable by others', async () => {
    const folder = await tempFolder();
    const path = join(folder, 'prod.json');
    await writeFile(path, '{"old": true}', { mode: 0o644 });
    await writeProfile(path, { primary: { database: 'pwb' } });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ primary: { database: 'pwb' } });
    expect(await readdir(folder)).toEqual(['prod.json']);
  });

  it('refuses a password in clear and writes nothing', async () => {
    const folder = await tempFolder();
    const path = join(folder, 'prod.json');
    const error = await errorOf(writeProfile(path, { primary: { database: 'pwb' }, shards: { shard_1: { database: 'b', password: 'hunter2' } } }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.target).toBe(path);
    expect(error.message).toContain('shards.shard_1.password holds a password in clear');
    expect(await readdir(folder)).toEqual([]);
  });

  it('refuses a profile the schema rejects', async () => {
    const folder = await tempFolder();
    const path = join(folder, 'prod.json');
    const error = await errorOf(writeProfile(path, { primary: { database: 'pwb' }, pool: { max: 1000 } }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('pool.max');
    expect(await readdir(folder)).toEqual([]);
  });
});
