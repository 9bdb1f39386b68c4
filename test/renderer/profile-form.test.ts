import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../shared/format.ts';
import {
  blankProfile,
  defaultProfilePath,
  formProblems,
  keptSettingsText,
  nextShardName,
  openedAgo,
  parseList,
  passwordLabel,
  rebaseRows,
  renameRow,
  sourceLabel,
} from '../../renderer/src/view/profile-form.ts';
import type { DatabaseForm } from '../../shared/contract.ts';

describe('the profile form', () => {
  it('names what a form lacks before it is sent, one sentence per problem', () => {
    const form = blankProfile();
    expect(formProblems(form, 'keychain')).toEqual(['Give the profile a name.', 'default: give the database name.']);
    const filled = { ...form, name: 'prod', databases: [{ ...form.databases[0]!, database: 'pwb', password: { kind: 'typed' as const, value: 'x' } }] };
    expect(formProblems(filled, 'keychain')).toEqual([]);
    expect(formProblems(filled, 'none')).toEqual(['default: this console keeps no typed password; give it as an environment variable reference.']);
    const twice = {
      ...filled,
      databases: [filled.databases[0]!, { ...filled.databases[0]!, shard: 'shard-1' }, { ...filled.databases[0]!, shard: 'shard-1' }],
    };
    expect(formProblems(twice, 'keychain')).toEqual([
      'The shard name "shard-1" is used twice.',
      '"shard-1" is not a shard name: letters, digits and _.',
      '"shard-1" is not a shard name: letters, digits and _.',
    ]);
    expect(formProblems({ ...filled, databases: [] }, 'keychain')).toContain('Name one database "default": the primary, which holds pwb_websites.');
    expect(
      formProblems({ ...filled, databases: [], rails: { file: '/srv/pwb/config/database.yml', environment: 'production', shardNames: {} } }, 'keychain'),
    ).toEqual([]);
  });

  it('names the settings the form keeps without fields for them', () => {
    expect(keptSettingsText(blankProfile())).toEqual([]);
    const form = {
      ...blankProfile(),
      rails: { file: '/srv/db.yml', environment: 'production', shardNames: { tenant_shard_1: 'eu_1' } },
      pool: { max: 20, statementTimeoutMs: 120_000 },
    };
    expect(keptSettingsText(form)).toEqual([
      'Rails shard names tenant_shard_1 \u2192 eu_1',
      'at most 20 connections per database',
      `statement timeout ${formatDuration(120_000)}`,
    ]);
  });

  it('reads list fields, picks the next shard name and a file name from the profile name', () => {
    expect(parseList(' website_id,pwb_website_id\nwebsite_id ,, ')).toEqual(['website_id', 'pwb_website_id']);
    expect(nextShardName([{ shard: 'default' }, { shard: 'shard_1' }, { shard: 'shard_3' }] as never)).toBe('shard_2');
    // Over a database.yml, never the name of one of its databases: that row would override it.
    expect(nextShardName([{ shard: 'default' }] as never, ['default', 'shard_1', 'shard_2'])).toBe('shard_3');
    expect(defaultProfilePath('/home/ann/.local/share/shard-console/profiles/', 'PWB Prod (EU)')).toBe(
      '/home/ann/.local/share/shard-console/profiles/pwb-prod-eu.json',
    );
    expect(defaultProfilePath('C:\\Users\\ann\\profiles', '')).toBe('C:\\Users\\ann\\profiles\\profile.json');
  });

  it('shows where a password comes from, never its value, and sources in one line', () => {
    expect(passwordLabel({ kind: 'typed', value: 'hunter2' })).not.toContain('hunter2');
    expect(passwordLabel({ kind: 'env', variable: 'PGPASSWORD' })).toBe('${PGPASSWORD}');
    expect(sourceLabel({ kind: 'rails', file: '/srv/pwb/config/database.yml', environment: 'production' })).toBe('/srv/pwb/config/database.yml (production)');
    expect(openedAgo('2026-12-05T10:00:00Z', Date.parse('2026-12-05T13:30:00Z'))).toBe('3 hours ago');
    expect(openedAgo('2026-12-05T13:29:30Z', Date.parse('2026-12-05T13:30:00Z'))).toBe('just now');
  });
});

describe("the profile form's rows over a database.yml", () => {
  const ymlRow = (shard: string, host: string, extra: Partial<DatabaseForm> = {}): DatabaseForm => {
    const row = { shard, host, port: 5432, database: 'pwb', user: 'pwb', password: { kind: 'none' as const }, ssl: 'require' as const, ...extra };
    const { shard: _s, password: _p, fromRails: _f, ...fields } = row;
    return { ...row, fromRails: fields };
  };

  it('shows the database.yml as it reads now where a row overrides nothing, and keeps what it overrides', () => {
    const staging = ymlRow('default', 'db-staging');
    // The port is the row's own (a tunnel), the host and the rest came from the database.yml.
    const row: DatabaseForm = { ...staging, port: 15432, password: { kind: 'env', variable: 'PW' }, fromRails: { ...staging.fromRails, port: 5432 } };
    const [rebased] = rebaseRows([row], [ymlRow('default', 'db-prod', { sslRootCert: '/etc/ca.pem' })]);
    expect(rebased).toMatchObject({ host: 'db-prod', port: 15432, sslRootCert: '/etc/ca.pem', password: { kind: 'env', variable: 'PW' } });
    expect(rebased?.fromRails).toMatchObject({ host: 'db-prod', port: 5432, sslRootCert: '/etc/ca.pem' });
    // A field the entry names (not in fromRails) stays; a database this environment does not name is left as it is (to switch back).
    const named: DatabaseForm = { ...staging, user: 'alice', fromRails: { host: 'db-staging', port: 5432, database: 'pwb', ssl: 'require' } };
    expect(rebaseRows([named], [ymlRow('default', 'db-prod', { user: 'pwb_prod' })])[0]).toMatchObject({ host: 'db-prod', user: 'alice' });
    expect(rebaseRows([named], [ymlRow('shard_1', 'db-eu')])[0]).toBe(named);
  });

  it('renames a row into one the database.yml names as shown from it, and any other as a row of its own (written whole)', () => {
    const eu = ymlRow('shard_1', 'db-eu');
    const yml = [ymlRow('default', 'db-main'), eu];
    const typed = renameRow(eu, 'shard_1x', yml);
    expect(typed.fromRails).toBeUndefined();
    // Typed back: shown from it again, so saving it unchanged writes nothing of the database.yml's.
    expect(renameRow(typed, 'shard_1', yml)).toEqual(eu);
    expect(renameRow(eu, 'shard_1', yml)).toBe(eu);
  });
});
