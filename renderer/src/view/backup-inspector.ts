import type { ArchiveInspectionResult } from '../../../shared/contract.ts';
import { formatCount } from '../../../shared/format.ts';

/* The backup inspector's view logic: websites across the archives of a backup, searchable. */

export interface WebsiteAcrossArchives {
  readonly id: number;
  /** Rows in every archive together. */
  readonly rows: number;
  /** Which archives hold rows of it (a website in two is a finding of its own). */
  readonly databases: readonly string[];
}

/** Every website of any archive, largest first, with where its rows are. */
export function websitesAcross(archives: readonly ArchiveInspectionResult[]): WebsiteAcrossArchives[] {
  const byId = new Map<number, { rows: number; databases: string[] }>();
  for (const archive of archives) {
    for (const w of archive.websites) {
      const entry = byId.get(w.id) ?? { rows: 0, databases: [] };
      entry.rows += w.rows;
      entry.databases.push(archive.database ?? archive.file);
      byId.set(w.id, entry);
    }
  }
  return [...byId].map(([id, e]) => ({ id, rows: e.rows, databases: e.databases })).sort((a, b) => b.rows - a.rows || a.id - b.id);
}

/** The websites a search keeps: an id (exact or as a prefix), or a database name. */
export function searchWebsites(websites: readonly WebsiteAcrossArchives[], search: string): WebsiteAcrossArchives[] {
  const term = search.trim().toLowerCase();
  if (term === '') return [...websites];
  return websites.filter((w) => String(w.id).startsWith(term) || w.databases.some((d) => d.toLowerCase().includes(term)));
}

/** One line about an archive: what it is and how much is in it. */
export function archiveSummary(archive: ArchiveInspectionResult): string {
  const rows = archive.tables.reduce((n, t) => n + t.rows, 0);
  const tenantTables = archive.tables.filter((t) => t.tenant).length;
  const versions = [
    archive.serverVersion && `server ${archive.serverVersion}`,
    archive.pgDumpVersion && `pg_dump ${archive.pgDumpVersion}`,
    archive.archiveVersion && `archive ${archive.archiveVersion}`,
  ]
    .filter(Boolean)
    .join(', ');
  const counts = `${formatCount(archive.tables.length)} tables (${formatCount(tenantTables)} tenant), ${formatCount(rows)} rows, ${formatCount(archive.websites.length)} websites`;
  // An archive that could not be read (or not to its end) is never summed up as if it were empty.
  if (archive.error) return `${archive.format}: NOT READ to its end (${archive.error.message}); read before that: ${counts}`;
  return `${archive.format}${versions ? ` (${versions})` : ''}: ${counts}`;
}

/** How many tables an archive's card lists at most (thousands of partitions or large objects would freeze the page). */
export const ARCHIVE_TABLES_SHOWN = 500;

/** `2026-12-05 13:07 UTC`; the archive's own dump time is the dumping machine's wall clock, said so. */
export function dumpedAtLabel(local: string | null): string {
  return local === null ? '—' : `${local.replace('T', ' ').slice(0, 16)} (local time of the machine that dumped it)`;
}
