import { RESTORE_MARK } from '../console-schema/console-database.ts';
import type { DataEntry } from '../backups/archive/data-entries.ts';
import type { ArchiveSchema } from '../backups/archive/archive-schema.ts';
import { displayName } from '../catalog/sql-identifiers.ts';
import type { PgDumpArchive } from '../backups/archive/pg-dump-archive.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { classifyTables, type ClassifyOptions } from '../catalog/tenant-tables.ts';
import { scopedTables, type ScopedTable } from '../moves/tenant-scope.ts';
import type { RestoreMode } from '../../../shared/methods/restore-methods.ts';

/** A refusal as preflight reports it: a code to branch on, the reason and what to do. */
export interface Refusal {
  readonly code: string;
  readonly message: string;
  readonly table?: string;
}

/** One live tenant table as a restore sees it: where its rows are in the archive and which columns they fill. */
export interface RestoreTable {
  readonly name: string;
  readonly scoped: ScopedTable;
  /** The archive's data for it: one entry, or one per partition. Empty when the archive lacks the table. */
  readonly entries: readonly DataEntry[];
  /** Loaded and compared, in the first entry's COPY order (pg_dump's column list, generated columns left out). */
  readonly columns: readonly string[];
  /** The live types of `columns`, which decide how values are compared. */
  readonly types: readonly string[];
}

/**
 * The table with every live column read, the archive's first: what a rollback's check compares, so a
 * write to a column the backup lacked (added by a later migration) counts as a change too. Null when
 * the archive has every live column.
 */
export function withEveryLiveColumn(t: RestoreTable): RestoreTable | null {
  const extra = t.scoped.table.columns.filter((c) => !t.columns.includes(c.name));
  if (extra.length === 0) return null;
  return { ...t, columns: [...t.columns, ...extra.map((c) => c.name)], types: [...t.types, ...extra.map((c) => c.type)] };
}

/** Schemas an archive holds that an earlier side-by-side restore created: never data to restore. */
function archivedRestoreSchemas(archive: PgDumpArchive): Set<string> {
  const out = new Set<string>();
  for (const e of archive.info.entries) {
    if (e.desc === 'COMMENT' && e.tag.startsWith('SCHEMA ') && (e.defn ?? '').includes(`'${RESTORE_MARK}`))
      out.add(e.tag.slice('SCHEMA '.length).replace(/^"|"$/g, ''));
  }
  return out;
}

/**
 * The live tenant tables to restore (those of restore schemas left out), each with its archive data,
 * and every reason the archive's rows cannot go into them: a tenant table the live database lacks, an
 * archived column it lacks (or computes), a live column without a default the archive cannot fill.
 */
export function restoreTables(
  catalog: DatabaseCatalog,
  archive: PgDumpArchive,
  rules: ClassifyOptions,
  restoreSchemas: ReadonlySet<string>,
  mode?: RestoreMode,
): { tables: RestoreTable[]; refusals: Refusal[]; notes: string[] } {
  const live = scopedTables(catalog).filter((t) => !restoreSchemas.has(t.table.schema));
  const schema = archive.schema();
  const skipped = archivedRestoreSchemas(archive);
  const refusals: Refusal[] = [];
  const notes: string[] = [];
  const archived = classifyTables(schema.tables, rules);
  const liveNames = new Set(live.map((t) => t.name));
  for (const name of archived.tenantTables.keys()) {
    const table = schema.tables.find((t) => t.name === name)!;
    if (liveNames.has(name) || skipped.has(table.schema) || restoreSchemas.has(table.schema)) continue;
    if (!archive.dataEntries.some((e) => e.table === name || schema.partitionRoots.get(e.table) === name)) continue;
    refusals.push({
      code: 'SCHEMA_MISSING_TABLE',
      table: name,
      message: `The archive holds tenant table ${name}, which ${catalog.database} does not have. Create it (apply the migrations the backup had), then restore again.`,
    });
  }
  const tables = live.map((scoped) => {
    const entries = archive.dataEntries.filter((e) => e.table === scoped.name || schema.partitionRoots.get(e.table) === scoped.name);
    const undumped = undumpedData(schema, scoped.name, entries);
    if (entries.length === 0 && !schema.tables.some((t) => t.name === scoped.name || schema.partitionRoots.get(t.name) === scoped.name))
      notes.push(`${scoped.name} is not in the archive (created after the backup?): the website gets no rows there.`);
    else if (undumped.length > 0 && (mode === 'replace' || mode === 'empty'))
      // pg_dump --exclude-table-data, or an unlogged table dumped from a standby: the rows were never read.
      refusals.push({
        code: 'ARCHIVE_LACKS_DATA',
        table: scoped.name,
        message: `The archive has ${undumped.join(', ')} in its schema but not its rows (dumped with --exclude-table-data, or an unlogged table dumped from a standby): restored from it, the website would have no rows there, whatever it had when the backup ran. Restore from a backup that holds the table's data, or side by side (--into-schema) to take what this one has.`,
      });
    else if (undumped.length > 0)
      notes.push(`${undumped.join(', ')} is in the archive's schema but not its rows (dumped with --exclude-table-data?): the side table gets none of them.`);
    refusals.push(...columnRefusals(scoped, entries, catalog.database));
    const columns = entries[0]?.columns ?? scoped.columns;
    const types = columns.map((c) => scoped.table.columns.find((x) => x.name === c)?.type ?? 'text');
    return { name: scoped.name, scoped, entries, columns, types };
  });
  return { tables, refusals, notes };
}

