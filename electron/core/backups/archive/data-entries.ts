import { displayName } from '../../catalog/sql-identifiers.ts';
import { parseDdlStatements } from './ddl-statements.ts';
import type { TocEntry } from './toc-entries.ts';

/** A table's data in the archive, readable as COPY rows. */
export interface DataEntry {
  readonly dumpId: number;
  /** As the live catalog names tables: `pwb_pages`, or `schema.table` outside public. */
  readonly table: string;
  readonly schema: string;
  readonly name: string;
  /** The COPY column list, in the rows' field order (generated columns are not in it). */
  readonly columns: readonly string[];
  readonly toc: TocEntry;
}

/** An entry with data this reader recognises but does not read, and why: never silently counted as empty. */
export interface NotReadEntry {
  readonly dumpId: number;
  readonly desc: string;
  readonly tag: string;
  readonly table: string | null;
  readonly reason: string;
}

const LARGE_OBJECT_DESCS = new Set(['BLOB', 'BLOBS', 'BLOB METADATA']);

/** Splits an archive's entries into readable table data and data that is named but not read. */
export function sortDataEntries(entries: readonly TocEntry[]): { data: DataEntry[]; notRead: NotReadEntry[] } {
  const data: DataEntry[] = [];
  const notRead: NotReadEntry[] = [];
  for (const entry of entries) {
    if (LARGE_OBJECT_DESCS.has(entry.desc)) {
      const reason = 'large objects (pg_largeobject) are not read: the reader reads table rows only';
      notRead.push({ dumpId: entry.dumpId, desc: entry.desc, tag: entry.tag, table: null, reason });
      continue;
    }
    if (entry.desc !== 'TABLE DATA') continue;
    const schema = entry.namespace ?? 'public';
    const copy = entry.copyStmt ? parseDdlStatements(entry.copyStmt).find((s) => s.kind === 'copy') : undefined;
    if (copy?.kind !== 'copy') {
      const reason = 'the data is INSERT statements (pg_dump --inserts or --column-inserts), not COPY rows: not read, so not counted';
      notRead.push({ dumpId: entry.dumpId, desc: entry.desc, tag: entry.tag, table: displayName(schema, entry.tag), reason });
      continue;
    }
    // 1.12 archives may leave the COPY target unqualified: the entry's namespace names the schema then.
    const tableSchema = copy.schema ?? schema;
    data.push({ dumpId: entry.dumpId, table: displayName(tableSchema, copy.table), schema: tableSchema, name: copy.table, columns: copy.columns, toc: entry });
  }
  return { data, notRead };
}
