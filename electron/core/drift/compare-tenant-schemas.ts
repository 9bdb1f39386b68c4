import type { DriftItem, SetAsideForeignKey } from '../../../shared/contract.ts';
import type { CatalogColumn, CatalogConstraint, CatalogIndex, CatalogTable, CatalogView, DatabaseCatalog } from '../catalog/database-catalog.ts';
import { controlPlaneKeysAbsentOn } from '../catalog/foreign-key-kinds.ts';
import * as fix from './drift-fix-sql.ts';
import type { SequenceInfo } from './introspect-sequences.ts';
import { compareEnums, type EnumInfo } from './compare-enums.ts';
import { compareTriggers, type TriggerSnapshot } from './compare-triggers.ts';
import { comparePartitions, createPartitionsOfSql, type PartitionInfo } from './compare-partitions.ts';
import { tableRef } from '../catalog/sql-identifiers.ts';
import { newSequenceStart } from '../migrations/sequence-blocks.ts';

/** What drift compares of one database: its catalog and its sequences. */
export interface SchemaSnapshot {
  readonly catalog: DatabaseCatalog;
  readonly sequences: readonly SequenceInfo[];
  /** Enum types and their values (compare-enums.ts); absent where not read. */
  readonly enums?: readonly EnumInfo[];
  /** Triggers and their functions (compare-triggers.ts); absent where not read. */
  readonly triggers?: TriggerSnapshot;
  /** Partitions of partitioned tables (compare-partitions.ts); absent where not read. */
  readonly partitions?: readonly PartitionInfo[];
}

type Emit = (table: string, kind: string, detail: string, sql: string) => void;

/** One database compared with the primary: its differences, and the keys left out as PWB's layout. */
export interface SchemaComparison {
  readonly drift: DriftItem[];
  readonly setAside: SetAsideForeignKey[];
}

/** The two sides of one table's comparison, each with its catalog (which classifies its foreign keys). */
interface TablePair {
  readonly reference: CatalogTable;
  readonly other: CatalogTable;
  readonly refCatalog: DatabaseCatalog;
  readonly otherCatalog: DatabaseCatalog;
  /** The primary's sequences this table's columns own (a serial's, an identity's). */
  readonly owned: readonly SequenceInfo[];
}

/** An index definition without its own name, so an index renamed on one database still matches. */
function indexShape(i: CatalogIndex): string {
  return i.definition.replace(/^(CREATE (?:UNIQUE )?INDEX )(?:"(?:[^"]|"")+"|\S+) ON /, '$1ON ');
}

const collapseWhitespace = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Indexes that exist because of a PK, unique or exclusion constraint: compared as constraints, not twice. */
function constraintIndexNames(t: Pick<CatalogTable, 'constraints'>): Set<string> {
  return new Set(t.constraints.filter((k) => k.type === 'p' || k.type === 'u' || k.type === 'x').map((k) => k.name));
}

/**
 * Pairs by name, then pairs what is left by shape (same definition under another name is the same
 * object); reports what stays unpaired on either side and what differs under one name.
 */
function pairUp<T extends { name: string }>(reference: readonly T[], other: readonly T[], shape: (x: T) => string) {
  const otherByName = new Map(other.map((x) => [x.name, x]));
  const changed: Array<[T, T]> = [];
  const unmatchedRef: T[] = [];
  for (const r of reference) {
    const o = otherByName.get(r.name);
    if (!o) unmatchedRef.push(r);
    else {
      otherByName.delete(r.name);
      if (shape(r) !== shape(o)) changed.push([r, o]);
    }
  }
  const missing: T[] = [];
  const leftovers = [...otherByName.values()];
  for (const r of unmatchedRef) {
    const at = leftovers.findIndex((o) => shape(o) === shape(r));
    if (at >= 0) leftovers.splice(at, 1);
    else missing.push(r);
  }
  return { missing, extra: leftovers, changed };
}

