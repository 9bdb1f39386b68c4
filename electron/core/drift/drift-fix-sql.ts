import type { CatalogColumn, CatalogConstraint, CatalogIndex, CatalogTable, CatalogView } from '../catalog/database-catalog.ts';
import { quoteIdent, quoteLiteral, tableRef } from '../catalog/sql-identifiers.ts';
import type { SequenceInfo } from './introspect-sequences.ts';

/*
 * The SQL that would bring one object in line with the primary. Proposals for a person to review and
 * run: types, defaults and definitions come verbatim from PostgreSQL's own deparsers (format_type,
 * pg_get_expr, pg_get_indexdef, pg_get_constraintdef, pg_get_viewdef), names always quoted.
 */

type Named = Pick<CatalogTable, 'schema' | 'table'>;

const ref = (t: Named) => tableRef(t.schema, t.table);
const col = (c: string) => quoteIdent(c);

/** A new sequence's first id on a shard: its block's (see SequenceInfo.startWith); none on the primary. */
const startClause = (s: SequenceInfo) => (s.startWith === undefined ? '' : ` START WITH ${s.startWith}`);

/** `sequence`: an identity column's own sequence, named and shaped as the primary's (its type is the column's). */
export function columnDefinition(c: CatalogColumn, sequence?: SequenceInfo): string {
  // A generated column's "default" is its generation expression.
  const value = c.default === null ? '' : c.generated ? ` GENERATED ALWAYS AS (${c.default}) STORED` : ` DEFAULT ${c.default}`;
  const options = sequence
    ? ` (SEQUENCE NAME ${tableRef(sequence.schema, sequence.sequence)} INCREMENT BY ${sequence.increment} MINVALUE ${sequence.minValue} MAXVALUE ${sequence.maxValue}${startClause(sequence)}${sequence.cycle ? ' CYCLE' : ''})`
    : '';
  const identity = c.identity ? ` GENERATED ${identityKind(c)} AS IDENTITY${options}` : '';
  return `${col(c.name)} ${c.type}${collate(c)}${value}${identity}${c.notNull ? ' NOT NULL' : ''}`;
}

const identityKind = (c: CatalogColumn) => (c.identityAlways ? 'ALWAYS' : 'BY DEFAULT');

/** An identity column's kind set to the primary's: ALWAYS or BY DEFAULT (the sequence and its position stay). */
export const identityKindSql = (t: Named, c: CatalogColumn) => `ALTER TABLE ${ref(t)} ALTER COLUMN ${col(c.name)} SET GENERATED ${identityKind(c)};`;

/**
 * A column made an identity, or a plain column again, in place: dropping and adding it (what a generated
 * column's change does) would renumber every row and every reference to it. Its sequence goes on from
 * where the old one was (a shard's ids come from its own block: max(id) + 1 could hand out another
 * shard's ids). `from` is the column as it is here, `to` as it is on the primary.
 */
export function identityConversionSql(t: Named, from: CatalogColumn, to: CatalogColumn): string {
  const table = quoteLiteral(ref(t));
  const name = quoteLiteral(from.name);
  const next = `EXECUTE format('SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM %s', seq) INTO next;`;
  const body = to.identity
    ? [
        // A plain column without a sequence of its own: its ids go on after the highest there.
        `IF seq IS NULL THEN EXECUTE format('SELECT coalesce(max(%I), 0) + 1 FROM %s', ${name}, ${table}) INTO next;`,
        `ELSE ${next} END IF;`,
        `ALTER TABLE ${ref(t)} ALTER COLUMN ${col(from.name)} DROP DEFAULT;`,
        `IF seq IS NOT NULL THEN EXECUTE format('DROP SEQUENCE %s', seq); END IF;`,
        // An identity is NOT NULL: PostgreSQL refuses to make a nullable column one.
        `ALTER TABLE ${ref(t)} ALTER COLUMN ${col(from.name)} SET NOT NULL;`,
        `ALTER TABLE ${ref(t)} ALTER COLUMN ${col(from.name)} ADD GENERATED ${identityKind(to)} AS IDENTITY;`,
        `PERFORM setval(pg_get_serial_sequence(${table}, ${name}), next, false);`,
      ]
    : [next, ...plainAgain(t, from, to)];
  return [
    'DO $fix$',
    'DECLARE',
    `  seq text := pg_get_serial_sequence(${table}, ${name});`,
    '  next bigint;',
    'BEGIN',
    ...body.map((line) => `  ${line}`),
    'END',
    '$fix$;',
  ].join('\n');
}

