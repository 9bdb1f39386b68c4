import type { TenantListParams, TenantSummary } from '../../../shared/contract.ts';

/* Pure view logic of the tenant list: sorting, paging math, keyboard movement, row formatting. */

export type TenantSort = NonNullable<TenantListParams['sort']>;
export type SortDirection = NonNullable<TenantListParams['direction']>;

export interface SortState {
  sort: TenantSort;
  direction: SortDirection;
}

/** The server answers pages of this many websites; the virtual list asks for the pages it shows. */
export const TENANT_PAGE_SIZE = 200;

/** Clicking the sorted column flips its direction; another column starts ascending. */
export function toggleSort(state: SortState, column: TenantSort): SortState {
  if (state.sort === column) return { sort: column, direction: state.direction === 'asc' ? 'desc' : 'asc' };
  return { sort: column, direction: 'asc' };
}

export function ariaSort(state: SortState, column: TenantSort): 'ascending' | 'descending' | 'none' {
  if (state.sort !== column) return 'none';
  return state.direction === 'asc' ? 'ascending' : 'descending';
}

/** Page indexes covering rows `first..last` (inclusive), clamped to the rows that exist. */
export function pagesForRange(first: number, last: number, total: number | null, pageSize = TENANT_PAGE_SIZE): number[] {
  if (total === null) return [0];
  if (total <= 0) return [0];
  const from = Math.max(0, Math.min(first, total - 1));
  const to = Math.max(from, Math.min(last, total - 1));
  const pages: number[] = [];
  for (let page = Math.floor(from / pageSize); page <= Math.floor(to / pageSize); page += 1) pages.push(page);
  return pages;
}

/** Where row `index` sits: which page, and which item of that page. */
export function locateRow(index: number, pageSize = TENANT_PAGE_SIZE): { page: number; offset: number } {
  return { page: Math.floor(index / pageSize), offset: index % pageSize };
}

/** "rows 1–40 of 100,000", with the range clamped to what exists. */
export function rangeLabel(first: number, last: number, total: number | null): string {
  if (total === null) return 'counting websites…';
  if (total === 0) return 'no websites match';
  const from = Math.min(Math.max(first, 0), total - 1) + 1;
  const to = Math.min(Math.max(last, first), total - 1) + 1;
  return `rows ${formatInt(from)}–${formatInt(to)} of ${formatInt(total)}`;
}

function formatInt(value: number): string {
  return value.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export type RowKey = 'ArrowUp' | 'ArrowDown' | 'PageUp' | 'PageDown' | 'Home' | 'End';

export function isRowKey(key: string): key is RowKey {
  return key === 'ArrowUp' || key === 'ArrowDown' || key === 'PageUp' || key === 'PageDown' || key === 'Home' || key === 'End';
}

/** The active row after a navigation key; `visibleRows` is how far PageUp/PageDown jump. */
export function moveActiveRow(active: number, key: RowKey, total: number, visibleRows: number): number {
  if (total <= 0) return 0;
  const page = Math.max(1, visibleRows - 1);
  const next =
    key === 'ArrowUp'
      ? active - 1
      : key === 'ArrowDown'
        ? active + 1
        : key === 'PageUp'
          ? active - page
          : key === 'PageDown'
            ? active + page
            : key === 'Home'
              ? 0
              : total - 1;
  return Math.min(Math.max(next, 0), total - 1);
}

export interface TenantRowView {
  id: number;
  idLabel: string;
  subdomain: string;
  customDomain: string;
  shard: string;
  /** False when no configured database carries the shard: shown as a red badge. */
  configured: boolean;
  href: string;
}

export function formatTenantRow(tenant: TenantSummary): TenantRowView {
  return {
    id: tenant.id,
    idLabel: String(tenant.id),
    subdomain: tenant.subdomain ?? '—',
    customDomain: tenant.customDomain ?? '—',
    shard: tenant.shard,
    configured: tenant.configured,
    href: `#/tenants/${tenant.id}`,
  };
}

export const TENANT_COLUMNS: readonly { key: TenantSort; label: string }[] = [
  { key: 'id', label: 'ID' },
  { key: 'subdomain', label: 'Subdomain' },
  { key: 'customDomain', label: 'Custom domain' },
  { key: 'shard', label: 'Shard' },
];