function compareIndexes(
  owner: string,
  ref: readonly CatalogIndex[],
  other: readonly CatalogIndex[],
  schema: string,
  database: string,
  emit: Emit,
  concurrently = true,
): void {
  // On a table in use, built and dropped without blocking its writes (see createIndexConcurrentlySql).
  const create = concurrently ? fix.createIndexConcurrentlySql : fix.createIndexSql;
  const drop = concurrently ? fix.dropIndexConcurrentlySql : fix.dropIndexSql;
  // A failed CREATE INDEX CONCURRENTLY leaves an INVALID index whose definition reads like the finished
  // one's: never counted as the primary's index, or the drift its fix was for would look fixed.
  // A valid index of the same name or shape there already stands for the primary's: an invalid one beside
  // it is a leftover of a REINDEX CONCURRENTLY that failed (idx_ccnew), to drop, never the primary's index.
  const valid = other.filter((i) => i.valid);
  const standsFor = (r: CatalogIndex) => valid.some((o) => o.name === r.name || indexShape(o) === indexShape(r));
  const rebuilt = new Set<CatalogIndex>();
  for (const o of other.filter((i) => !i.valid)) {
    const free = (i: CatalogIndex) => !rebuilt.has(i) && !standsFor(i);
    const r = ref.find((i) => i.name === o.name && free(i)) ?? ref.find((i) => indexShape(i) === indexShape(o) && free(i));
    if (r) rebuilt.add(r);
    const detail = `index ${o.name} is INVALID on ${database} (left by a CREATE INDEX CONCURRENTLY that failed): no query uses it${r ? '' : ', and the primary has no such index'}`;
    emit(owner, 'invalid-index', detail, r ? `${drop(schema, o.name)}\n${create(r)}` : drop(schema, o.name));
  }
  const { missing, extra, changed } = pairUp(
    ref.filter((i) => !rebuilt.has(i)),
    other.filter((i) => i.valid),
    indexShape,
  );
  for (const i of missing) emit(owner, 'missing-index', `index ${i.name} is missing on ${database}`, create(i));
  for (const i of extra) emit(owner, 'extra-index', `index ${i.name} exists only on ${database}: ${i.definition}`, drop(schema, i.name));
  for (const [r, o] of changed) {
    const detail = `index ${r.name} differs: ${o.definition} on ${database}, ${r.definition} on the primary`;
    emit(owner, 'index-definition', detail, `${drop(schema, o.name)}\n${create(r)}`);
  }
}

const nullability = (c: CatalogColumn) => (c.notNull ? 'NOT NULL' : 'nullable');
const columnKind = (c: CatalogColumn) => (c.identity ? 'an identity column' : c.generated ? 'a generated column' : 'a plain column');

function compareColumns(r: CatalogTable, o: CatalogTable, database: string, emit: Emit, owned: readonly SequenceInfo[]): void {
  const t = r.name;
  const otherColumns = new Map(o.columns.map((c) => [c.name, c]));
  // By name only: the position of a column is not drift (schema.rb builds tables alphabetically).
  for (const rc of r.columns) {
    const oc = otherColumns.get(rc.name);
    otherColumns.delete(rc.name);
    if (!oc) {
      // A column that owns a sequence brings it (the sequence is not listed missing apart from it).
      const sequence = owned.find((q) => q.ownerColumn === rc.name);
      emit(
        t,
        'missing-column',
        `column ${rc.name} (${rc.type}) is missing on ${database}`,
        sequence ? fix.addOwningColumnSql(o, rc, sequence) : fix.addColumnSql(o, rc),
      );
      continue;
    }
    if (oc.type !== rc.type) emit(t, 'column-type', `column ${rc.name} is ${oc.type} on ${database}, ${rc.type} on the primary`, fix.columnTypeSql(o, rc));
    else if ((oc.collation ?? null) !== (rc.collation ?? null)) {
      const detail = `column ${rc.name} collates by ${oc.collation ?? "its type's default"} on ${database}, by ${rc.collation ?? "its type's default"} on the primary`;
      emit(t, 'column-collation', detail, fix.collationSql(o, rc));
    }
    if (oc.notNull !== rc.notNull) {
      const detail = `column ${rc.name} is ${nullability(oc)} on ${database}, ${nullability(rc)} on the primary`;
      emit(t, 'column-nullability', detail, fix.nullabilitySql(o, rc));
    }
    if (oc.identity !== rc.identity || oc.generated !== rc.generated) {
      const detail = `column ${rc.name} is ${columnKind(oc)} on ${database}, ${columnKind(rc)} on the primary`;
      emit(t, 'column-kind', detail, columnKindFix(o, oc, rc));
    } else if (rc.identity && Boolean(oc.identityAlways) !== Boolean(rc.identityAlways)) {
      // ALWAYS refuses an INSERT that names the column (the application's explicit ids fail on one database only).
      const kindOn = (c: CatalogColumn) => `GENERATED ${c.identityAlways ? 'ALWAYS' : 'BY DEFAULT'}`;
      const detail = `identity column ${rc.name} is ${kindOn(oc)} on ${database}, ${kindOn(rc)} on the primary`;
      emit(t, 'column-identity', detail, fix.identityKindSql(o, rc));
    } else if ((oc.default ?? null) !== (rc.default ?? null) && rc.generated) {
      // A generated column's "default" is its expression, which SET DEFAULT cannot change (PostgreSQL refuses it).
      const detail = `column ${rc.name} is generated as ${oc.default} on ${database}, as ${rc.default} on the primary`;
      emit(t, 'column-generation', detail, `${fix.dropColumnSql(o, rc.name)}\n${fix.addColumnSql(o, rc)}`);
    } else if ((oc.default ?? null) !== (rc.default ?? null)) {
      const detail = `column ${rc.name} defaults to ${oc.default ?? 'nothing'} on ${database}, ${rc.default ?? 'nothing'} on the primary`;
      emit(t, 'column-default', detail, fix.defaultSql(o, rc));
    }
  }
  for (const oc of otherColumns.values()) emit(t, 'extra-column', `column ${oc.name} (${oc.type}) exists only on ${database}`, fix.dropColumnSql(o, oc.name));
}