/** An identity column back to a plain one whose default is the primary's (a serial's nextval: its sequence made again under the name that default reads). */
function plainAgain(t: Named, from: CatalogColumn, to: CatalogColumn): string[] {
  const sequence = /^nextval\('((?:[^']|'')+)'::regclass\)$/.exec(to.default ?? '')?.[1]?.replace(/''/g, "'");
  const lines = [`ALTER TABLE ${ref(t)} ALTER COLUMN ${col(from.name)} DROP IDENTITY;`];
  if (sequence) {
    // IF NOT EXISTS: the sequence's own drift item may make it first, when the identity's had another name.
    lines.push(`CREATE SEQUENCE IF NOT EXISTS ${sequence} AS ${from.type};`);
    lines.push(`ALTER SEQUENCE ${sequence} OWNED BY ${ref(t)}.${col(from.name)};`);
    lines.push(`PERFORM setval(${quoteLiteral(sequence)}, next, false);`);
  }
  lines.push(
    to.default === null ? `-- the primary's column has no default` : `ALTER TABLE ${ref(t)} ALTER COLUMN ${col(from.name)} SET DEFAULT ${to.default};`,
  );
  return lines;
}

const collate = (c: CatalogColumn) => (c.collation ? ` COLLATE ${c.collation}` : '');

/** The column's collation set to the primary's (its type's default when the primary has none). */
export const collationSql = (t: Named, c: CatalogColumn) =>
  `ALTER TABLE ${ref(t)} ALTER COLUMN ${col(c.name)} TYPE ${c.type} COLLATE ${c.collation ?? '"default"'};`;

export function addColumnSql(t: Named, c: CatalogColumn): string {
  const warning = c.notNull && c.default === null ? ' -- NOT NULL without a default fails on a table with rows: backfill first' : '';
  return `ALTER TABLE ${ref(t)} ADD COLUMN ${columnDefinition(c)};${warning}`;
}
export const dropColumnSql = (t: Named, name: string) => `ALTER TABLE ${ref(t)} DROP COLUMN ${col(name)}; -- drops the column's data on this database`;
/** Length-limited string and bit types: an explicit cast to one cuts a longer value short without a word. */
const CUT_BY_CAST = /^(character varying|character|bit varying|bit)\(\d+\)(\[\])*$/;

/**
 * The column changed to the primary's type. USING an explicit cast where the values need one; none where
 * the new type is length-limited (`character varying(255)`): PostgreSQL's own conversion then refuses a
 * value too long, where the cast would silently cut it.
 */
export function columnTypeSql(t: Named, c: CatalogColumn): string {
  const change = `ALTER TABLE ${ref(t)} ALTER COLUMN ${col(c.name)} TYPE ${c.type}${collate(c)}`;
  if (CUT_BY_CAST.test(c.type)) return `${change}; -- refused if a value is longer: shorten those rows first, never cut them by a cast`;
  return `${change} USING ${col(c.name)}::${c.type};`;
}

/** A generated column made a plain one, keeping the values it holds (PostgreSQL 13 and later). */
export const dropExpressionSql = (t: Named, c: CatalogColumn) => `ALTER TABLE ${ref(t)} ALTER COLUMN ${col(c.name)} DROP EXPRESSION;`;
export const nullabilitySql = (t: Named, c: CatalogColumn) =>
  `ALTER TABLE ${ref(t)} ALTER COLUMN ${col(c.name)} ${c.notNull ? 'SET NOT NULL' : 'DROP NOT NULL'};`;
export function defaultSql(t: Named, c: CatalogColumn): string {
  const change = c.default === null ? 'DROP DEFAULT' : `SET DEFAULT ${c.default}`;
  return `ALTER TABLE ${ref(t)} ALTER COLUMN ${col(c.name)} ${change};`;
}

/**
 * The index as the primary has it. A partitioned table's index prints as `ON ONLY parent` (the parent's
 * alone, INVALID until each partition's index is attached): built `ON parent` instead, on every partition.
 */
export const createIndexSql = (i: CatalogIndex) => `${i.definition.replace(/^(CREATE (?:UNIQUE )?INDEX .*? ON )ONLY /, '$1')};`;
export const dropIndexSql = (schema: string, name: string) => `DROP INDEX ${tableRef(schema, name)};`;

/**
 * An index fix for a table in use: built and dropped CONCURRENTLY, so the application's writes go on
 * meanwhile (a plain build blocks them for as long as it takes). Each is a statement of its own, outside
 * any transaction; a build that fails leaves an INVALID index to drop before running it again. Not on a
 * partitioned table's parent, which PostgreSQL builds only plainly.
 */
export function createIndexConcurrentlySql(i: CatalogIndex): string {
  return `${i.definition.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX CONCURRENTLY ')}; -- outside a transaction; if it fails, drop the INVALID index it leaves and run it again`;
}
export const dropIndexConcurrentlySql = (schema: string, name: string) => `DROP INDEX CONCURRENTLY ${tableRef(schema, name)};`;

export const addConstraintSql = (t: Named, k: CatalogConstraint) => `ALTER TABLE ${ref(t)} ADD CONSTRAINT ${quoteIdent(k.name)} ${k.definition};`;
export const dropConstraintSql = (t: Named, name: string) => `ALTER TABLE ${ref(t)} DROP CONSTRAINT ${quoteIdent(name)};`;

