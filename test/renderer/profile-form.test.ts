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
  sourceLabel,
} from '../../renderer/src/view/profile-form.ts';

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
