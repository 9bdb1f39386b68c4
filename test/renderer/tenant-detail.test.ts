import { describe, expect, it } from 'vitest';
import { barChartHeight, bytesPerTable, formatFootprintRows, parseWebsiteId } from '../../renderer/src/view/tenant-detail.ts';

const tables = [
  { table: 'pwb_props', rows: 1200, bytes: 3 * 1024 * 1024, via: 'website_id' },
  { table: 'pwb_prop_photos', rows: 0, bytes: 0, via: 'pwb_prop_photos.realty_asset_id -> pwb_realty_assets.website_id' },
  { table: 'pwb_pages', rows: 12, bytes: 1024 * 1024, via: 'website_id' },
];

describe('formatFootprintRows', () => {
  it('formats counts and sizes and computes each table’s share', () => {
    const rows = formatFootprintRows({ tables, totalBytes: 4 * 1024 * 1024 });
    expect(rows[0]).toMatchObject({ table: 'pwb_props', rowsLabel: '1,200', bytesLabel: '3.00 MB', share: 75 });
    expect(rows[1]).toMatchObject({ rowsLabel: '0', bytesLabel: '0 B', share: 0 });
  });

  it('copes with a website that has no bytes at all', () => {
    expect(formatFootprintRows({ tables: [tables[1]!], totalBytes: 0 })[0]?.share).toBe(0);
  });
});

describe('bytesPerTable', () => {
  it('lists the largest tables first and leaves out empty ones', () => {
    expect(bytesPerTable(tables)).toEqual([
      { table: 'pwb_props', bytes: 3 * 1024 * 1024 },
      { table: 'pwb_pages', bytes: 1024 * 1024 },
    ]);
    expect(bytesPerTable(tables, 1)).toHaveLength(1);
  });

  it('gives each bar room', () => {
    expect(barChartHeight(0)).toBe(120);
    expect(barChartHeight(20)).toBe(20 * 26 + 48);
  });
});

describe('parseWebsiteId', () => {
  it('accepts positive int4 ids only', () => {
    expect(parseWebsiteId('42')).toBe(42);
    expect(parseWebsiteId('2147483647')).toBe(2_147_483_647);
    expect(parseWebsiteId('2147483648')).toBeNull();
    expect(parseWebsiteId('0')).toBeNull();
    expect(parseWebsiteId('-1')).toBeNull();
    expect(parseWebsiteId('1e3')).toBeNull();
    expect(parseWebsiteId('abc')).toBeNull();
  });
});
