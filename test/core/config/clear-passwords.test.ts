import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../electron/core/config/load-profile.ts';
import { importRailsDatabaseYml } from '../../../electron/core/config/rails-database-yml.ts';
import { urlHoldsClearPassword, urlQuerySecrets } from '../../../electron/core/config/url-password.ts';
import { writeProfile } from '../../../electron/core/config/write-profile.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { tempFolder } from './temp-folder.ts';

/*
 * The no-clear-password rule, checked on the URL as the connection will read it: parameter names
 * decoded (`pass%77ord` is `password`), every occurrence, in profiles, database.yml and what `shard
 * add` writes. And a broken profile is reported by line and column, never by quoting it.
 */

async function errorOf(promise: Promise<unknown>): Promise<ConsoleError> {
  const error = await promise.then(
    () => new Error('expected a ConsoleError'),
    (e: unknown) => e,
  );
  if (error instanceof ConsoleError) return error;
  throw error;
}

const CLEAR = [
  'postgres://pwb:hunter2@db/pwb',
  'postgres://db/pwb?password=hunter2',
  'postgres://db/pwb?pass%77ord=hunter2',
  'postgres://db/pwb?%70%61%73%73%77%6F%72%64=hunter2',
  'postgres://db/pwb?PASSWORD=hunter2',
  'postgres://db/pwb?sslmode=require&password=${PW}&password=hunter2',
  'postgres://db/pwb?password=hunter2&password=${PW}',
  'postgres://db/pwb?sslpassword=hunter2',
  'postgres://pwb:%24%7BPW%7D@db/pwb',
  'postgres://pwb:${PW}@db/pwb?x=${A:-#}&password=hunter2',
  // One slash, or none: URL parsing reads the rest as a path, the password inside the database's name.
  'postgres:/pwb:hunter2@db/pwb',
  'postgresql:pwb:hunter2@db/pwb',
];
const REFERENCES = [
  'postgres://pwb:${PW}@db/pwb',
  'postgres://db/pwb?password=${PW}',
  'postgres://db/pwb?sslmode=require',
  'postgres://pwb@db/pwb?password=',
  '${DATABASE_URL}',
];

