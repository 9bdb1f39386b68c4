import type { TenantDetailResult } from '../../../shared/contract.ts';
import { formatBytes, formatCount } from '../../../shared/format.ts';

/* Pure view logic of one website's footprint. */

type TableFootprint = TenantDetailResult['tables'][number];

export interface FootprintRowView {
  table: string;
  rows: number;
  bytes: number;
  rowsLabel: string;
  bytesLabel: string;
  via: string;
  /** Share of the website's bytes in this table, 0..100, for the inline bar. */
  share: number;
}

export function formatFootprintRows(detail: Pick<TenantDetailResult, 'tables' | 'totalBytes'>): FootprintRowView[] {
  return detail.tables.map((t: TableFootprint) => ({
    table: t.table,
    rows: t.rows,
    bytes: t.bytes,
    rowsLabel: formatCount(t.rows),
    bytesLabel: formatBytes(t.bytes),
    via: t.via,
    share: detail.totalBytes > 0 ? Math.round((t.bytes / detail.totalBytes) * 1000) / 10 : 0,
  }));
}

export interface TableBytesBar {
  table: string;
  bytes: number;
}

/** Largest tables first; tables holding nothing of this website are left out of the chart. */
export function bytesPerTable(tables: readonly TableFootprint[], limit = 25): TableBytesBar[] {
  return tables
    .filter((t) => t.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes || a.table.localeCompare(b.table))
    .slice(0, limit)
    .map((t) => ({ table: t.table, bytes: t.bytes }));
}

/** Chart height grows with the bars so labels never overlap. */
export function barChartHeight(bars: number, perBar = 26, padding = 48): number {
  return Math.max(120, bars * perBar + padding);
}

/** `#/tenants/42` -> 42; anything else is not a website id. */
export function parseWebsiteId(raw: string): number | null {
  if (!/^[1-9][0-9]{0,9}$/.test(raw)) return null;
  const id = Number(raw);
  return id <= 2_147_483_647 ? id : null;
}
