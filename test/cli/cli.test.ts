import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterFingerprint, directClient, testCluster } from '../support/test-console.ts';

const bin = fileURLToPath(new URL('../../bin/shard-console.js', import.meta.url));

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...testCluster().env, SHARD_CONSOLE_PROFILE: undefined, ...env } as NodeJS.ProcessEnv },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('CLI on the real cluster', () => {
  it('shards --json carries the contract fields', async () => {
    const { code, stdout } = await cli(['shards', '--profile', testCluster().profilePath, '--json']);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.unknownShardNames).toEqual([]);
    expect(out.databases).toHaveLength(3);
    for (const db of out.databases) {
      expect(Object.keys(db)).toEqual(expect.arrayContaining(['name', 'role', 'reachable', 'serverVersion', 'sizeBytes', 'websites']));
      expect(db.reachable).toBe(true);
    }
  });

  it('tenants --search and tenant ID --json carry the contract fields; --profile defaults to $SHARD_CONSOLE_PROFILE', async () => {
    const primary = await directClient('default');
    const site = (
      await primary.query(`SELECT id, subdomain, coalesce(shard_name, 'default') AS shard FROM pwb_websites WHERE shard_name = 'shard_2' ORDER BY id LIMIT 1`)
    ).rows[0];
    await primary.end();
    const list = await cli(['tenants', '--search', site.subdomain, '--json'], { SHARD_CONSOLE_PROFILE: testCluster().profilePath });
    expect(list.code).toBe(0);
    const page = JSON.parse(list.stdout);
    expect(page.total).toBeGreaterThanOrEqual(1);
    expect(page.items).toContainEqual(expect.objectContaining({ id: site.id, subdomain: site.subdomain, shard: 'shard_2' }));
    const one = await cli(['tenant', String(site.id), '--profile', testCluster().profilePath, '--json']);
    expect(one.code).toBe(0);
    const detail = JSON.parse(one.stdout);
    expect(detail).toMatchObject({ id: site.id, shard: 'shard_2' });
    expect(detail.tables[0]).toEqual(expect.objectContaining({ table: expect.any(String), rows: expect.any(Number), bytes: expect.any(Number) }));
  });

  it('takes the cluster options before the command too', async () => {
    const { code, stdout } = await cli(['--profile', testCluster().profilePath, 'shards', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).databases).toHaveLength(3);
  });

  it('prints human tables with sizes in human units', async () => {
    const { code, stdout } = await cli(['shards', '--profile', testCluster().profilePath]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^DATABASE\s+ROLE/);
    expect(stdout).toMatch(/shard_2\s+shard\s+127\.0\.0\.1:\d+\/\S+\s+yes/);
    expect(stdout).toMatch(/\d+(\.\d+)? MB/);
  });
});