/**
 * The tables (a plain table, or a partitioned one's leaf partitions) the archive's schema has but whose
 * rows it does not: each would be restored empty. None when the archive has no such table at all.
 */
function undumpedData(schema: ArchiveSchema, table: string, entries: readonly DataEntry[]): string[] {
  const leaves = [...schema.partitionLeaves].filter((leaf) => schema.partitionRoots.get(leaf) === table);
  // A partition's data entry is named by its TOC tag: dumped --load-via-partition-root, its COPY names the root.
  const dumped = new Set(entries.map((e) => displayName(e.toc.namespace ?? e.schema, e.toc.tag)));
  if (leaves.length > 0) return leaves.filter((leaf) => !dumped.has(leaf));
  // A partitioned table with no partitions holds no rows to leave out.
  return entries.length === 0 && schema.tables.some((t) => t.name === table && !t.partitioned) ? [table] : [];
}

function columnRefusals(scoped: ScopedTable, entries: readonly DataEntry[], database: string): Refusal[] {
  const out: Refusal[] = [];
  const table = scoped.name;
  const filter = scoped.tenant.chain[0]?.columns ?? [scoped.tenant.tenantKey];
  for (const entry of entries) {
    for (const name of entry.columns) {
      const column = scoped.table.columns.find((c) => c.name === name);
      if (!column)
        out.push({
          code: 'SCHEMA_MISSING_COLUMN',
          table,
          message: `The archive has column ${table}.${name}, which ${database} lacks (a migration since the backup dropped or renamed it, or the database is behind). Add it back as a nullable column for the restore (or apply the migrations the backup had), then restore again.`,
        });
      else if (column.generated)
        out.push({
          code: 'SCHEMA_MISSING_COLUMN',
          table,
          message: `The archive has values for ${table}.${name}, which ${database} computes (a generated column), in every mode, side by side too (its tables are shaped like the live ones). Make it a plain column for the restore (ALTER TABLE ... ALTER COLUMN ${name} DROP EXPRESSION), or read the values offline (backup website ID PATH --rows N).`,
        });
    }
    for (const column of scoped.table.columns) {
      if (entry.columns.includes(column.name) || column.generated || column.identity || column.default !== null || !column.notNull) continue;
      out.push({
        code: 'SCHEMA_MISSING_VALUE',
        table,
        message: `${table}.${column.name} on ${database} is NOT NULL without a default, and the archive has no values for it. Give it a default (or allow NULL), then restore again.`,
      });
    }
    const absent = filter.filter((c) => !entry.columns.includes(c));
    if (absent.length)
      out.push({
        code: 'SCHEMA_MISSING_COLUMN',
        table,
        message: `The archive's ${entry.table} lacks ${absent.join(', ')}, which ties its rows to a website on ${database}, so the website's rows cannot be told apart. Restore from a backup made with this schema.`,
      });
    if (entries.length > 1 && [...entry.columns].sort().join() !== [...entries[0]!.columns].sort().join()) {
      out.push({
        code: 'SCHEMA_MISSING_COLUMN',
        table,
        message: `The archive's partitions of ${table} list different columns (${entry.table}), which no mode restores as one table. Read each partition's rows offline (backup website ID PATH --rows N) and copy what you need with SQL.`,
      });
    }
  }
  return out;
}
