import { describe, expect, it } from 'vitest';
import type { ArchiveInspectionResult } from '../../shared/contract.ts';
import { archiveSummary, dumpedAtLabel, searchWebsites, websitesAcross } from '../../renderer/src/view/backup-inspector.ts';

const archive = (database: string | null, websites: Array<[number, number]>, over: Partial<ArchiveInspectionResult> = {}): ArchiveInspectionResult => ({
  database,
  file: `${database ?? 'unknown'}.dump`,
  format: 'custom',
  archiveVersion: '1.14',
  serverVersion: '15.8',
  pgDumpVersion: '15.8',
  dumpedAt: '2026-12-05T13:07:44',
  tables: [
    { table: 'pwb_websites', rows: 3, tenant: false },
    { table: 'pwb_props', rows: 1200, tenant: true },
    { table: 'pwb_prop_photos', rows: 34, tenant: true },
  ],
  websites: websites.map(([id, rows]) => ({ id, rows })),
  error: null,
  ...over,
});

describe('websites across the archives of a backup', () => {
  it('adds up a website found in two archives and names both, largest first, ties by id', () => {
    const all = websitesAcross([
      archive('default', [
        [1, 10],
        [7, 500],
      ]),
      archive('shard_1', [
        [7, 20],
        [12, 10],
      ]),
    ]);
    expect(all).toEqual([
      { id: 7, rows: 520, databases: ['default', 'shard_1'] },
      { id: 1, rows: 10, databases: ['default'] },
      { id: 12, rows: 10, databases: ['shard_1'] },
    ]);
  });

  it('names an archive by its file when the manifest did not say which database it was', () => {
    expect(websitesAcross([archive(null, [[3, 1]])])[0]?.databases).toEqual(['unknown.dump']);
  });

  it('searches by id prefix or database name, and keeps everything for an empty search', () => {
    const all = websitesAcross([
      archive('default', [
        [1, 10],
        [17, 5],
      ]),
      archive('shard_2', [
        [170, 3],
        [2, 1],
      ]),
    ]);
    expect(searchWebsites(all, '17').map((w) => w.id)).toEqual([17, 170]);
    expect(searchWebsites(all, ' SHARD_2 ').map((w) => w.id)).toEqual([170, 2]);
    expect(searchWebsites(all, '  ')).toHaveLength(4);
    expect(searchWebsites(all, '9')).toEqual([]);
  });
});

describe('archive summary line', () => {
  it('says the format, versions, tables (tenant ones), rows and websites', () => {
    expect(
      archiveSummary(
        archive('default', [
          [1, 10],
          [2, 5],
        ]),
      ),
    ).toBe('custom (server 15.8, pg_dump 15.8, archive 1.14): 3 tables (2 tenant), 1,237 rows, 2 websites');
  });

  it('leaves out versions the archive does not carry', () => {
    expect(archiveSummary(archive('default', [], { serverVersion: null, pgDumpVersion: null, archiveVersion: null, tables: [] }))).toBe(
      'custom: 0 tables (0 tenant), 0 rows, 0 websites',
    );
  });

  it('never sums up an archive that could not be read as an empty one', () => {
    const damaged = { ...archive('shard_1', [], { tables: [] }), error: { code: 'ARCHIVE_UNREADABLE' as const, message: 'not a pg_dump archive' } };
    expect(archiveSummary(damaged)).toBe('custom: NOT READ to its end (not a pg_dump archive); read before that: 0 tables (0 tenant), 0 rows, 0 websites');
  });

  it('labels the dump time as the dumping machine’s local time, or a dash', () => {
    expect(dumpedAtLabel('2026-12-05T13:07:44')).toBe('2026-12-05 13:07 (local time of the machine that dumped it)');
    expect(dumpedAtLabel(null)).toBe('—');
  });
});