/**
 * Identity and plain columns convert in place (their values are the rows' ids); a generated column made
 * plain keeps its values (DROP EXPRESSION); one made generated has its values computed again.
 */
function columnKindFix(o: CatalogTable, oc: CatalogColumn, rc: CatalogColumn): string {
  if (!oc.generated && !rc.generated) return fix.identityConversionSql(o, oc, rc);
  if (oc.generated && !rc.generated && !rc.identity) return [fix.dropExpressionSql(o, rc), ...(rc.default === null ? [] : [fix.defaultSql(o, rc)])].join('\n');
  return `${fix.dropColumnSql(o, rc.name)}\n${fix.addColumnSql(o, rc)}`;
}

/** A table's constraints minus the foreign keys into global tables the other side does not have. */
function comparableConstraints(
  table: CatalogTable,
  catalog: DatabaseCatalog,
  other: DatabaseCatalog,
): { compared: CatalogConstraint[]; setAside: CatalogConstraint[] } {
  const absent = controlPlaneKeysAbsentOn(catalog, table, other);
  const isSetAside = (k: CatalogConstraint) => k.type === 'f' && absent.has(k.name);
  return { compared: table.constraints.filter((k) => !isSetAside(k)), setAside: table.constraints.filter(isSetAside) };
}

function compareConstraints(pair: TablePair, database: string, emit: Emit, setAside: SetAsideForeignKey[]): void {
  const { reference: r, other: o } = pair;
  const t = r.name;
  const ref = comparableConstraints(r, pair.refCatalog, pair.otherCatalog);
  const oth = comparableConstraints(o, pair.otherCatalog, pair.refCatalog);
  const referenced = (table: CatalogTable, k: CatalogConstraint) => table.foreignKeys.find((fk) => fk.name === k.name)?.refTable ?? '';
  const leftOut = (on: string, table: CatalogTable, k: CatalogConstraint): SetAsideForeignKey => ({
    database: on,
    table: t,
    constraint: k.name,
    definition: k.definition,
    references: referenced(table, k),
  });
  for (const k of ref.setAside) setAside.push(leftOut(database, r, k));
  for (const k of oth.setAside) setAside.push(leftOut(pair.refCatalog.database, o, k));
  const constraints = pairUp(ref.compared, oth.compared, (k) => `${k.type} ${collapseWhitespace(k.definition)}`);
  for (const k of constraints.missing) {
    emit(t, 'missing-constraint', `constraint ${k.name} (${k.definition}) is missing on ${database}`, fix.addConstraintSql(o, k));
  }
  for (const k of constraints.extra) {
    emit(t, 'extra-constraint', `constraint ${k.name} (${k.definition}) exists only on ${database}`, fix.dropConstraintSql(o, k.name));
  }
  for (const [rk, ok] of constraints.changed) {
    const detail = `constraint ${rk.name} is ${ok.definition} on ${database}, ${rk.definition} on the primary`;
    emit(t, 'constraint-definition', detail, `${fix.dropConstraintSql(o, ok.name)}\n${fix.addConstraintSql(o, rk)}`);
  }
}

