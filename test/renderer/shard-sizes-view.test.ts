import { describe, expect, it } from 'vitest';
import type { DatabaseSizes, Finding } from '../../shared/contract.ts';
import {
  OTHER_TABLES,
  UNATTRIBUTED,
  formatShare,
  growthLabel,
  stackedTableSizes,
  timeTick,
  trendDomain,
  trendSeries,
} from '../../renderer/src/view/shard-sizes.ts';
import { databaseHealth, groupFindings } from '../../renderer/src/view/doctor.ts';

const table = (name: string, total: number) => ({
  table: name,
  kind: 'tenant' as const,
  heapBytes: total,
  indexBytes: 0,
  toastBytes: 0,
  totalBytes: total,
  rowsEstimate: 1,
  growthBytes: null,
});
const db = (name: string, size: number | null, tables: ReturnType<typeof table>[], trend: { takenAt: string; sizeBytes: number }[] = []): DatabaseSizes => ({
  name,
  role: 'shard',
  reachable: size !== null,
  sizeBytes: size,
  websites: 1,
  tenantDataBytes: 0,
  tables,
  growth: null,
  trend,
  error: null,
});

describe('shard size view', () => {
  it('stacks the largest tables, the rest, and what no table accounts for, adding up to the database size', () => {
    const data = stackedTableSizes(
      [db('a', 1000, [table('t1', 500), table('t2', 200), table('t3', 100)]), db('b', 400, [table('t1', 50), table('t3', 300)]), db('down', null, [])],
      2,
    );
    expect(data.keys).toEqual(['t1', 't3', OTHER_TABLES, UNATTRIBUTED]);
    expect(data.rows).toEqual([
      { database: 'a', total: 1000, t1: 500, t3: 100, [OTHER_TABLES]: 200, [UNATTRIBUTED]: 200 },
      { database: 'b', total: 400, t1: 50, t3: 300, [OTHER_TABLES]: 0, [UNATTRIBUTED]: 50 },
    ]);
  });

  it('puts snapshots of several databases on one time axis and pads a flat trend', () => {
    const s = trendSeries([
      db(
        'a',
        1,
        [],
        [
          { takenAt: '2026-01-01T10:00:00Z', sizeBytes: 5 },
          { takenAt: '2026-01-01T11:00:00Z', sizeBytes: 6 },
        ],
      ),
      db('b', 1, [], [{ takenAt: '2026-01-01T11:00:00Z', sizeBytes: 9 }]),
    ]);
    expect(s.points).toEqual([
      { t: Date.parse('2026-01-01T10:00:00Z'), a: 5 },
      { t: Date.parse('2026-01-01T11:00:00Z'), a: 6, b: 9 },
    ]);
    const [lo, hi] = trendDomain(
      [
        { t: 1, a: 10_000_000 },
        { t: 2, a: 10_000_000 },
      ],
      ['a'],
    );
    expect(lo).toBeLessThan(10_000_000);
    expect(hi).toBeGreaterThan(10_000_000);
  });

  it('words shares and growth in human units', () => {
    expect(formatShare(0.4412)).toBe('44%');
    expect(formatShare(0.0213)).toBe('2.1%');
    expect(formatShare(0.00001)).toBe('<0.1%');
    const zone = process.env.TZ;
    process.env.TZ = 'UTC';
    try {
      const now = new Date('2026-01-02T12:00:00Z');
      expect(growthLabel({ sinceAt: '2026-01-01T10:00:00Z', bytes: 1536 }, now)).toBe('+1.50 kB since 2026-01-01 10:00');
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
    expect(growthLabel(null)).toBe('no earlier snapshot');
  });

  it("dates another day's snapshot and time ticks in the operator's time zone, like the times beside them", () => {
    const zone = process.env.TZ;
    process.env.TZ = 'Asia/Tokyo';
    try {
      // 20:00 UTC on 30 April is 05:00 on 1 May in Tokyo.
      const now = new Date('2024-05-03T00:00:00Z');
      expect(growthLabel({ sinceAt: '2024-04-30T20:00:00Z', bytes: 1024 }, now)).toBe('+1.00 kB since 2024-05-01 05:00');
      expect(timeTick(Date.parse('2024-04-30T20:00:00Z'), now)).toBe('05-01');
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});

describe('doctor view', () => {
  const f = (kind: Finding['kind'], severity: Finding['severity'], database: string | null): Finding => ({
    kind,
    severity,
    database,
    table: null,
    website: null,
    rows: null,
    message: '',
    fix: '',
    link: null,
  });

  it('groups findings by kind, worst first, and filters by database', () => {
    const findings = [f('id-range-overlap', 'warning', 'a'), f('misplaced-rows', 'error', 'b'), f('id-range-overlap', 'warning', 'b')];
    expect(groupFindings(findings).map((g) => [g.kind, g.severity, g.findings.length])).toEqual([
      ['misplaced-rows', 'error', 1],
      ['id-range-overlap', 'warning', 2],
    ]);
    expect(groupFindings(findings, 'a').map((g) => g.kind)).toEqual(['id-range-overlap']);
  });

  it('turns per-database counts into a badge', () => {
    expect(databaseHealth({ name: 'a', reachable: true, errors: 0, warnings: 0, infos: 2 })).toMatchObject({ label: 'healthy', tone: 'ok' });
    expect(databaseHealth({ name: 'a', reachable: true, errors: 2, warnings: 1, infos: 0 })).toMatchObject({ label: '2 errors', tone: 'bad' });
    expect(databaseHealth({ name: 'a', reachable: true, errors: 0, warnings: 1, infos: 0 })).toMatchObject({ label: '1 warning', tone: 'warn' });
    expect(databaseHealth({ name: 'a', reachable: false, errors: 1, warnings: 0, infos: 0 })).toMatchObject({ label: 'unreachable', tone: 'bad' });
    expect(databaseHealth(undefined)).toBeNull();
    // Nothing found while a check could not run (the primary unreadable: no database's rows were placed) is no clean bill.
    const unavailable = [{ check: 'misplaced, split and orphaned rows', status: 'unavailable' as const, note: 'the primary could not be read' }];
    expect(databaseHealth({ name: 'a', reachable: true, errors: 0, warnings: 0, infos: 0 }, unavailable)).toMatchObject({
      label: 'not fully checked',
      tone: 'warn',
    });
    expect(databaseHealth({ name: 'a', reachable: true, errors: 1, warnings: 0, infos: 0 }, unavailable)).toMatchObject({ label: '1 error', tone: 'bad' });
  });
});