describe('a password in a URL', () => {
  it('is found however the parameter name is encoded, in every occurrence', () => {
    for (const url of CLEAR) expect(urlHoldsClearPassword(url), url).toBe(true);
    for (const url of REFERENCES) expect(urlHoldsClearPassword(url), url).toBe(false);
    expect(urlQuerySecrets('postgres://db/pwb?pass%77ord=a&x=1&password=${PW}').map((s) => s.raw)).toEqual(['a', '${PW}']);
  });

  it('refuses a profile holding one, naming the entry and never the password', async () => {
    for (const url of CLEAR) {
      const folder = await tempFolder({ 'p.json': JSON.stringify({ primary: { database: 'a' }, shards: { shard_1: { url } } }) });
      const error = await errorOf(loadProfile(join(folder, 'p.json'), { env: { PW: 'x', A: 'y' } }));
      expect(error.code, url).toBe('CONFIG_INVALID');
      expect(error.message, url).toContain('shards.shard_1.url holds a password in clear');
      expect(error.message, url).not.toContain('hunter2');
    }
  });

  it('a URL without the two slashes is refused as written wrong, naming the entry and never what it holds', async () => {
    const folder = await tempFolder({ 'p.json': JSON.stringify({ primary: { database: 'a' }, shards: { shard_1: { url: 'postgres:/db-9f3e/pwb_s1' } } }) });
    const error = await errorOf(loadProfile(join(folder, 'p.json'), { env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('shards.shard_1');
    expect(error.message).toContain('two slashes');
    expect(error.message).not.toContain('db-9f3e');
  });

  it('is never written: writeProfile refuses it, so shard add cannot put one in a profile', async () => {
    const folder = await tempFolder();
    const error = await errorOf(
      writeProfile(join(folder, 'p.json'), { primary: { database: 'a' }, shards: { shard_1: { url: 'postgres://db/b?pass%77ord=hunter2' } } }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
  });
});

describe('a password typed into database.yml', () => {
  const yml = (primary: string[]) => ['production:', '  primary:', '    adapter: postgresql', ...primary.map((l) => `    ${l}`), ''].join('\n');

  it('is refused as a field or in a URL (encoded too), naming the line, never the password', async () => {
    for (const lines of [
      ['database: pwb', 'password: hunter2'],
      ['database: pwb', "password: 'hunter2'"],
      ['url: postgres://pwb:hunter2@db/pwb'],
      ['url: postgres://pwb@db/pwb?pass%77ord=hunter2'],
      ['url: "postgres://pwb@db/pwb?password=<%= ENV[\'PW\'] %>&password=hunter2"'],
      // `<%%` is a literal `<%`, no tag: the password is typed, whatever tag comes later in the file.
      ['database: pwb', 'password: <%%hunter2', "host: <%= ENV['PW'] %>"],
    ]) {
      const folder = await tempFolder({ 'database.yml': yml(lines) });
      const error = await errorOf(importRailsDatabaseYml(join(folder, 'database.yml'), 'production', { env: { PW: 'x' } }));
      expect(error.code, lines.join(' ')).toBe('CONFIG_INVALID');
      expect(error.message, lines.join(' ')).toMatch(
        /line \d+: production\.primary\.(password|url) holds a password typed into the file\. Read it from the environment/,
      );
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('is accepted from the environment: ERB in the field, in the URL, or the whole URL', async () => {
    for (const lines of [
      ['database: pwb', "password: <%= ENV['PW'] %>"],
      ['database: pwb', 'password: <%= ENV.fetch(', "  'PW') %>"],
      ["url: postgres://pwb:<%= ENV['PW'] %>@db/pwb"],
      ["url: <%= ENV['DATABASE_URL'] %>"],
      ['database: pwb'],
    ]) {
      const folder = await tempFolder({ 'database.yml': yml(lines) });
      const { databases } = await importRailsDatabaseYml(join(folder, 'database.yml'), 'production', {
        env: { PW: 's3cret', DATABASE_URL: 'postgres://pwb:from-env@db/pwb' },
      });
      expect(databases[0]?.name, lines.join(' ')).toBe('default');
    }
  });

  it('is refused in an environment that is a URL alone, and found on its line after ERB tags that span lines', async () => {
    const cases = [
      { text: 'production: postgres://pwb:hunter2@db/pwb\n', line: 1 },
      {
        text: [
          'development:',
          '  database: <%= ENV.fetch(',
          "    'DEV_DB', 'pwb_dev') %>",
          '  host: <%= ENV.fetch(',
          "    'DEV_HOST', 'localhost') %>",
          "  password: <%= ENV['DEV_PW'] %>",
          'production:',
          '  database: pwb',
          '  password: hunter2',
          '',
        ].join('\n'),
        line: 9,
      },
    ];
    for (const { text, line } of cases) {
      const folder = await tempFolder({ 'database.yml': text });
      const error = await errorOf(importRailsDatabaseYml(join(folder, 'database.yml'), 'production', { env: {} }));
      expect(error.code, text).toBe('CONFIG_INVALID');
      expect(error.message, text).toContain(`line ${line}: production`);
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('is refused through a merge key too: the anchor holds it', async () => {
    const text = [
      'default: &default',
      '  adapter: postgresql',
      '  password: hunter2',
      'production:',
      '  primary:',
      '    <<: *default',
      '    database: pwb',
      '',
    ].join('\n');
    const folder = await tempFolder({ 'database.yml': text });
    const error = await errorOf(importRailsDatabaseYml(join(folder, 'database.yml'), 'production', { env: {} }));
    expect(error.message).toContain('line 3: production.primary.password holds a password typed into the file');
  });
});

describe('a profile that is not JSON', () => {
  it('is reported by line and column with what was expected, never a fragment of the file', async () => {
    for (const [text, line, column] of [
      ['{\n  "primary": { "url": "postgres://db/pwb", "password": hunter2 }\n}\n', 2, 56],
      ['{\n  "primary": { "password": "hunter2" },\n}\n', 3, 1],
      ['{ "primary": { "password": "hunter2\n" } }', 1, 36],
      ['{ "primary": { "password": "hunter2" ', 1, 38],
      ['{ "primary": { "password": "hunter2" } } hunter2', 1, 42],
    ] as const) {
      const folder = await tempFolder({ 'p.json': text });
      const error = await errorOf(loadProfile(join(folder, 'p.json'), { env: {} }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain(`p.json line ${line}, column ${column}: not valid JSON (`);
      expect(error.message).not.toContain('hunter2');
      expect(error.details).toEqual({ line, column });
    }
  });

  it('reads a file that starts with a byte-order mark', async () => {
    const folder = await tempFolder({ 'p.json': `\ufeff${JSON.stringify({ primary: { database: 'pwb' } })}` });
    expect((await loadProfile(join(folder, 'p.json'), { env: {} })).databases[0]?.database).toBe('pwb');
  });

  it('refuses control characters in any value, naming the entry', async () => {
    const folder = await tempFolder({ 'p.json': JSON.stringify({ primary: { database: 'pwb', host: 'db\u001b[2J' } }) });
    const error = await errorOf(loadProfile(join(folder, 'p.json'), { env: {} }));
    expect(error.message).toContain('primary.host holds the control character U+001B');
    const fromEnv = await tempFolder({ 'p.json': JSON.stringify({ primary: { database: 'pwb', host: '${HOST}' } }) });
    const expanded = await errorOf(loadProfile(join(fromEnv, 'p.json'), { env: { HOST: 'db\u0000' } }));
    expect(expanded.code).toBe('CONFIG_INVALID');
    expect(expanded.message).toContain('U+0000');
  });
});
