import { describe, expect, it } from 'vitest';
import type { DatabaseStatus, MovePlan } from '../../shared/contract.ts';
import { confirmationMatches, confirmationWord, defaultTarget, planView, preflightOutcome, targetOptions } from '../../renderer/src/view/move-wizard.ts';

const database = (name: string, extra: Partial<DatabaseStatus> = {}): DatabaseStatus => ({
  name,
  role: name === 'default' ? 'primary' : 'shard',
  host: '127.0.0.1',
  port: 5432,
  database: `pwb_${name}`,
  reachable: true,
  latencyMs: 1,
  serverVersion: '16.4',
  sizeBytes: 12 * 1024 * 1024,
  websites: 20,
  error: null,
  ...extra,
});

describe('targetOptions', () => {
  const overview = {
    databases: [
      database('default'),
      database('shard_1', { websites: 1 }),
      database('shard_2', {
        reachable: false,
        sizeBytes: null,
        websites: null,
        error: { code: 'DATABASE_UNREACHABLE', message: 'shard_2 refused the connection' },
      }),
    ],
  };

  it('offers every database but the one holding the website, with its size and reachability', () => {
    const options = targetOptions(overview, 'shard_1');
    expect(options.map((o) => o.name)).toEqual(['default', 'shard_2']);
    expect(options[0]).toEqual({ name: 'default', role: 'primary', sizeLabel: '12.0 MB', websitesLabel: '20 websites', reachable: true, problem: null });
    expect(options[1]).toMatchObject({ reachable: false, sizeLabel: '—', websitesLabel: '—', problem: 'shard_2 refused the connection' });
    expect(targetOptions(overview, 'default')[0]?.websitesLabel).toBe('1 website');
  });

  it('picks the first reachable target by default, and none when none is reachable', () => {
    expect(defaultTarget(targetOptions(overview, 'default'))).toBe('shard_1');
    expect(defaultTarget(targetOptions(overview, 'shard_1'))).toBe('default');
    expect(defaultTarget(targetOptions({ databases: [database('default'), database('shard_2', { reachable: false })] }, 'default'))).toBeNull();
    expect(targetOptions(undefined, 'default')).toEqual([]);
  });
});

const plan: MovePlan = {
  viewRefresh: 'concurrently',
  websiteId: 7,
  source: 'shard_1',
  target: 'shard_2',
  tables: [
    { table: 'pwb_prop_photos', rows: 1500, bytes: 3 * 1024 * 1024, level: 2 },
    { table: 'pwb_realty_assets', rows: 300, bytes: 200 * 1024, level: 1 },
    { table: 'pwb_agencies', rows: 1, bytes: 512, level: 0 },
    { table: 'pwb_contents', rows: 0, bytes: 0, level: 1 },
  ],
  totalRows: 1801,
  totalBytes: 3 * 1024 * 1024 + 200 * 1024 + 512,
  materializedViews: ['pwb_properties'],
};

describe('planView', () => {
  it('lists tables parents first, with rows and bytes in human units and the totals', () => {
    const view = planView(plan);
    expect(view.rows.map((r) => `${r.level} ${r.table} ${r.rowsLabel} ${r.bytesLabel}`)).toEqual([
      '0 pwb_agencies 1 512 B',
      '1 pwb_contents 0 0 B',
      '1 pwb_realty_assets 300 200 kB',
      '2 pwb_prop_photos 1,500 3.00 MB',
    ]);
    expect(view).toMatchObject({ totalRowsLabel: '1,801', totalBytesLabel: '3.20 MB', levels: 3, materializedViews: ['pwb_properties'] });
  });
});

describe('preflightOutcome', () => {
  it('is the plan when the preflight allows the move', () => {
    expect(preflightOutcome({ ok: true, plan, refusals: [] })).toEqual({ kind: 'plan', plan });
  });

  it('is the refusals otherwise, never a plan to go on with', () => {
    const refusals = [{ code: 'TARGET_HAS_ROWS', table: 'pwb_contents', message: 'shard_2 already holds 1 row(s)' }];
    expect(preflightOutcome({ ok: false, plan: null, refusals })).toEqual({ kind: 'refused', refusals });
    expect(preflightOutcome({ ok: false, plan, refusals })).toEqual({ kind: 'refused', refusals });
    expect(preflightOutcome({ ok: true, plan: null, refusals: [] })).toMatchObject({ kind: 'refused', refusals: [{ code: 'NO_PLAN' }] });
  });
});

describe('typed confirmation', () => {
  const website = { id: 42, subdomain: 'seaside-homes' };

  it('asks for the subdomain, or the id when there is none', () => {
    expect(confirmationWord(website)).toBe('seaside-homes');
    expect(confirmationWord({ id: 42, subdomain: null })).toBe('42');
    expect(confirmationWord({ id: 42, subdomain: '  ' })).toBe('42');
  });

  it('accepts the subdomain or the id exactly, ignoring surrounding spaces', () => {
    expect(confirmationMatches('seaside-homes', website)).toBe(true);
    expect(confirmationMatches('  seaside-homes ', website)).toBe(true);
    expect(confirmationMatches('42', website)).toBe(true);
    expect(confirmationMatches('seaside', website)).toBe(false);
    expect(confirmationMatches('Seaside-Homes', website)).toBe(false);
    expect(confirmationMatches('', website)).toBe(false);
    expect(confirmationMatches('4', { id: 42, subdomain: null })).toBe(false);
  });
});
