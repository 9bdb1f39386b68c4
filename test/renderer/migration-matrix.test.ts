import { describe, expect, it } from 'vitest';
import type { MigrationRun, MigrationStatusResult } from '../../shared/contract.ts';
import { stillPending } from '../../shared/format.ts';
import { driftSummaryText, groupDrift, hasWork, migrationMatrix, runPercent, runSummary } from '../../renderer/src/view/migration-matrix.ts';

const status: MigrationStatusResult = {
  migrationsDir: '/m',
  migrations: [
    { version: '20240101000001', name: 'create_sites', set: 'global', file: '/m/global/a.sql' },
    { version: '20240102000001', name: 'create_pages', set: 'tenant', file: '/m/tenant/b.sql' },
    { version: '20240102000002', name: 'add_color', set: 'tenant', file: '/m/tenant/c.sql' },
  ],
  databases: [
    {
      name: 'default',
      role: 'primary',
      reachable: true,
      error: null,
      applied: [
        { version: '20240101000001', name: 'create_sites', set: 'global', appliedAt: '2026-11-26T18:04:05.000Z', checksum: 'match' },
        { version: '20240102000001', name: 'create_pages', set: 'tenant', appliedAt: null, checksum: 'edited' },
      ],
      pending: [{ version: '20240102000002', name: 'add_color', set: 'tenant' }],
      failed: [],
      unknown: [{ version: '20010101000000', appliedAt: null }],
    },
    {
      name: 'shard_1',
      role: 'shard',
      reachable: true,
      error: null,
      applied: [{ version: '20240102000001', name: 'create_pages', set: 'tenant', appliedAt: null, checksum: 'unrecorded' }],
      pending: [],
      failed: [{ version: '20240102000002', name: 'add_color', set: 'tenant', error: 'column "color" already exists', failedAt: '2026-11-26T18:05:00.000Z' }],
      unknown: [],
    },
    {
      name: 'shard_2',
      role: 'shard',
      reachable: false,
      error: { code: 'DATABASE_UNREACHABLE', message: 'down' },
      applied: [],
      pending: [],
      failed: [],
      unknown: [],
    },
  ],
};

describe('migrationMatrix', () => {
  it('gives every version a row and every database a cell with its state', () => {
    const matrix = migrationMatrix(status);
    expect(matrix.databases).toEqual(['default', 'shard_1', 'shard_2']);
    expect(matrix.rows.map((r) => [r.version, r.set, ...r.cells.map((c) => c.state)])).toEqual([
      ['20010101000000', null, 'unknown', 'not-applicable', 'unreachable'],
      ['20240101000001', 'global', 'applied', 'not-applicable', 'unreachable'],
      ['20240102000001', 'tenant', 'edited', 'applied', 'unreachable'],
      ['20240102000002', 'tenant', 'pending', 'failed', 'unreachable'],
    ]);
    expect(matrix.rows[1]!.cells[0]!.label).toBe('2026-11-26 18:04 UTC');
    expect(matrix.rows[2]!.cells[1]!.title).toContain('no checksum');
    expect(matrix.rows[3]!.cells[1]!.title).toBe('Failed 2026-11-26 18:05 UTC: column "color" already exists');
    expect(matrix.counts).toEqual({ pending: 1, failed: 1, edited: 1, unknown: 1, unreachable: 1 });
    // Failures in words, for the list below the matrix (a tooltip alone is the mouse's).
    expect(matrix.failures).toEqual([
      { database: 'shard_1', version: '20240102000002', name: 'add_color', when: '2026-11-26 18:05 UTC', error: 'column "color" already exists' },
    ]);
    expect(hasWork(status)).toBe(true);
  });

  it('says a pending migration older than ones applied already will run out of order', () => {
    const late = structuredClone(status);
    late.databases[0]!.pending = [{ version: '20240102000002', name: 'add_color', set: 'tenant', outOfOrder: true }];
    const cell = migrationMatrix(late).rows[3]!.cells[0]!;
    expect(cell).toMatchObject({ state: 'pending', label: 'pending, out of order' });
    expect(cell.title).toContain('will run after them, out of version order');
    expect(migrationMatrix(status).rows[3]!.cells[0]!.label).toBe('pending');
  });

  it('groups drift by database, then table', () => {
    const item = (database: string, table: string, kind: string) => ({ database, table, kind, detail: '', fix: '' });
    const groups = groupDrift([item('shard_1', 'a', 'x'), item('shard_1', 'a', 'y'), item('shard_1', 'b', 'x'), item('shard_2', 'a', 'x')]);
    expect(groups.map((g) => [g.database, g.tables.map((t) => [t.table, t.items.length])])).toEqual([
      [
        'shard_1',
        [
          ['a', 2],
          ['b', 1],
        ],
      ],
      ['shard_2', [['a', 1]]],
    ]);
  });
});

describe("a run's still-pending cell", () => {
  const database = { name: 'shard_2', current: null, applied: [], failed: null, error: null };
  it('lists what is pending, says nothing is when nothing is, and never says so of a database it did not reach', () => {
    expect(stillPending({ ...database, state: 'failed', pending: ['20240102000002', '20240102000003'] })).toBe('20240102000002 20240102000003');
    expect(stillPending({ ...database, state: 'up-to-date', pending: [] })).toBe('—');
    expect(stillPending({ ...database, state: 'unreachable', pending: [] })).toBe('not known (not reached)');
  });
});

describe('the drift verdict', () => {
  const ok = (name: string) => ({ name, error: null });
  const down = (name: string) => ({ name, error: { code: 'DATABASE_UNREACHABLE' as const, message: `${name} is down` } });
  const diff = { database: 'shard_1', table: 'pwb_pages', kind: 'column-default', detail: '', fix: '' } as never;

  it('says "No drift" only when every database was compared', () => {
    expect(driftSummaryText({ drift: [], databases: [ok('default'), ok('shard_1')] })).toBe('No drift');
    expect(driftSummaryText({ drift: [], databases: [ok('default'), ok('shard_1'), down('shard_2')] })).toBe(
      'No drift among those compared; 1 database not compared',
    );
    expect(driftSummaryText({ drift: [diff], databases: [ok('default'), ok('shard_1'), down('shard_2')] })).toBe(
      '1 difference on 1 database among those compared; 1 database not compared',
    );
    expect(driftSummaryText({ drift: [], databases: [ok('default'), down('shard_1')] })).toBe('Not compared: 1 database could not be read');
    expect(driftSummaryText({ drift: [], databases: [down('default'), down('shard_1')] })).toBe('Not compared: 2 databases could not be read');
  });
});

describe("a run's progress", () => {
  const run = (fields: Partial<MigrationRun>): MigrationRun => ({
    runId: '00000000-0000-4000-8000-000000000001',
    state: 'running',
    startedAt: '2026-12-07T16:00:00.000Z',
    finishedAt: null,
    done: 0,
    total: 0,
    error: null,
    databases: [],
    ...fields,
  });

  it('never passes 100% nor says "12 of 8" when a database left out of the count (its ledger unreadable then) applies migrations', () => {
    expect(runPercent(run({ done: 12, total: 8 }))).toBe(100);
    expect(runSummary(run({ done: 12, total: 8 }))).toBe('Applying… 12 of 12');
    expect(runPercent(run({ done: 3, total: 8 }))).toBe(38);
    expect(runPercent(run({ state: 'succeeded', done: 0, total: 0 }))).toBe(100);
    expect(runPercent(run({ done: 0, total: 0 }))).toBe(0);
  });
});