/**
 * The whole table as the primary has it: its serial sequences (the column defaults name them), the
 * columns, the constraints, the other indexes, and last the sequences' ownership (needs the table).
 * Constraints named in `leftOut` (foreign keys into global tables this database does not have) are
 * not created: they could not be, and their absence is the expected layout.
 */
export function createTableSql(
  t: CatalogTable,
  constraintIndexes: ReadonlySet<string>,
  ownedSequences: readonly SequenceInfo[],
  leftOut: ReadonlySet<string> = new Set(),
): string {
  // An identity column creates its sequence itself (a CREATE SEQUENCE first would leave it a second one).
  const identitySequence = (c: CatalogColumn) => (c.identity ? ownedSequences.find((s) => s.ownerColumn === c.name) : undefined);
  const columns = [...t.columns].sort((a, b) => a.position - b.position).map((c) => `  ${columnDefinition(c, identitySequence(c))}`);
  const identityColumns = new Set(t.columns.filter((c) => c.identity).map((c) => c.name));
  const serials = ownedSequences.filter((s) => s.ownerColumn === null || !identityColumns.has(s.ownerColumn));
  const lines = serials.map((s) => createSequenceSql({ ...s, ownerTable: null }));
  lines.push(`CREATE TABLE ${ref(t)} (\n${columns.join(',\n')}\n)${t.partitionKey ? ` PARTITION BY ${t.partitionKey}` : ''};`);
  // Foreign keys last among constraints: they may point at tables created by later statements.
  const constraints = [...t.constraints].filter((k) => !leftOut.has(k.name)).sort((a, b) => Number(a.type === 'f') - Number(b.type === 'f'));
  for (const k of constraints) lines.push(addConstraintSql(t, k));
  if (leftOut.size) lines.push(`-- not created: ${[...leftOut].join(', ')} (foreign keys into global tables this database does not have)`);
  for (const i of t.indexes) if (!constraintIndexes.has(i.name)) lines.push(createIndexSql(i));
  for (const s of serials) lines.push(...createSequenceSql(s).split('\n').slice(1));
  return lines.join('\n');
}

export const dropTableSql = (t: Named) => `DROP TABLE ${ref(t)}; -- only once you are sure no website's rows live in it`;

/** `AS type INCREMENT BY n MINVALUE a MAXVALUE b`, as both CREATE and ALTER SEQUENCE take them. */
function sequenceOptions(s: SequenceInfo): string {
  return `AS ${s.type} INCREMENT BY ${s.increment} MINVALUE ${s.minValue} MAXVALUE ${s.maxValue}`;
}

const createSequenceLine = (s: SequenceInfo) =>
  `CREATE SEQUENCE ${tableRef(s.schema, s.sequence)} ${sequenceOptions(s)}${startClause(s)}${s.cycle ? ' CYCLE' : ''};`;

export function createSequenceSql(s: SequenceInfo): string {
  const owned = ownedBySql(s);
  return [createSequenceLine(s), ...(owned ? [owned] : [])].join('\n');
}

/** The sequence tied to the column that owns it on the primary (dropped with it); null for a free-standing one. */
function ownedBySql(s: SequenceInfo): string | null {
  if (s.ownerSchema === null || s.ownerTable === null || s.ownerColumn === null) return null;
  const owner = s.ownerTable.includes('.') ? s.ownerTable.slice(s.ownerTable.indexOf('.') + 1) : s.ownerTable;
  return `ALTER SEQUENCE ${tableRef(s.schema, s.sequence)} OWNED BY ${tableRef(s.ownerSchema, owner)}.${col(s.ownerColumn)};`;
}

/**
 * A missing column with the sequence it owns on the primary: a serial's sequence made first (its default
 * reads it), tied to the column once the column is there; an identity's named and shaped as the primary's.
 */
export function addOwningColumnSql(t: Named, c: CatalogColumn, sequence: SequenceInfo): string {
  if (c.identity) return `ALTER TABLE ${ref(t)} ADD COLUMN ${columnDefinition(c, sequence)};`;
  return [createSequenceLine(sequence), addColumnSql(t, c), ownedBySql(sequence)].filter((line) => line !== null).join('\n');
}

export const alterSequenceSql = (s: SequenceInfo) =>
  `ALTER SEQUENCE ${tableRef(s.schema, s.sequence)} ${sequenceOptions(s)} ${s.cycle ? 'CYCLE' : 'NO CYCLE'};`;
export const dropSequenceSql = (s: Pick<SequenceInfo, 'schema' | 'sequence'>) => `DROP SEQUENCE ${tableRef(s.schema, s.sequence)};`;

export function createViewSql(v: CatalogView): string {
  const body = v.definition.trim().replace(/;$/, '');
  const lines = [`CREATE ${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${tableRef(v.schema, v.table)} AS\n${body};`];
  for (const i of v.indexes) lines.push(createIndexSql(i));
  return lines.join('\n');
}

export const dropViewSql = (v: Pick<CatalogView, 'schema' | 'table' | 'materialized'>) =>
  `DROP ${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${tableRef(v.schema, v.table)};`;
