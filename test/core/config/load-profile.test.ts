import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleError } from '../../../shared/errors.ts';
import { loadProfile } from '../../../electron/core/config/load-profile.ts';
import { DEFAULT_GLOBAL_TABLES, DEFAULT_TENANT_KEYS } from '../../../electron/core/config/profile-schema.ts';
import { memorySecretStore } from '../../../electron/core/config/secret-store.ts';
import { PWB_DATABASE_YML } from './pwb-database-yml.ts';
import { tempFolder } from './temp-folder.ts';

async function profileFile(content: unknown, extra: Record<string, string> = {}): Promise<string> {
  const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
  const folder = await tempFolder({ 'cluster.json': text, ...extra });
  return join(folder, 'cluster.json');
}

async function errorOf(promise: Promise<unknown>): Promise<ConsoleError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConsoleError) return error;
    throw error;
  }
  throw new Error('expected a ConsoleError');
}

describe('loadProfile', () => {
  it('resolves fields with defaults: localhost, 5432, $USER, pool, tenant keys, global tables, name from the file', async () => {
    const path = await profileFile({
      primary: { database: 'pwb_development' },
      shards: { shard_1: { host: 'db2', port: '6543', database: 'pwb_development_shard_1', user: 'pwb', ssl: 'require' } },
    });
    const profile = await loadProfile(path, { env: { USER: 'alice' } });
    expect(profile).toEqual({
      name: 'cluster',
      source: path,
      databases: [
        {
          name: 'default',
          role: 'primary',
          host: 'localhost',
          port: 5432,
          database: 'pwb_development',
          user: 'alice',
          password: undefined,
          ssl: false,
          origin: 'cluster.json: primary',
        },
        {
          name: 'shard_1',
          role: 'shard',
          host: 'db2',
          port: 6543,
          database: 'pwb_development_shard_1',
          user: 'pwb',
          password: undefined,
          ssl: 'require',
          origin: 'cluster.json: shards.shard_1',
        },
      ],
      tenantKeys: [...DEFAULT_TENANT_KEYS],
      globalTables: [...DEFAULT_GLOBAL_TABLES],
      readOnly: false,
      pool: { max: 5, connectTimeoutMs: 5000, statementTimeoutMs: 30000 },
    });
    const noUser = await loadProfile(path, { env: {} });
    expect(noUser.databases[0]?.user).toBe('postgres');
  });

  it('parses URLs (user, password, host, port, database, sslmode) and lets fields override them', async () => {
    const path = await profileFile({
      name: 'prod',
      primary: { url: 'postgresql://pwb_app:${PRIMARY_PW}@db-main.internal:6432/pwb_live?sslmode=verify-full' },
      shards: {
        shard_1: { url: 'postgres://reader@[::1]:7000/old_name?sslmode=prefer', database: 'pwb_live_shard_1', port: 7001 },
        eu: { url: 'postgres:///pwb_eu?host=/var/run/postgresql&sslmode=require', ssl: false },
      },
      pool: { max: 12 },
    });
    const profile = await loadProfile(path, { env: { PRIMARY_PW: 'p@ss/w#rd' } });
    expect(profile.name).toBe('prod');
    expect(profile.pool).toEqual({ max: 12, connectTimeoutMs: 5000, statementTimeoutMs: 30000 });
    const [primary, shard1, eu] = profile.databases;
    expect(primary).toMatchObject({ host: 'db-main.internal', port: 6432, database: 'pwb_live', user: 'pwb_app', password: 'p@ss/w#rd', ssl: 'verify-full' });
    expect(shard1).toMatchObject({ host: '::1', port: 7001, database: 'pwb_live_shard_1', user: 'reader', ssl: 'prefer' });
    expect(eu).toMatchObject({ host: '/var/run/postgresql', port: 5432, database: 'pwb_eu', ssl: false });
  });

  it('expands ${VAR} and ${VAR:-default} in any string, including a whole URL', async () => {
    const path = await profileFile({
      name: '${CLUSTER:-local}',
      primary: { url: '${PWB_DATABASE_URL}' },
      shards: { shard_1: { host: '${SHARD_HOST}', database: 'pwb_${STAGE:-dev}_shard_1', password: '${SHARD_PW}' } },
      globalTables: ['pwb_websites', '${EXTRA_GLOBAL}'],
    });
    const profile = await loadProfile(path, {
      env: { PWB_DATABASE_URL: 'postgres://u:pw@h1/pwb', SHARD_HOST: 'h2', SHARD_PW: 'x', EXTRA_GLOBAL: 'pwb_plans', STAGE: '' },
    });
    expect(profile.name).toBe('local');
    expect(profile.databases.map((d) => `${d.user}:${d.password}@${d.host}/${d.database}`)).toEqual(['u:pw@h1/pwb', `${'postgres'}:x@h2/pwb_dev_shard_1`]);
    expect(profile.globalTables).toEqual(['pwb_websites', 'pwb_plans']);
  });

  it('takes a ?password=${VAR} as its value is, like one in the user info: never decoded or read as more parameters', async () => {
    const path = await profileFile({ primary: { url: 'postgres://pwb@db-main.internal/pwb_live?sslmode=require&password=${PW}' } });
    for (const pw of ['a+b', 'p%41ss', 'a#b', 'x&sslmode=disable']) {
      const profile = await loadProfile(path, { env: { PW: pw } });
      expect(profile.databases[0], pw).toMatchObject({ host: 'db-main.internal', database: 'pwb_live', password: pw, ssl: 'require' });
    }
  });

  it('names the file, entry and variable when a ${VAR} is not set', async () => {
    const path = await profileFile({
      primary: { database: 'pwb' },
      shards: { shard_1: { database: 'pwb_1', password: '${PWB_SHARD_PASSWORD}' } },
    });
    const error = await errorOf(loadProfile(path, { env: {} }));
    expect(error.code).toBe('CONFIG_MISSING_VARIABLE');
    expect(error.target).toBe(path);
    expect(error.message).toContain(`${path}: shards.shard_1.password uses \${PWB_SHARD_PASSWORD}, but PWB_SHARD_PASSWORD is not set`);
    expect(error.details).toEqual({ entry: 'shards.shard_1.password', variable: 'PWB_SHARD_PASSWORD' });
  });

  it('refuses a password in clear, as a field, in a URL, or as a ${VAR:-default}', async () => {
    for (const [entry, connection] of [
      ['shards.shard_1.password', { database: 'b', password: 'hunter2' }],
      ['shards.shard_1.url', { url: 'postgres://pwb:hunter2@db/b' }],
      ['shards.shard_1.url', { url: 'postgres://db/b?password=hunter2' }],
      ['shards.shard_1.password', { database: 'b', password: '${PW:-hunter2}' }],
    ] as const) {
      const path = await profileFile({ primary: { database: 'a' }, shards: { shard_1: connection } });
      const error = await errorOf(loadProfile(path, { env: { PW: 'x' } }));
      expect(error.code, entry).toBe('CONFIG_INVALID');
      expect(error.message).toContain(`${path}: ${entry} holds a password in clear`);
      expect(error.message).toContain('passwordSecret');
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('resolves passwordSecret through the secret reader, and explains where to put a missing one', async () => {
    const path = await profileFile({ primary: { database: 'pwb', passwordSecret: 'pwb-prod' } });
    const profile = await loadProfile(path, { env: {}, secrets: memorySecretStore({ 'pwb-prod': 'from-keychain' }) });
    expect(profile.databases[0]?.password).toBe('from-keychain');

    const fromEnv = await loadProfile(path, { env: { SHARD_CONSOLE_SECRET_PWB_PROD: 'from-env' } });
    expect(fromEnv.databases[0]?.password).toBe('from-env');

    const error = await errorOf(loadProfile(path, { env: {}, secrets: memorySecretStore() }));
    expect(error.code).toBe('CONFIG_MISSING_VARIABLE');
    expect(error.message).toContain('primary.passwordSecret names the secret "pwb-prod"');
    expect(error.message).toContain('SHARD_CONSOLE_SECRET_PWB_PROD');
  });

  it('reports malformed JSON with its line and column', async () => {
    const path = await profileFile('{\n  "primary": { "database": "pwb" }\n  "shards": {}\n}\n');
    const error = await errorOf(loadProfile(path, { env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.target).toBe(path);
    expect(error.message).toContain(`${path} line 3, column 3: not valid JSON`);
  });

  it('reports schema errors with the path of the bad field', async () => {
    const badPort = await profileFile({ primary: { database: 'pwb' }, shards: { shard_1: { database: 'b', port: true } } });
    const portError = await errorOf(loadProfile(badPort, { env: {} }));
    expect(portError.code).toBe('CONFIG_INVALID');
    expect(portError.message).toContain(`${badPort}: shards.shard_1.port:`);

    const typo = await profileFile({ primary: { database: 'pwb', passwrd: '${PW}' } });
    const typoError = await errorOf(loadProfile(typo, { env: {} }));
    expect(typoError.message).toContain('primary:');
    expect(typoError.message).toContain('passwrd');

    const pool = await profileFile({ primary: { database: 'pwb' }, pool: { max: 0 } });
    expect((await errorOf(loadProfile(pool, { env: {} }))).message).toContain('pool.max:');
  });

  it('refuses a profile without databases, an entry without a database, and a bad port value', async () => {
    const empty = await profileFile({ name: 'x' });
    expect((await errorOf(loadProfile(empty, { env: {} }))).message).toContain('lists no primary database');

    const noDatabase = await profileFile({ primary: { host: 'db' } });
    const error = await errorOf(loadProfile(noDatabase, { env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(`${noDatabase}: primary has no database name`);

    const badPort = await profileFile({ primary: { database: 'pwb', port: '${PORT}' } });
    expect((await errorOf(loadProfile(badPort, { env: { PORT: '99999' } }))).message).toContain('primary.port has port "99999"');
  });

  it('refuses duplicate databases: the same server and database under two names, or a shard named default', async () => {
    const sameDatabase = await profileFile({
      primary: { database: 'pwb' },
      shards: { shard_1: { host: '127.0.0.1', database: 'pwb' } },
    });
    const error = await errorOf(loadProfile(sameDatabase, { env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('cluster.json: primary and cluster.json: shards.shard_1 both point at localhost:5432/pwb');

    const shadow = await profileFile({ primary: { database: 'a' }, shards: { default: { database: 'b' } } });
    expect((await errorOf(loadProfile(shadow, { env: {} }))).message).toContain('shards.default');
  });

  it('imports databases from a Rails file relative to the profile, with profile entries overriding fields', async () => {
    const path = await profileFile(
      {
        name: 'pwb-dev',
        rails: { file: 'app/config/database.yml', environment: 'development', shardNames: { demo_shard: 'sandbox' } },
        shards: {
          shard_1: { host: 'tunnel', port: 15432, passwordSecret: 'shard' },
          shard_2: { database: 'pwb_development_shard_2' },
        },
      },
      { 'app/config/database.yml': PWB_DATABASE_YML },
    );
    const profile = await loadProfile(path, { env: { USER: 'dev' }, secrets: memorySecretStore({ shard: 'pw' }) });
    expect(profile.name).toBe('pwb-dev');
    expect(profile.databases.map((d) => `${d.name}:${d.role}:${d.user}:${d.password}@${d.host}:${d.port}/${d.database}`)).toEqual([
      'default:primary:dev:undefined@localhost:5432/pwb_development',
      'shard_1:shard:dev:pw@tunnel:15432/pwb_development_shard_1',
      'sandbox:shard:dev:undefined@localhost:5432/pwb_development_demo',
      'shard_2:shard:dev:undefined@localhost:5432/pwb_development_shard_2',
    ]);
    expect(profile.databases[1]?.origin).toBe('cluster.json: shards.shard_1');
    expect(profile.databases[2]?.origin).toBe('database.yml: development.demo_shard');
  });

  it("keeps a Rails entry's CA certificate when the profile overrides another of its fields, and reads a URL's relative to the profile", async () => {
    const yml = `development:\n  primary:\n    adapter: postgresql\n    database: pwb_dev\n    sslmode: require\n    sslrootcert: config/ca.pem\n`;
    const path = await profileFile(
      {
        rails: { file: 'app/config/database.yml', environment: 'development' },
        primary: { passwordSecret: 'primary' },
        shards: { shard_1: { url: 'postgres://db1/pwb_1?sslmode=verify-full&sslrootcert=certs/ca.pem' } },
      },
      { 'app/config/database.yml': yml },
    );
    const profile = await loadProfile(path, { env: { USER: 'dev' }, secrets: memorySecretStore({ primary: 'pw' }) });
    const folder = join(path, '..');
    expect(profile.databases.map((d) => [d.name, d.ssl, d.sslRootCert])).toEqual([
      ['default', 'require', join(folder, 'app/config/ca.pem')],
      ['shard_1', 'verify-full', join(folder, 'certs/ca.pem')],
    ]);
  });

  it("a URL without sslmode is libpq's prefer on its own, but keeps the sslmode of the database.yml entry it overrides (a tunnel)", async () => {
    const yml = `development:\n  primary:\n    adapter: postgresql\n    database: pwb_dev\n    sslmode: require\n`;
    const path = await profileFile(
      {
        rails: { file: 'app/config/database.yml', environment: 'development' },
        primary: { url: 'postgres://tunnel:15432/pwb_dev' },
        shards: { extra: { url: 'postgres://db9/pwb_9' } },
      },
      { 'app/config/database.yml': yml },
    );
    const profile = await loadProfile(path, { env: { USER: 'dev' } });
    expect(profile.databases.map((d) => [d.name, d.host, d.ssl])).toEqual([
      ['default', 'tunnel', 'require'],
      ['extra', 'db9', 'prefer'],
    ]);
  });

  it('sslrootcert=system without sslmode means verify-full, as libpq 16 reads it', async () => {
    const path = await profileFile({ primary: { url: 'postgres://db/pwb' }, shards: { shard_1: { url: 'postgres://db1/pwb_1?sslrootcert=system' } } });
    const profile = await loadProfile(path, { env: { USER: 'dev', PGSSLROOTCERT: 'system' } });
    expect(profile.databases.map((d) => [d.name, d.ssl, d.sslRootCert])).toEqual([
      ['default', 'verify-full', 'system'],
      ['shard_1', 'verify-full', 'system'],
    ]);
  });

  it('returns a deeply frozen profile', async () => {
    const path = await profileFile({ primary: { database: 'pwb' }, shards: { shard_1: { database: 'pwb_1' } } });
    const profile = await loadProfile(path, { env: {} });
    for (const part of [profile, profile.databases, profile.databases[0], profile.databases[1], profile.pool, profile.tenantKeys, profile.globalTables]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (profile.databases[0] as { host: string }).host = 'elsewhere';
    }).toThrow(TypeError);
    expect(profile.databases[0]?.host).toBe('localhost');
  });

  it('reports a missing file as CONFIG_NOT_FOUND with what to do', async () => {
    const folder = await tempFolder();
    const path = join(folder, 'nope.json');
    const error = await errorOf(loadProfile(path, { env: {} }));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.target).toBe(path);
    expect(error.message).toBe(`No profile at ${path}. Run \`shard-console demo\` to create one, or pass --profile FILE / --rails-config FILE --env NAME.`);
  });
});
