import { describe, expect, it } from 'vitest';
import {
  TENANT_PAGE_SIZE,
  ariaSort,
  formatTenantRow,
  locateRow,
  moveActiveRow,
  pagesForRange,
  rangeLabel,
  toggleSort,
} from '../../renderer/src/view/tenant-list.ts';

describe('toggleSort', () => {
  it('flips the direction of the sorted column', () => {
    expect(toggleSort({ sort: 'id', direction: 'asc' }, 'id')).toEqual({ sort: 'id', direction: 'desc' });
    expect(toggleSort({ sort: 'id', direction: 'desc' }, 'id')).toEqual({ sort: 'id', direction: 'asc' });
  });

  it('starts another column ascending', () => {
    expect(toggleSort({ sort: 'id', direction: 'desc' }, 'shard')).toEqual({ sort: 'shard', direction: 'asc' });
  });

  it('tells assistive technology which column is sorted', () => {
    expect(ariaSort({ sort: 'subdomain', direction: 'desc' }, 'subdomain')).toBe('descending');
    expect(ariaSort({ sort: 'subdomain', direction: 'asc' }, 'subdomain')).toBe('ascending');
    expect(ariaSort({ sort: 'subdomain', direction: 'asc' }, 'id')).toBe('none');
  });
});

describe('pagesForRange', () => {
  it('asks for the first page while the total is unknown', () => {
    expect(pagesForRange(0, 40, null)).toEqual([0]);
  });

  it('covers the visible rows with the pages that hold them', () => {
    expect(pagesForRange(0, 39, 100_000, 200)).toEqual([0]);
    expect(pagesForRange(180, 230, 100_000, 200)).toEqual([0, 1]);
    expect(pagesForRange(50_000, 50_050, 100_000, 200)).toEqual([250]);
  });

  it('never asks beyond the last row', () => {
    expect(pagesForRange(99_990, 100_100, 100_000, 200)).toEqual([499]);
    expect(pagesForRange(0, 500, 10, 200)).toEqual([0]);
    expect(pagesForRange(0, 0, 0, 200)).toEqual([0]);
  });

  it('uses server pages the contract allows', () => {
    expect(TENANT_PAGE_SIZE).toBeGreaterThanOrEqual(100);
    expect(TENANT_PAGE_SIZE).toBeLessThanOrEqual(500);
  });
});

describe('locateRow', () => {
  it('finds the page and the item in it', () => {
    expect(locateRow(0, 200)).toEqual({ page: 0, offset: 0 });
    expect(locateRow(199, 200)).toEqual({ page: 0, offset: 199 });
    expect(locateRow(200, 200)).toEqual({ page: 1, offset: 0 });
    expect(locateRow(99_999, 200)).toEqual({ page: 499, offset: 199 });
  });
});

describe('rangeLabel', () => {
  it('reads rows X–Y of Z with thousands separators', () => {
    expect(rangeLabel(0, 29, 100_000)).toBe('rows 1–30 of 100,000');
    expect(rangeLabel(99_990, 99_999, 100_000)).toBe('rows 99,991–100,000 of 100,000');
  });

  it('clamps to the rows that exist', () => {
    expect(rangeLabel(0, 29, 3)).toBe('rows 1–3 of 3');
  });

  it('says when nothing matches or the count is pending', () => {
    expect(rangeLabel(0, 0, 0)).toBe('no websites match');
    expect(rangeLabel(0, 0, null)).toBe('counting websites…');
  });
});

describe('moveActiveRow', () => {
  it('moves one row with the arrows and stays inside the list', () => {
    expect(moveActiveRow(5, 'ArrowDown', 10, 8)).toBe(6);
    expect(moveActiveRow(5, 'ArrowUp', 10, 8)).toBe(4);
    expect(moveActiveRow(0, 'ArrowUp', 10, 8)).toBe(0);
    expect(moveActiveRow(9, 'ArrowDown', 10, 8)).toBe(9);
  });

  it('jumps a screen with PageUp/PageDown and to the ends with Home/End', () => {
    expect(moveActiveRow(0, 'PageDown', 100, 11)).toBe(10);
    expect(moveActiveRow(50, 'PageUp', 100, 11)).toBe(40);
    expect(moveActiveRow(50, 'Home', 100, 11)).toBe(0);
    expect(moveActiveRow(50, 'End', 100, 11)).toBe(99);
  });
});

describe('formatTenantRow', () => {
  it('shows dashes for missing domains and links to the detail', () => {
    const row = formatTenantRow({ id: 42, subdomain: 'acme', customDomain: null, shard: 'shard_9', configured: false });
    expect(row).toEqual({ id: 42, idLabel: '42', subdomain: 'acme', customDomain: '—', shard: 'shard_9', configured: false, href: '#/tenants/42' });
  });
});