const partitioning = (t: CatalogTable) => (t.partitioned ? `partitioned by ${t.partitionKey ?? 'a key not read'}` : 'not partitioned');

function compareTable(pair: TablePair, database: string, emit: Emit, setAside: SetAsideForeignKey[]): void {
  const { reference: r, other: o } = pair;
  if (r.partitioned !== o.partitioned || (r.partitionKey ?? null) !== (o.partitionKey ?? null)) {
    const detail = `table ${r.name} is ${partitioning(o)} on ${database}, ${partitioning(r)} on the primary`;
    const sql = `-- no statement changes a table's partitioning in place: create the primary's table under another name, copy the rows into it, then swap the names in one transaction`;
    emit(r.name, 'table-partitioning', detail, sql);
  }
  compareColumns(r, o, database, emit, pair.owned);
  compareConstraints(pair, database, emit, setAside);
  const refIndexes = r.indexes.filter((i) => !constraintIndexNames(r).has(i.name));
  const otherIndexes = o.indexes.filter((i) => !constraintIndexNames(o).has(i.name));
  compareIndexes(r.name, refIndexes, otherIndexes, o.schema, database, emit, !o.partitioned);
}

const viewKind = (v: CatalogView) => (v.materialized ? 'materialized view' : 'view');

function compareView(r: CatalogView, o: CatalogView, database: string, emit: Emit): void {
  if (r.materialized !== o.materialized || collapseWhitespace(r.definition) !== collapseWhitespace(o.definition)) {
    const what = r.materialized !== o.materialized ? `is ${o.materialized ? 'a materialized view' : 'a view'}` : 'has another definition';
    emit(r.name, 'view-definition', `${viewKind(r)} ${r.name} ${what} on ${database}`, `${fix.dropViewSql(o)}\n${fix.createViewSql(r)}`);
    return;
  }
  compareIndexes(r.name, r.indexes, o.indexes, o.schema, database, emit);
}

/** Views that read tenant tables and no global table: the tenant schema's read models (pwb_properties). */
function tenantViews(catalog: DatabaseCatalog, tenantTables: ReadonlySet<string>): CatalogView[] {
  const readsTenantTables = (v: CatalogView) => [...tenantTables].some((t) => mentions(v.definition, t));
  return [...catalog.views.values()].filter((v) => readsTenantTables(v) && !catalog.globalTables.some((g) => mentions(v.definition, g)));
}

