import type { CatalogColumn, CatalogConstraint, CatalogIndex, CatalogTable, CatalogView } from '../../catalog/database-catalog.ts';
import { CONSOLE_SCHEMA } from '../../catalog/introspect-database.ts';
import { displayName } from '../../catalog/sql-identifiers.ts';
import { constraintIndex, foreignKeyOf, keyColumnsOf } from './constraint-definition.ts';
import { parseDdlStatements } from './ddl-statements.ts';
import { prettyCheckConstraint } from './pretty-expression.ts';
import type { CreateTableStatement, DdlStatement } from './ddl-statements.ts';
import { SCHEMA_DESCS, type TocEntry } from './toc-entries.ts';

/** An archive's tables and views in the live catalog's shapes, plus which tables are partitions of which. */
export interface ArchiveSchema {
  readonly tables: readonly CatalogTable[];
  readonly views: readonly CatalogView[];
  /** Partition display name -> the display name of its root (the table the live catalog lists). */
  readonly partitionRoots: ReadonlyMap<string, string>;
  /** The leaf partitions (those that hold rows: none partitioned in turn), by display name. */
  readonly partitionLeaves: ReadonlySet<string>;
}

type ColumnDraft = { -readonly [K in keyof Omit<CatalogColumn, 'position'>]: CatalogColumn[K] };

interface TableDraft {
  readonly schema: string;
  readonly table: string;
  readonly columns: ColumnDraft[];
  readonly constraints: CatalogConstraint[];
  readonly indexes: CatalogIndex[];
  readonly partitioned: boolean;
  readonly partitionKey: string | null;
}

/** Schemas the live catalog leaves out: the system's and the console's own bookkeeping. */
export function isApplicationSchema(schema: string): boolean {
  return schema !== 'pg_catalog' && schema !== 'information_schema' && schema !== CONSOLE_SCHEMA && !schema.startsWith('pg_');
}

/**
 * Builds exactly what live introspection builds (introspect-database.ts) from the archive's own DDL, so
 * that the same classifyTables sorts an archive's tables into tenant, global and unscoped. What an
 * archive cannot know: rowEstimate (0), and column positions count the columns pg_dump wrote (a live
 * table that dropped a column has a gap there).
 */
export function archiveSchema(entries: readonly TocEntry[]): ArchiveSchema {
  const tables = new Map<string, TableDraft>();
  const views = new Map<string, CatalogView & { indexes: CatalogIndex[] }>();
  const partitionParents = new Map<string, string>();
  const later: Array<{ statement: DdlStatement; namespace: string }> = [];
  for (const entry of entries) {
    if (!SCHEMA_DESCS.has(entry.desc) || !entry.defn) continue;
    const namespace = entry.namespace ?? 'public';
    for (const statement of parseDdlStatements(entry.defn)) {
      if (statement.kind === 'create-table') addTable(tables, statement, namespace, partitionParents);
      else if (statement.kind === 'create-view') addView(views, statement, namespace);
      else later.push({ statement, namespace });
    }
  }
  for (const { statement, namespace } of later) applyStatement(statement, namespace, tables, views, partitionParents);
  const partitionRoots = new Map<string, string>();
  for (const child of partitionParents.keys()) partitionRoots.set(child, rootOf(child, partitionParents));
  const catalogTables = [...tables.values()]
    .filter((t) => isApplicationSchema(t.schema) && !partitionParents.has(displayName(t.schema, t.table)))
    .map(finishTable)
    .sort(bySchemaAndTable);
  const catalogViews = [...views.values()]
    .filter((v) => isApplicationSchema(v.schema))
    .map((v) => ({ ...v, indexes: v.indexes.sort(byName) }))
    .sort(bySchemaAndTable);
  const parents = new Set(partitionParents.values());
  // Not one partitioned in turn, even with no partitions of its own yet (pg_dump writes no data for it).
  const partitionLeaves = new Set([...partitionParents.keys()].filter((child) => !parents.has(child) && !tables.get(child)?.partitioned));
  return { tables: catalogTables, views: catalogViews, partitionRoots, partitionLeaves };
}

function addTable(tables: Map<string, TableDraft>, statement: CreateTableStatement, namespace: string, partitionParents: Map<string, string>): void {
  const schema = statement.schema ?? namespace;
  const name = displayName(schema, statement.name);
  tables.set(name, {
    schema,
    table: statement.name,
    columns: statement.columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, default: c.default, generated: c.generated, identity: false })),
    constraints: statement.constraints.map((k) => catalogConstraint(k.name, k.definition)),
    indexes: [],
    partitioned: statement.partitioned,
    partitionKey: statement.partitionKey,
  });
  if (statement.partitionOf) partitionParents.set(name, displayName(statement.partitionOf.schema ?? namespace, statement.partitionOf.name));
}

