import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleError } from '../../../shared/errors.ts';
import { importRailsDatabaseYml, railsEnvironmentNames } from '../../../electron/core/config/rails-database-yml.ts';
import { PWB_DATABASE_YML } from './pwb-database-yml.ts';
import { tempFolder } from './temp-folder.ts';

async function pwbFile(content = PWB_DATABASE_YML): Promise<string> {
  const folder = await tempFolder({ 'config/database.yml': content });
  return join(folder, 'config/database.yml');
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

const productionEnv = {
  USER: 'deploy',
  RAILS_ENV: 'production',
  PWB_DATABASE_URL: 'postgres://pwb_app@db-main.internal:6432/pwb_live?sslmode=require',
  PWB_DATABASE_PASSWORD: 's3cret',
  PWB_TENANT_SHARD_1_DATABASE_URL: 'postgresql://shard_user:url%40pass@db-shard1.internal/pwb_live_shard_1?sslmode=verify-full',
};

describe('importRailsDatabaseYml', () => {
  it('reads the development block: anchors merged, PWB shard names, libpq defaults', async () => {
    const file = await pwbFile();
    const { databases } = await importRailsDatabaseYml(file, 'development', { env: { USER: 'alice' } });
    expect(databases.map((d) => [d.name, d.role, d.database])).toEqual([
      ['default', 'primary', 'pwb_development'],
      ['shard_1', 'shard', 'pwb_development_shard_1'],
      ['demo', 'shard', 'pwb_development_demo'],
    ]);
    expect(databases[0]).toEqual({
      name: 'default',
      role: 'primary',
      host: 'localhost',
      port: 5432,
      database: 'pwb_development',
      user: 'alice',
      password: undefined,
      // No sslmode and no PGSSLMODE: libpq's default.
      ssl: 'prefer',
      origin: 'database.yml: development.primary',
    });
    expect(Object.isFrozen(databases) && Object.isFrozen(databases[1])).toBe(true);
  });

  it("fills what an entry leaves out from libpq's PGHOST, PGPORT, PGUSER and PGSSLMODE, as the Rails app's libpq does", async () => {
    const file = await pwbFile();
    const env = { USER: 'alice', PGHOST: 'db.internal', PGPORT: '6432', PGUSER: 'pwb_app', PGSSLMODE: 'require' };
    const { databases } = await importRailsDatabaseYml(file, 'development', { env });
    expect(databases[0]).toMatchObject({ host: 'db.internal', port: 6432, user: 'pwb_app', ssl: 'require', database: 'pwb_development' });
    // What the entry or its URL says still wins; a URL without a port takes PGPORT's, as in libpq.
    const production = await importRailsDatabaseYml(file, 'production', { env: { ...productionEnv, ...env, PGPORT: '7432' } });
    expect(production.databases[0]).toMatchObject({ host: 'db-main.internal', port: 6432, user: 'pwb_app', ssl: 'require' });
    expect(production.databases[1]).toMatchObject({ host: 'db-shard1.internal', port: 7432, user: 'shard_user', ssl: 'verify-full' });
    const several = await errorOf(importRailsDatabaseYml(file, 'development', { env: { ...env, PGHOST: 'a.internal,b.internal' } }));
    expect(several.message).toContain('PGHOST lists several hosts');
    // Entries that name their host (and port, sslmode) never read the variables: an HA PGHOST elsewhere is no error.
    const named = await importRailsDatabaseYml(file, 'production', { env: { ...productionEnv, PGHOST: 'a.internal,b.internal', PGSSLMODE: 'bogus' } });
    expect(named.databases.map((d) => d.host)).toEqual(['db-main.internal', 'db-shard1.internal']);
    const badPort = await errorOf(importRailsDatabaseYml(file, 'development', { env: { ...env, PGPORT: 'x' } }));
    expect(badPort.message).toContain('the PGPORT environment variable has port "x". Give a whole number');
  });

  it("takes an entry's sslrootcert relative to the Rails root (where the app runs), else PGSSLROOTCERT for a TLS entry", async () => {
    const yml = `development:\n  primary:\n    adapter: postgresql\n    database: pwb_development\n    sslmode: verify-full\n    sslrootcert: config/certs/ca.pem\n  tenant_shard_1:\n    adapter: postgresql\n    database: pwb_shard\n    sslmode: require\n  demo_shard:\n    adapter: postgresql\n    database: pwb_demo\n`;
    const file = await pwbFile(yml);
    const railsRoot = join(file, '..', '..');
    const ca = join(railsRoot, 'pg-ca.pem');
    await writeFile(ca, '-----BEGIN CERTIFICATE-----\n');
    const { databases } = await importRailsDatabaseYml(file, 'development', { env: { USER: 'alice', PGSSLROOTCERT: ca } });
    expect(databases.map((d) => [d.name, d.ssl, d.sslRootCert])).toEqual([
      ['default', 'verify-full', join(railsRoot, 'config/certs/ca.pem')],
      ['shard_1', 'require', ca],
      // No sslmode: libpq's prefer, which checks the chain against PGSSLROOTCERT too when TLS is taken.
      ['demo', 'prefer', ca],
    ]);
    // A PGSSLROOTCERT that names no file is skipped where the mode does not verify, as libpq does (no chain check).
    const missing = await importRailsDatabaseYml(file, 'development', { env: { USER: 'alice', PGSSLROOTCERT: join(railsRoot, 'gone.pem') } });
    expect(missing.databases.map((d) => [d.name, d.ssl, d.sslRootCert])).toEqual([
      ['default', 'verify-full', join(railsRoot, 'config/certs/ca.pem')],
      ['shard_1', 'require', undefined],
      ['demo', 'prefer', undefined],
    ]);
  });

  it('reads the production block from URLs, skipping the replica; URL parts win over keys as in Rails', async () => {
    const file = await pwbFile();
    const { databases } = await importRailsDatabaseYml(file, 'production', { env: productionEnv });
    expect(databases).toHaveLength(2);
    const [primary, shard] = databases;
    // Rails' UrlConfig merges the URL over the hash, so the URL's database beats `database: pwb_production`.
    expect(primary).toMatchObject({
      name: 'default',
      host: 'db-main.internal',
      port: 6432,
      database: 'pwb_live',
      user: 'pwb_app',
      password: 's3cret',
      ssl: 'require',
    });
    expect(shard).toMatchObject({
      name: 'shard_1',
      host: 'db-shard1.internal',
      port: 5432,
      database: 'pwb_live_shard_1',
      user: 'shard_user',
      password: 'url@pass',
      ssl: 'verify-full',
    });
  });

  it('includes the demo shard only when its if-block variable is present', async () => {
    const file = await pwbFile();
    const env = { ...productionEnv, PWB_DEMO_SHARD_DATABASE_URL: 'postgres://demo.internal/pwb_demo' };
    const { databases } = await importRailsDatabaseYml(file, 'production', { env });
    expect(databases.map((d) => `${d.name}=${d.host}/${d.database}`)).toEqual([
      'default=db-main.internal/pwb_live',
      'shard_1=db-shard1.internal/pwb_live_shard_1',
      'demo=demo.internal/pwb_demo',
    ]);
  });

  it('names the file, entry and variable when a URL is empty because its variable is unset', async () => {
    const file = await pwbFile();
    const { PWB_TENANT_SHARD_1_DATABASE_URL: _unset, ...env } = productionEnv;
    const error = await errorOf(importRailsDatabaseYml(file, 'production', { env }));
    expect(error.code).toBe('CONFIG_MISSING_VARIABLE');
    expect(error.target).toBe(file);
    expect(error.message).toContain(`${file}: production.tenant_shard_1.url is empty because PWB_TENANT_SHARD_1_DATABASE_URL is not set`);
    expect(error.message).toContain('line 35');
    expect(error.details).toMatchObject({ entry: 'production.tenant_shard_1.url', variables: ['PWB_TENANT_SHARD_1_DATABASE_URL'] });
  });

  it('names every variable of an || chain that left a host empty', async () => {
    const file = await pwbFile();
    const error = await errorOf(importRailsDatabaseYml(file, 'staging', { env: {} }));
    expect(error.code).toBe('CONFIG_MISSING_VARIABLE');
    expect(error.message).toContain('staging.tenant_shard_1.host is empty because none of PWB_STAGING_SHARD_HOST, PWB_STAGING_DB_HOST is set');
  });

  it('uses || fallbacks: a literal, then the next variable', async () => {
    const file = await pwbFile();
    const { databases } = await importRailsDatabaseYml(file, 'staging', {
      env: { PWB_STAGING_DB_HOST: 'staging-db', PWB_DATABASE_PASSWORD: 'shared' },
    });
    expect(databases.map((d) => [d.name, d.host, d.user, d.password])).toEqual([
      ['default', 'staging-db', 'pwb', 'shared'],
      ['shard_1', 'staging-db', 'pwb', undefined],
    ]);
  });

  it('reads a flat single-database environment as the primary', async () => {
    const file = await pwbFile();
    const { databases } = await importRailsDatabaseYml(file, 'single', { env: { PWB_DATABASE_PASSWORD: 'pw' } });
    expect(databases).toEqual([expect.objectContaining({ name: 'default', role: 'primary', database: 'pwb_single', user: 'pwb', password: 'pw' })]);
  });

  it("leaves out Rails 8's Solid Cache, Queue and Cable databases, unless shardNames asks for one", async () => {
    const file = await pwbFile(`production:
  primary:
    adapter: postgresql
    database: pwb_live
  cache:
    adapter: postgresql
    database: pwb_live_cache
    migrations_paths: db/cache_migrate
  queue:
    adapter: postgresql
    database: pwb_live_queue
    migrations_paths: db/queue_migrate
  solid_cable:
    adapter: postgresql
    database: pwb_live_cable
    migrations_paths: db/cable_migrate
  tenant_shard_1:
    adapter: postgresql
    database: pwb_live_shard_1
    migrations_paths: db/tenant_shard_1_migrate
`);
    const { databases } = await importRailsDatabaseYml(file, 'production', { env: {} });
    expect(databases.map((d) => [d.name, d.database])).toEqual([
      ['default', 'pwb_live'],
      ['shard_1', 'pwb_live_shard_1'],
    ]);
    const asked = await importRailsDatabaseYml(file, 'production', { env: {}, shardNames: { queue: 'jobs' } });
    expect(asked.databases.map((d) => d.name)).toEqual(['default', 'jobs', 'shard_1']);
  });

  it('lets shardNames override the mapping', async () => {
    const file = await pwbFile();
    const { databases } = await importRailsDatabaseYml(file, 'development', {
      env: {},
      shardNames: { tenant_shard_1: 'eu_west', demo_shard: 'sandbox' },
    });
    expect(databases.map((d) => d.name)).toEqual(['default', 'eu_west', 'sandbox']);
  });

  it('applies <NAME>_DATABASE_URL and DATABASE_URL like Rails, only for the running environment', async () => {
    const file = await pwbFile();
    const env = {
      DATABASE_URL: 'postgres://heroku-host/heroku_db',
      TENANT_SHARD_1_DATABASE_URL: 'postgres://shard-host/shard_db',
    };
    const running = await importRailsDatabaseYml(file, 'development', { env });
    expect(running.databases.map((d) => `${d.host}/${d.database}`)).toEqual(['heroku-host/heroku_db', 'shard-host/shard_db', 'localhost/pwb_development_demo']);
    const other = await importRailsDatabaseYml(file, 'development', { env: { ...env, RAILS_ENV: 'production' } });
    expect(other.databases[0]?.database).toBe('pwb_development');
    // An entry with a `url:` of its own is never replaced (Rails leaves a UrlConfig alone): a platform's
    // DATABASE_URL for an add-on must not send the console elsewhere than the app.
    const production = await importRailsDatabaseYml(file, 'production', {
      env: { ...productionEnv, ...env, PWB_TENANT_SHARD_1_DATABASE_URL: productionEnv.PWB_TENANT_SHARD_1_DATABASE_URL, RAILS_ENV: 'production' },
    });
    expect(production.databases.map((d) => `${d.host}/${d.database}`)).toEqual(['db-main.internal/pwb_live', 'db-shard1.internal/pwb_live_shard_1']);
    // Nor an environment that is just a URL (Rails reads it as a UrlConfig too).
    const urlOnly = await pwbFile('production: postgres://app@db-own.example/app_prod\n');
    const own = await importRailsDatabaseYml(urlOnly, 'production', { env: { DATABASE_URL: 'postgres://addon.example/addon_db', RAILS_ENV: 'production' } });
    expect(own.databases.map((d) => `${d.host}/${d.database}`)).toEqual(['db-own.example/app_prod']);
  });

  it('lists the environments in the file when asked for another', async () => {
    const file = await pwbFile();
    const error = await errorOf(importRailsDatabaseYml(file, 'qa', { env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.target).toBe(file);
    expect(error.message).toContain('has no "qa" environment. It has: default, development, production, staging, single.');
  });

  it('refuses two configs mapping to the same shard name, and two pointing at the same database', async () => {
    const sameName = await pwbFile('development:\n  primary:\n    database: a\n  tenant_shard_1:\n    database: b\n  shard_1:\n    database: c\n');
    const nameError = await errorOf(importRailsDatabaseYml(sameName, 'development', { env: {} }));
    expect(nameError.code).toBe('CONFIG_INVALID');
    expect(nameError.message).toContain('development.tenant_shard_1 and database.yml: development.shard_1 are both named "shard_1"');

    const sameDatabase = await pwbFile('development:\n  primary:\n    database: a\n  tenant_shard_1:\n    host: 127.0.0.1\n    database: a\n');
    const databaseError = await errorOf(importRailsDatabaseYml(sameDatabase, 'development', { env: {} }));
    expect(databaseError.code).toBe('CONFIG_INVALID');
    expect(databaseError.message).toContain('both point at localhost:5432/a');
  });

  it('reports a database name left empty by an unset variable', async () => {
    const file = await pwbFile("production:\n  database: <%= ENV['PWB_DB_NAME'] %>\n");
    const error = await errorOf(importRailsDatabaseYml(file, 'production', { env: {} }));
    expect(error.code).toBe('CONFIG_MISSING_VARIABLE');
    expect(error.message).toContain('production.database is empty because PWB_DB_NAME is not set (line 2)');
  });

  it('checks an environment reached by an alias or a merge key as its own: an unset variable is missing, a typed password refused', async () => {
    const shared = "production: &production\n  primary:\n    adapter: postgresql\n    url: <%= ENV['PWB_DATABASE_URL'] %>\n    database: pwb\n";
    for (const staging of ['staging: *production\n', 'staging:\n  <<: *production\n']) {
      const file = await pwbFile(shared + staging);
      const error = await errorOf(importRailsDatabaseYml(file, 'staging', { env: {} }));
      expect(error.code, staging).toBe('CONFIG_MISSING_VARIABLE');
      expect(error.message, staging).toContain('PWB_DATABASE_URL is not set');
    }
    const typed = await pwbFile('production: &production\n  primary:\n    database: pwb\n    password: hunter2\nstaging: *production\n');
    const refused = await errorOf(importRailsDatabaseYml(typed, 'staging', { env: {} }));
    expect(refused.code).toBe('CONFIG_INVALID');
    expect(refused.message).not.toContain('hunter2');
  });

  it('lists an anchored environment that names its database (production: &production, aliased by staging), leaving out templates', async () => {
    const file = await pwbFile(
      'default: &default\n  adapter: postgresql\n  pool: 5\nproduction: &production\n  primary:\n    <<: *default\n    database: pwb\nstaging: *production\nlegacy: &legacy\n  <<: *default\n  url: postgres://db/pwb_legacy\n',
    );
    expect(await railsEnvironmentNames(file, { env: {} })).toEqual(['production', 'staging', 'legacy']);
    // A template that names its database (Rails' default with url: ENV['DATABASE_URL']) is still a template.
    const withUrl = await pwbFile(
      "default: &default\n  adapter: postgresql\n  url: <%= ENV['DATABASE_URL'] %>\nproduction:\n  <<: *default\n  database: pwb\n",
    );
    expect(await railsEnvironmentNames(withUrl, { env: {} })).toEqual(['production']);
  });

  it('says a YAML error other than an alias as the parser says it (a merge of a scalar), not as an alias', async () => {
    const file = await pwbFile('x: &x 1\nproduction:\n  <<: *x\n  database: pwb\n');
    const error = await errorOf(importRailsDatabaseYml(file, 'production', { env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).not.toContain('alias (*name)');
    // Too many aliases (a ReferenceError too in the yaml library) is not an alias that names no anchor.
    const many = await pwbFile(`a: &a [1]\n${Array.from({ length: 120 }, (_, i) => `x${i}: *a`).join('\n')}\nproduction:\n  database: pwb\n`);
    const excessive = await errorOf(importRailsDatabaseYml(many, 'production', { env: {} }));
    expect(excessive).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('Excessive alias count') });
  });

  it("refuses a value ERB printed as a YAML alias (a password beginning with '*') by its line, never quoting any of it", async () => {
    const file = await pwbFile("production:\n  database: pwb\n  password: <%= ENV['PW'] %>\n");
    const error = await errorOf(importRailsDatabaseYml(file, 'production', { env: { PW: '*Tr0ub4dor' } }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('line 3: a YAML alias (*name) there names no anchor');
    expect(JSON.stringify(error.toInfo())).not.toContain('Tr0ub4dor');
    expect(String((error as { cause?: unknown }).cause ?? '')).not.toContain('Tr0ub4dor');
  });

  it('reports an entry with no database at all as invalid', async () => {
    const file = await pwbFile('production:\n  host: db\n');
    const error = await errorOf(importRailsDatabaseYml(file, 'production', { env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('production has no database name');
  });

  it('reports YAML errors with their line, and a missing file as not found', async () => {
    const file = await pwbFile('development:\n  primary:\n    database: pwb\n   adapter: postgresql\n');
    const error = await errorOf(importRailsDatabaseYml(file, 'development', { env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(`${file} line 4: not valid YAML (All mapping items must start at the same column)`);

    const missing = await errorOf(importRailsDatabaseYml('/nonexistent/config/database.yml', 'development', { env: {} }));
    expect(missing.code).toBe('CONFIG_NOT_FOUND');
    expect(missing.target).toBe('/nonexistent/config/database.yml');
  });
});
