import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleError } from '../../../shared/errors.ts';
import { loadClusterProfile, resolveProfileSource } from '../../../electron/core/config/resolve-profile-source.ts';
import { PWB_DATABASE_YML } from './pwb-database-yml.ts';
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

describe('resolveProfileSource', () => {
  it('takes what the command line names over $SHARD_CONSOLE_PROFILE, and refuses --profile with --rails-config', () => {
    const env = { SHARD_CONSOLE_PROFILE: '/env/profile.json', RAILS_ENV: 'production' };
    expect(resolveProfileSource({ profile: 'a.json' }, env)).toEqual({ kind: 'profile', path: 'a.json' });
    expect(resolveProfileSource({ railsConfig: 'db.yml', env: 'staging' }, env)).toEqual({ kind: 'rails', file: 'db.yml', environment: 'staging' });
    expect(resolveProfileSource({ railsConfig: 'db.yml' }, env)).toEqual({ kind: 'rails', file: 'db.yml', environment: 'production' });
    expect(resolveProfileSource({}, env)).toEqual({ kind: 'profile', path: '/env/profile.json' });
    expect(() => resolveProfileSource({ profile: 'a.json', railsConfig: 'db.yml' }, env)).toThrow(/Give one of them/);
    expect(() => resolveProfileSource({ profile: 'a.json', env: 'staging' }, env)).toThrow(/give it with --rails-config FILE/);
  });

  it('defaults the Rails environment to $RAILS_ENV, then development', () => {
    expect(resolveProfileSource({ railsConfig: 'db.yml' }, { RAILS_ENV: 'production' })).toMatchObject({ environment: 'production' });
    expect(resolveProfileSource({ railsConfig: 'db.yml' }, {})).toMatchObject({ environment: 'development' });
  });

  it('returns null when nothing says what to load', () => {
    expect(resolveProfileSource({}, {})).toBeNull();
    expect(resolveProfileSource({}, { SHARD_CONSOLE_PROFILE: '' })).toBeNull();
  });
});

describe('loadClusterProfile', () => {
  it('loads a database.yml on its own as a profile named rails:<environment>', async () => {
    const folder = await tempFolder({ 'config/database.yml': PWB_DATABASE_YML });
    const file = join(folder, 'config/database.yml');
    const profile = await loadClusterProfile({ railsConfig: file }, { env: { USER: 'dev' } });
    expect(profile.name).toBe('rails:development');
    expect(profile.source).toBe(file);
    expect(profile.databases.map((d) => `${d.name}/${d.database}`)).toEqual([
      'default/pwb_development',
      'shard_1/pwb_development_shard_1',
      'demo/pwb_development_demo',
    ]);
    expect(profile.pool.max).toBe(5);
    expect(Object.isFrozen(profile.databases)).toBe(true);
  });

  it('loads the profile named by $SHARD_CONSOLE_PROFILE', async () => {
    const folder = await tempFolder({ 'p.json': JSON.stringify({ primary: { database: 'pwb' } }) });
    const profile = await loadClusterProfile({}, { env: { SHARD_CONSOLE_PROFILE: join(folder, 'p.json') } });
    expect(profile.name).toBe('p');
    expect(profile.databases[0]?.database).toBe('pwb');
  });

  it('says how to get a profile when a file is missing or nothing was given', async () => {
    const missing = await errorOf(loadClusterProfile({ profile: '/nowhere/p.json' }, { env: {} }));
    expect(missing.code).toBe('CONFIG_NOT_FOUND');
    expect(missing.message).toBe(
      'No profile at /nowhere/p.json. Run `shard-console demo` to create one, or pass --profile FILE / --rails-config FILE --env NAME.',
    );
    const missingRails = await errorOf(loadClusterProfile({ railsConfig: '/nowhere/database.yml', env: 'production' }, { env: {} }));
    expect(missingRails.code).toBe('CONFIG_NOT_FOUND');
    expect(missingRails.message).toContain('No profile at /nowhere/database.yml.');
    const nothing = await errorOf(loadClusterProfile({}, { env: {} }));
    expect(nothing.code).toBe('CONFIG_NOT_FOUND');
    expect(nothing.message).toContain('shard-console demo');
  });
});