function addView(
  views: Map<string, CatalogView & { indexes: CatalogIndex[] }>,
  statement: Extract<DdlStatement, { kind: 'create-view' }>,
  namespace: string,
): void {
  const schema = statement.schema ?? namespace;
  const name = displayName(schema, statement.name);
  views.set(name, { name, schema, table: statement.name, materialized: statement.materialized, definition: statement.query, indexes: [] });
}

function applyStatement(
  statement: DdlStatement,
  namespace: string,
  tables: Map<string, TableDraft>,
  views: Map<string, { indexes: CatalogIndex[] }>,
  partitionParents: Map<string, string>,
): void {
  if (statement.kind === 'create-table' || statement.kind === 'create-view' || statement.kind === 'copy') return;
  const name = displayName(statement.schema ?? namespace, statement.table);
  if (statement.kind === 'create-index') {
    const index: CatalogIndex = {
      name: statement.name,
      definition: statement.definition,
      unique: statement.unique,
      columns: statement.columns,
      keyColumns: statement.keyColumns,
      predicate: statement.predicate,
      // pg_dump writes CREATE INDEX statements; restoring one builds it whole.
      valid: true,
    };
    (tables.get(name) ?? views.get(name))?.indexes.push(index);
    return;
  }
  if (statement.kind === 'attach-partition') {
    partitionParents.set(displayName(statement.child.schema ?? namespace, statement.child.name), name);
    return;
  }
  const table = tables.get(name);
  if (!table) return;
  const column = 'column' in statement ? table.columns.find((c) => c.name === statement.column) : undefined;
  if (statement.kind === 'set-default' && column) column.default = statement.expression;
  else if (statement.kind === 'add-identity' && column) {
    column.identity = true;
    // As live introspection gives it: present only for ALWAYS.
    if (statement.always) column.identityAlways = true;
  } else if (statement.kind === 'add-constraint') {
    table.constraints.push(catalogConstraint(statement.name, statement.definition));
    const index = constraintIndex(statement, table.partitioned);
    if (index) table.indexes.push(index);
  }
}

function finishTable(t: TableDraft): CatalogTable {
  const constraints = [...t.constraints].sort(byName);
  const pk = constraints.find((k) => k.type === 'p');
  return {
    name: displayName(t.schema, t.table),
    schema: t.schema,
    table: t.table,
    columns: t.columns.map((c, i) => ({
      name: c.name,
      type: c.type,
      notNull: c.notNull,
      default: c.default,
      position: i + 1,
      generated: c.generated,
      identity: c.identity,
      ...(c.identityAlways ? { identityAlways: true } : {}),
    })),
    primaryKey: pk ? keyColumnsOf(pk.definition) : [],
    foreignKeys: constraints.filter((k) => k.type === 'f').flatMap((k) => foreignKeyOf(k.name, k.definition) ?? []),
    constraints,
    indexes: [...t.indexes].sort(byName),
    rowEstimate: 0,
    partitioned: t.partitioned,
    ...(t.partitionKey ? { partitionKey: t.partitionKey } : {}),
  };
}

/** A check constraint reads as the live catalog's pretty text; keys keep pg_get_constraintdef's text, the same in both forms. */
function catalogConstraint(name: string, definition: string): CatalogConstraint {
  const type = constraintType(definition);
  return { name, type, definition: type === 'c' ? prettyCheckConstraint(definition) : definition };
}

function constraintType(definition: string): CatalogConstraint['type'] {
  if (definition.startsWith('PRIMARY KEY')) return 'p';
  if (definition.startsWith('UNIQUE')) return 'u';
  if (definition.startsWith('FOREIGN KEY')) return 'f';
  if (definition.startsWith('EXCLUDE')) return 'x';
  return 'c';
}

function rootOf(name: string, parents: ReadonlyMap<string, string>): string {
  let current = name;
  for (let depth = 0; depth < 100; depth++) {
    const parent = parents.get(current);
    if (!parent) return current;
    current = parent;
  }
  return current;
}

function bySchemaAndTable<T extends { schema: string; table: string }>(a: T, b: T): number {
  return byName({ name: a.schema }, { name: b.schema }) || byName({ name: a.table }, { name: b.table });
}

/** The live catalog orders by name (type `name`, so byte order): plain code-unit order matches for these names. */
function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
