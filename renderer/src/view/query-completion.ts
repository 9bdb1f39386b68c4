import type { Completion, CompletionContext, CompletionResult, CompletionSection, CompletionSource } from '@codemirror/autocomplete';
import type { SQLNamespace } from '@codemirror/lang-sql';
import type { MethodResult } from '../../../shared/contract.ts';

/*
 * What the SQL editor completes, built from `catalog.tables`: every table of every database (tenant
 * and global tables told apart by their detail and section), its columns after `table.` or `alias.`,
 * and the bare column names of the tables the statement already names.
 */

export type CatalogTables = MethodResult<'catalog.tables'>;
type TableKind = CatalogTables['databases'][number]['tables'][number]['kind'];

export interface CompletionTable {
  readonly name: string;
  readonly kind: TableKind;
  readonly tenantKey: string | null;
  /** The databases that have it, in the profile's order. */
  readonly databases: readonly string[];
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

const KIND_RANK: Readonly<Record<TableKind, number>> = { tenant: 0, global: 1, unscoped: 2 };

/** One entry per table name over every database; a table tenant anywhere is a tenant table, columns from the first database that has it. */
export function completionTables(catalog: CatalogTables): CompletionTable[] {
  const byName = new Map<string, CompletionTable>();
  for (const database of catalog.databases) {
    for (const table of database.tables) {
      const known = byName.get(table.table);
      if (known === undefined) {
        byName.set(table.table, { name: table.table, kind: table.kind, tenantKey: table.tenantKey, databases: [database.name], columns: table.columns });
        continue;
      }
      const kind = KIND_RANK[table.kind] < KIND_RANK[known.kind] ? table.kind : known.kind;
      byName.set(table.table, { ...known, kind, tenantKey: known.tenantKey ?? table.tenantKey, databases: [...known.databases, database.name] });
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// "dynamic": the section whose best option matches best comes first (tables while typing a table's name).
export const TABLE_SECTIONS: Readonly<Record<TableKind, CompletionSection>> = Object.freeze({
  tenant: { name: 'Tenant tables', rank: 'dynamic' },
  global: { name: 'Global tables', rank: 'dynamic' },
  unscoped: { name: 'Other tables', rank: 'dynamic' },
});
export const COLUMN_SECTION: CompletionSection = Object.freeze({ name: 'Columns', rank: 'dynamic' });
export const KEYWORD_SECTION: CompletionSection = Object.freeze({ name: 'Keywords', rank: 'dynamic' });

export const TABLE_DETAILS: Readonly<Record<TableKind, string>> = Object.freeze({ tenant: 'tenant table', global: 'global table', unscoped: 'table' });

function tableInfo(table: CompletionTable): string {
  const where = `on ${table.databases.join(', ')}`;
  if (table.kind === 'tenant') return `Tenant data (website key ${table.tenantKey ?? '?'}), ${where}. ${table.columns.length} columns.`;
  if (table.kind === 'global') return `Control plane, ${where}: never on a shard. ${table.columns.length} columns.`;
  return `Neither tenant data nor a global table, ${where}. ${table.columns.length} columns.`;
}

export function tableCompletion(table: CompletionTable): Completion {
  const label = table.name.includes('.') ? table.name.slice(table.name.lastIndexOf('.') + 1) : table.name;
  return { label, type: 'type', detail: TABLE_DETAILS[table.kind], info: tableInfo(table), section: TABLE_SECTIONS[table.kind] };
}

/** lang-sql's schema: each table (its own option) with its columns, for `table.` and `alias.` completion. */
export function sqlSchema(tables: readonly CompletionTable[]): SQLNamespace {
  const schema: Record<string, SQLNamespace> = {};
  for (const table of tables) {
    schema[table.name] = { self: tableCompletion(table), children: table.columns.map((c) => ({ label: c.name, type: 'property', detail: c.type })) };
  }
  return schema;
}

/** lang-sql's keywords, in a section of their own so they do not crowd out the tables. */
export function keywordCompletion(label: string, type: string): Completion {
  return { label, type, section: KEYWORD_SECTION };
}

const IDENTIFIER = /"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?)/g;

/** The tables a statement names (unquoted names case-insensitively, quoted ones exactly). */
export function tablesNamedIn(sql: string, tables: readonly CompletionTable[]): CompletionTable[] {
  const named = new Set<string>();
  for (const match of sql.matchAll(IDENTIFIER)) named.add(match[1] !== undefined ? match[1].replace(/""/g, '"') : match[2]!.toLowerCase());
  return tables.filter((t) => named.has(t.name) || named.has(t.name.toLowerCase()));
}

/** The columns of those tables, once per name; the detail says its type and which table has it. */
export function columnOptions(tables: readonly CompletionTable[]): Completion[] {
  const byName = new Map<string, { type: string; tables: string[] }>();
  for (const table of tables) {
    for (const column of table.columns) {
      const known = byName.get(column.name);
      if (known === undefined) byName.set(column.name, { type: column.type, tables: [table.name] });
      else known.tables.push(table.name);
    }
  }
  return [...byName].map(([name, c]) => ({ label: name, type: 'property', detail: `${c.type} · ${c.tables.join(', ')}`, section: COLUMN_SECTION }));
}

/** Bare column names (`WHERE webs…`) of the tables named elsewhere in the statement; `x.` is lang-sql's. */
export function columnsInScopeSource(tables: readonly CompletionTable[]): CompletionSource {
  return (context: CompletionContext): CompletionResult | null => {
    const word = context.matchBefore(/[A-Za-z_][\w$]*$/);
    if (word === null && !context.explicit) return null;
    const from = word?.from ?? context.pos;
    if (context.state.sliceDoc(from - 1, from) === '.') return null;
    const doc = context.state.doc.toString();
    const elsewhere = doc.slice(0, from) + doc.slice(word?.to ?? context.pos);
    const options = columnOptions(tablesNamedIn(elsewhere, tables));
    return options.length === 0 ? null : { from, options, validFor: /^[\w$]*$/ };
  };
}