/** Whether `definition` names `table` as a whole word. */
function mentions(definition: string, table: string): boolean {
  const escaped = table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_])${escaped}([^A-Za-z0-9_]|$)`).test(definition);
}

/** Sequences owned by a tenant table, or named in a tenant table's column default. */
function tenantSequences(snapshot: SchemaSnapshot, tenantTables: ReadonlySet<string>): SequenceInfo[] {
  const defaults = [...tenantTables].flatMap((t) => snapshot.catalog.tables.get(t)?.columns.map((c) => c.default ?? '') ?? []).join('\n');
  const owned = (s: SequenceInfo) => s.ownerTable !== null && tenantTables.has(s.ownerTable);
  return snapshot.sequences.filter((s) => owned(s) || defaults.includes(`'${s.name}'`) || defaults.includes(`'${s.sequence}'`));
}

/**
 * The tables in the order their fixes can run: a missing table after the missing tables its foreign
 * keys reference (its CREATE TABLE declares them), the rest by name. A cycle is broken by name.
 */
function creationOrder(catalog: DatabaseCatalog, missing: readonly string[], all: readonly string[]): string[] {
  const pending = new Set(missing);
  const ordered: string[] = [];
  while (pending.size > 0) {
    const ready = [...pending].sort().find((name) => catalog.tables.get(name)!.foreignKeys.every((fk) => fk.refTable === name || !pending.has(fk.refTable)));
    const next = ready ?? [...pending].sort()[0]!;
    pending.delete(next);
    ordered.push(next);
  }
  return [...ordered, ...all.filter((name) => !missing.includes(name))];
}

function placedOn(s: SequenceInfo, slot: number): SequenceInfo {
  const start = newSequenceStart(s, slot);
  return start === null ? s : { ...s, startWith: start.toString() };
}

/** Tenant tables of the primary missing on or different from `other`, and tenant tables only `other` has. */
function compareTables(reference: SchemaSnapshot, other: SchemaSnapshot, database: string, emit: Emit, setAside: SetAsideForeignKey[]): void {
  const refCatalog = reference.catalog;
  const otherCatalog = other.catalog;
  const refTenant = new Set(refCatalog.tenantTables.keys());
  const globals = new Set(refCatalog.globalTables);
  const missing = [...refTenant].filter((n) => !otherCatalog.tables.has(n));
  for (const name of creationOrder(refCatalog, missing, [...refTenant].sort())) {
    const r = refCatalog.tables.get(name)!;
    const o = otherCatalog.tables.get(name);
    if (o) {
      const owned = reference.sequences.filter((q) => q.ownerTable === name);
      compareTable({ reference: r, other: o, refCatalog, otherCatalog, owned }, database, emit, setAside);
      continue;
    }
    const absent = controlPlaneKeysAbsentOn(refCatalog, r, otherCatalog);
    for (const fk of r.foreignKeys.filter((k) => absent.has(k.name))) {
      const definition = r.constraints.find((k) => k.name === fk.name)?.definition ?? '';
      setAside.push({ database, table: name, constraint: fk.name, definition, references: fk.refTable });
    }
    const owned = reference.sequences.filter((s) => s.ownerTable === name);
    // A partitioned table comes with its partitions (its rows have nowhere to go without them).
    const partitions = createPartitionsOfSql(reference.partitions ?? [], name, tableRef(r.schema, r.table));
    emit(
      name,
      'missing-table',
      `table ${name} is missing on ${database}`,
      [fix.createTableSql(r, constraintIndexNames(r), owned, absent), ...partitions].join('\n'),
    );
  }
  for (const name of [...otherCatalog.tenantTables.keys()].sort()) {
    if (refTenant.has(name) || globals.has(name)) continue;
    const o = otherCatalog.tables.get(name)!;
    const r = refCatalog.tables.get(name);
    // The primary has it, only not as a tenant table (a lost key to its parent, say): what differs is in
    // the table, never a reason to drop it.
    if (r)
      compareTable(
        { reference: r, other: o, refCatalog, otherCatalog, owned: reference.sequences.filter((q) => q.ownerTable === name) },
        database,
        emit,
        setAside,
      );
    else emit(name, 'extra-table', `tenant table ${name} exists only on ${database}`, fix.dropTableSql(o));
  }
}

/** Whether the column owning `s` is an identity on one side and not on the other (identityConversionSql handles its sequence). */
function convertsKind(reference: SchemaSnapshot, other: SchemaSnapshot, s: SequenceInfo): boolean {
  if (s.ownerTable === null || s.ownerColumn === null) return false;
  const column = (snapshot: SchemaSnapshot) => snapshot.catalog.tables.get(s.ownerTable!)?.columns.find((c) => c.name === s.ownerColumn);
  const r = column(reference);
  const o = column(other);
  return r !== undefined && o !== undefined && !r.generated && !o.generated && r.identity !== o.identity;
}

function compareSequences(reference: SchemaSnapshot, other: SchemaSnapshot, database: string, emit: Emit): void {
  const otherSequences = new Map(other.sequences.map((s) => [s.name, s]));
  for (const rs of tenantSequences(reference, new Set(reference.catalog.tenantTables.keys()))) {
    const os = otherSequences.get(rs.name);
    const table = rs.ownerTable ?? rs.name;
    // A missing table's fix creates its sequences too, and a missing column's the one it owns.
    const ownerThere = rs.ownerTable === null ? null : other.catalog.tables.get(rs.ownerTable);
    if (!os && rs.ownerTable !== null && !ownerThere?.columns.some((c) => c.name === rs.ownerColumn)) continue;
    // A column that is an identity on one side only: its conversion (column-kind) makes the sequence.
    if (!os && convertsKind(reference, other, rs)) continue;
    if (!os) emit(table, 'missing-sequence', `sequence ${rs.name} is missing on ${database}`, fix.createSequenceSql(rs));
    else if (os.type !== rs.type || os.increment !== rs.increment || os.cycle !== rs.cycle || os.minValue !== rs.minValue || os.maxValue !== rs.maxValue) {
      const detail = `sequence ${rs.name} is ${describeSequence(os)} on ${database}, ${describeSequence(rs)} on the primary`;
      emit(table, 'sequence-definition', detail, fix.alterSequenceSql(rs));
    }
  }
  const refSequenceNames = new Set(reference.sequences.map((s) => s.name));
  for (const os of tenantSequences(other, new Set(other.catalog.tenantTables.keys()))) {
    if (refSequenceNames.has(os.name)) continue;
    // Owned by a table the primary does not have, or by a column it does not: the extra table's DROP
    // TABLE, or the extra column's DROP COLUMN, drops it too.
    const ownerOnPrimary = os.ownerTable === null ? null : reference.catalog.tables.get(os.ownerTable);
    if (os.ownerTable !== null && !ownerOnPrimary?.columns.some((c) => c.name === os.ownerColumn)) continue;
    // An identity's own sequence on a column that converts: its DROP IDENTITY drops it.
    if (convertsKind(reference, other, os)) continue;
    emit(os.ownerTable ?? os.name, 'extra-sequence', `sequence ${os.name} exists only on ${database}`, fix.dropSequenceSql(os));
  }
}

const describeSequence = (s: SequenceInfo) => `${s.type} by ${s.increment} (${s.minValue}..${s.maxValue})`;

function compareViews(refCatalog: DatabaseCatalog, otherCatalog: DatabaseCatalog, database: string, emit: Emit): void {
  for (const rv of tenantViews(refCatalog, new Set(refCatalog.tenantTables.keys()))) {
    const ov = otherCatalog.views.get(rv.name);
    if (!ov) emit(rv.name, 'missing-view', `${viewKind(rv)} ${rv.name} is missing on ${database}`, fix.createViewSql(rv));
    else compareView(rv, ov, database, emit);
  }
  const refViewNames = new Set(refCatalog.views.keys());
  for (const ov of tenantViews(otherCatalog, new Set(otherCatalog.tenantTables.keys()))) {
    if (!refViewNames.has(ov.name)) emit(ov.name, 'extra-view', `${viewKind(ov)} ${ov.name} exists only on ${database}`, fix.dropViewSql(ov));
  }
}

/** The primary's enum types a tenant table's column uses (as itself or an array of it): a global table's alone are not the shards'. */
function tenantEnums(snapshot: SchemaSnapshot): EnumInfo[] {
  const used = new Set<string>();
  for (const name of snapshot.catalog.tenantTables.keys()) {
    for (const c of snapshot.catalog.tables.get(name)?.columns ?? []) used.add(c.type.replace(/\[\]$/, ''));
  }
  return (snapshot.enums ?? []).filter((e) => used.has(e.shown));
}

/** Tenant tables partitioned on both databases, by catalog name, each with the other database's table to name in its fixes. */
function partitionedOnBoth(reference: DatabaseCatalog, other: DatabaseCatalog): Map<string, string> {
  const both = new Map<string, string>();
  for (const name of reference.tenantTables.keys()) {
    const o = other.tables.get(name);
    if (reference.tables.get(name)?.partitioned && o?.partitioned) both.set(name, tableRef(o.schema, o.table));
  }
  return both;
}

/**
 * Every difference of the tenant schema between the primary (`reference`) and one other database, by
 * name, each with the SQL that would make `other` match the primary. Foreign keys into global tables
 * that one side does not have are set aside (listed, not compared).
 *
 * `slot`: the compared database's block of ids (sequence-slots.ts). On a shard, the sequences a fix
 * creates start in its block, as a migration's new ones do (sequence-blocks.ts): made at 1, a table's
 * ids there would collide with the primary's on every move.
 */
export function compareTenantSchemas(primary: SchemaSnapshot, other: SchemaSnapshot, database: string, slot = 0): SchemaComparison {
  const reference = { ...primary, sequences: primary.sequences.map((s) => placedOn(s, slot)) };
  const items: DriftItem[] = [];
  const setAside: SetAsideForeignKey[] = [];
  const emit: Emit = (table, kind, detail, sql) => items.push({ database, table, kind, detail, fix: sql });
  if (reference.enums && other.enums) compareEnums(tenantEnums(reference), other.enums, database, emit);
  compareTables(reference, other, database, emit, setAside);
  if (reference.partitions && other.partitions)
    comparePartitions(reference.partitions, other.partitions, partitionedOnBoth(reference.catalog, other.catalog), database, emit);
  compareSequences(reference, other, database, emit);
  if (reference.triggers && other.triggers) compareTriggers(reference.triggers, other.triggers, new Set(reference.catalog.tenantTables.keys()), database, emit);
  compareViews(reference.catalog, other.catalog, database, emit);
  return { drift: items, setAside };
}