describe('CLI bad input: clear errors, nothing changed', () => {
  it('drift with a shard it cannot read claims no match for it: says it is unchecked, exit 1', async () => {
    const { parse } = await import('yaml');
    const profile = parse(await readFile(testCluster().profilePath, 'utf8')) as { shards?: Record<string, unknown> };
    profile.shards = { ...profile.shards, shard_gone: { url: 'postgres://postgres:${SC_TEST_PASSWORD}@127.0.0.1:1/pwb_gone' } };
    const dir = await mkdtemp(join(tmpdir(), 'sc-cli-'));
    const withDead = join(dir, 'profile.json');
    await writeFile(withDead, JSON.stringify(profile));
    const drift = await cli(['drift', '--profile', withDead]);
    expect(drift.code).toBe(1);
    expect(drift.stdout).not.toContain('every shard');
    expect(drift.stdout).toContain('shard_gone could not be read, so its schema is unchecked');
    expect(drift.stderr).toContain('shard_gone');
  });

  it('tenants --shard with a name no database has and no website routes to is SHARD_UNKNOWN, not an empty list', async () => {
    const typo = await cli(['tenants', '--shard', 'shard_l', '--profile', testCluster().profilePath, '--json']);
    expect(typo.code).toBe(1);
    expect(JSON.parse(typo.stdout).error).toMatchObject({ code: 'SHARD_UNKNOWN', message: expect.stringContaining('configured: default, shard_1') });
    const real = await cli(['tenants', '--shard', 'shard_1', '--profile', testCluster().profilePath, '--json']);
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout).total).toBeGreaterThan(0);
  });

  it('a profile without the password a server asks for says so, naming what to set', async () => {
    const { parse } = await import('yaml');
    const profile = parse(await readFile(testCluster().profilePath, 'utf8')) as { primary: { password?: string } };
    delete profile.primary.password;
    const dir = await mkdtemp(join(tmpdir(), 'sc-cli-'));
    const noPassword = join(dir, 'profile.json');
    await writeFile(noPassword, JSON.stringify(profile));
    const run = await cli(['tenants', '--profile', noPassword, '--json']);
    expect(run.code).toBe(1);
    const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toMatch(/asks user "postgres" for a password, and .* gives none\. Give one/);
    expect(error.message).not.toContain('SCRAM');
  });

  it('an unknown website id, a malformed profile, a missing database.yml variable, a missing profile', async () => {
    const before = await clusterFingerprint();
    const unknown = await cli(['tenant', '99999', '--profile', testCluster().profilePath, '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).error.code).toBe('WEBSITE_NOT_FOUND');
    expect(unknown.stderr).toContain('No website with id 99999');
    const notAnId = await cli(['tenant', '1e3', '--profile', testCluster().profilePath]);
    expect(notAnId.code).toBe(2);
    expect(notAnId.stderr).toContain('Give the website id (ID) as a whole number from 1 to 2147483647; got "1e3".');
    // Arguments a command does not take are a wrong command line, not ignored.
    const extra = await cli(['tenant', '1', '2', '--profile', testCluster().profilePath]);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('tenant takes one argument, not "1" "2".');
    const noneTaken = await cli(['shards', 'extra', '--profile', testCluster().profilePath]);
    expect(noneTaken.code).toBe(2);
    expect(noneTaken.stderr).toContain('shards takes no arguments, not "extra".');
    // Commands with verbs count per verb: one more was ignored (`restore 42 43` restored 42 alone).
    const twoWebsites = await cli(['restore', '1', '2', '--from', '/nonexistent', '--profile', testCluster().profilePath]);
    expect(twoWebsites.code).toBe(2);
    expect(twoWebsites.stderr).toContain('restore takes one website id, not also "2".');
    const twoSchemas = await cli(['restore', 'drop-schema', 'a', 'b', '--yes', '--profile', testCluster().profilePath]);
    expect(twoSchemas.code).toBe(2);
    expect(twoSchemas.stderr).toContain('restore drop-schema takes one schema name, not also "b".');
    const twoBackups = await cli(['backup', 'verify', '/nonexistent/a', '/nonexistent/b']);
    expect(twoBackups.code).toBe(2);
    expect(twoBackups.stderr).toContain('backup verify takes one argument, not "/nonexistent/a" "/nonexistent/b".');
    // No command at all: a wrong command line, as JSON on stdout to a --json reader, the usage on stderr.
    const noCommand = await cli(['--json', '--profile', testCluster().profilePath]);
    expect(noCommand.code).toBe(2);
    expect(JSON.parse(noCommand.stdout)).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    expect(noCommand.stderr).toContain('No command given. Usage:');
    // An option the verb does not use is refused, not ignored.
    const wrongOption = await cli(['move', 'resume', '6b1f0c2e-0000-4000-8000-00000000c0de', '--to', 'shard_2', '--profile', testCluster().profilePath]);
    expect(wrongOption.code).toBe(2);
    expect(wrongOption.stderr).toContain('move resume does not take --to: it would be ignored.');
    const rowsOnCreate = await cli(['backup', 'inspect', '/nonexistent', '--rows', '5']);
    expect(rowsOnCreate.code).toBe(2);
    expect(rowsOnCreate.stderr).toContain('backup inspect does not take --rows');
    const dryRunTimeout = await cli(['migrate', 'up', '--dry-run', '--lock-timeout', 'abc', '--profile', testCluster().profilePath]);
    expect(dryRunTimeout.code).toBe(2);
    expect(dryRunTimeout.stderr).toContain('--lock-timeout');
    // A verb is one of the listed, not any name an object answers to.
    const inherited = await cli(['backup', 'constructor', '1', '/nonexistent']);
    expect(inherited.code).toBe(2);
    expect(inherited.stderr).toContain('Usage: shard-console backup create');
    const createWhere = await cli(['backup', 'create', '/mnt/backups', '--profile', testCluster().profilePath]);
    expect(createWhere.code).toBe(2);
    expect(createWhere.stderr).toContain('backup create takes no arguments (a folder is --dir D)');

    const dir = await mkdtemp(join(tmpdir(), 'sc-cli-'));
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ "primary": { "url": "postgres://x@127.0.0.1/db" }, }');
    const malformed = await cli(['shards', '--profile', bad]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('CONFIG_INVALID');
    expect(malformed.stderr).toContain(bad);

    const yml = join(dir, 'database.yml');
    await writeFile(
      yml,
      [
        'production:',
        '  primary:',
        '    adapter: postgresql',
        "    url: <%= ENV['PWB_DATABASE_URL'] %>",
        '  tenant_shard_1:',
        '    adapter: postgresql',
        "    url: <%= ENV['PWB_TENANT_SHARD_1_DATABASE_URL'] %>",
        '',
      ].join('\n'),
    );
    const missing = await cli(['shards', '--rails-config', yml, '--env', 'production'], { PWB_DATABASE_URL: 'postgres://u@127.0.0.1:1/pwb' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('CONFIG_MISSING_VARIABLE');
    expect(missing.stderr).toContain('PWB_TENANT_SHARD_1_DATABASE_URL');
    expect(missing.stderr).toContain('tenant_shard_1');
    expect(missing.stderr).toContain(yml);
    // An exported profile does not win over the database.yml the command line names.
    const exported = await cli(['shards', '--rails-config', yml, '--env', 'production'], {
      PWB_DATABASE_URL: 'postgres://u@127.0.0.1:1/pwb',
      SHARD_CONSOLE_PROFILE: testCluster().profilePath,
    });
    expect(exported.code).toBe(1);
    expect(exported.stderr).toContain('PWB_TENANT_SHARD_1_DATABASE_URL');

    const none = await cli(['shards', '--profile', join(dir, 'nope.json')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('CONFIG_NOT_FOUND');

    const usage = await cli(['tenants', '--limit', 'lots', '--profile', testCluster().profilePath]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--limit takes a whole number');
    // What the command would have dropped without a word is refused: a scope narrower or wider than typed.
    const profile = testCluster().profilePath;
    const extraArgument = await cli(['migrate', 'up', 'shard_1', '--dry-run', '--profile', profile]);
    expect(extraArgument.code).toBe(2);
    expect(extraArgument.stderr).toContain('migrate takes one argument, not "up" "shard_1"');
    const twice = await cli(['sizes', '--database', 'shard_1', '--database', 'shard_2', '--profile', profile]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--database was given twice ("shard_1" and "shard_2") and takes one value');
    const two = await cli(['move', '1', '2', '--to', 'shard_2', '--profile', profile]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('move takes one website');
    expect(await clusterFingerprint()).toEqual(before);
  });
});
