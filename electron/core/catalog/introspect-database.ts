import { expressionBuilder, sql, type Expression, type JoinBuilder, type SqlBool } from 'kysely';
import { RESTORE_MARK } from '../console-schema/console-database.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import type { CatalogConstraint, CatalogIndex, CatalogTable, CatalogView } from './database-catalog.ts';
import { CATALOG_SEARCH_PATH, readPinnedCatalog } from './pinned-catalog-session.ts';
import { runQuery, type Queryable } from './run-query.ts';
import { displayName } from './sql-identifiers.ts';
import { isApplicationSchema, systemCatalog, type PgAttribute, type SystemCatalog } from './system-catalog.ts';

// Restore and backups import the console schema's name from here.
export { CONSOLE_SCHEMA } from '../console-schema/console-database.ts';

/**
 * Not a schema a side-by-side restore made (its comment carries the console's mark): its tables are
 * copies for looking at, no live tenant tables, so drift, moves, sizes and the doctor never see them.
 */
function notRestoreSchema(namespace: Expression<number>) {
  return sql<SqlBool>`coalesce(obj_description(${namespace}, 'pg_namespace'), '') NOT LIKE ${`${RESTORE_MARK}%`}`;
}

/** A namespace (its name and oid) holding live application tables: no system or console schema, no restore's. */
function isLiveApplicationNamespace(name: Expression<string>, oid: Expression<number>) {
  return expressionBuilder<SystemCatalog, never>().and([isApplicationSchema(name), notRestoreSchema(oid)]);
}

/** Tables, partitioned tables, views and materialized views: what the catalog describes. */
const RELATION_KINDS = ['r', 'p', 'v', 'm'];

/** `oid::int8::text`: an oid as a map key that survives JSON and never loses precision. */
function oidText(oid: Expression<number>) {
  return sql<string>`${oid}::int8::text`;
}

/**
 * The names of columns `attnums` of relation `relid`, in the order given (a key's or an index's);
 * with `expressions`, an index's expression columns (attnum 0) are named `(expression)`.
 */
function attributeNames(relid: Expression<number>, attnums: Expression<unknown>, expressions = false) {
  const positions = sql<{ num: number; ord: number }>`unnest(${attnums}) WITH ORDINALITY`.as<'u'>(sql`u(num, ord)`);
  const from = systemCatalog.selectFrom(positions);
  const sameColumn = (join: JoinBuilder<SystemCatalog & { u: { num: number; ord: number }; a: PgAttribute }, 'a' | 'u'>) =>
    join.on((eb) => eb('a.attrelid', '=', relid)).onRef('a.attnum', '=', 'u.num');
  const withAttributes = expressions ? from.leftJoin('pg_catalog.pg_attribute as a', sameColumn) : from.innerJoin('pg_catalog.pg_attribute as a', sameColumn);
  return withAttributes.select((eb) => {
    const name = eb.cast<string>('a.attname', 'text');
    const column = expressions ? eb.fn.coalesce(name, sql.lit('(expression)')) : name;
    return eb.fn.agg<string[] | null>('array_agg', [column]).orderBy('u.ord').as('names');
  });
}

function readRelations(on: Queryable) {
  const query = systemCatalog
    .selectFrom('pg_catalog.pg_class as c')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .select((eb) => [
      oidText(eb.ref('c.oid')).as('oid'),
      'n.nspname as schema',
      'c.relname as name',
      'c.relkind as kind',
      sql<string>`greatest(${eb.ref('c.reltuples')}, 0)::int8::text`.as('estimate'),
      eb
        .case()
        .when('c.relkind', 'in', ['v', 'm'])
        .then(eb.fn<string>('pg_get_viewdef', ['c.oid', eb.lit(true)]))
        .end()
        .as('definition'),
      eb
        .case()
        .when('c.relkind', '=', 'p')
        .then(eb.fn<string>('pg_get_partkeydef', ['c.oid']))
        .end()
        .as('partition_key'),
    ])
    .where('c.relkind', 'in', RELATION_KINDS)
    .where('c.relispartition', '=', false)
    .where((eb) => isLiveApplicationNamespace(eb.ref('n.nspname'), eb.ref('n.oid')))
    .orderBy('n.nspname')
    .orderBy('c.relname');
  return runQuery(on, query);
}

function readColumns(on: Queryable) {
  const query = systemCatalog
    .selectFrom('pg_catalog.pg_attribute as a')
    .innerJoin('pg_catalog.pg_class as c', 'c.oid', 'a.attrelid')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .leftJoin('pg_catalog.pg_attrdef as d', (join) => join.onRef('d.adrelid', '=', 'a.attrelid').onRef('d.adnum', '=', 'a.attnum'))
    .select((eb) => [
      oidText(eb.ref('a.attrelid')).as('oid'),
      'a.attname as name',
      eb.fn<string>('format_type', ['a.atttypid', 'a.atttypmod']).as('type'),
      'a.attnotnull as not_null',
      eb.fn<string | null>('pg_get_expr', ['d.adbin', 'd.adrelid']).as('default'),
      'a.attnum as position',
      eb('a.attgenerated', '<>', '').$castTo<boolean>().as('generated'),
      eb('a.attidentity', '<>', '').$castTo<boolean>().as('identity'),
      eb('a.attidentity', '=', 'a').$castTo<boolean>().as('identity_always'),
      sql<string | null>`(SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
          FROM pg_catalog.pg_collation co
          JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
          JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
         WHERE co.oid = a.attcollation AND a.attcollation <> ty.typcollation)`.as('collation'),
    ])
    .where('a.attnum', '>', 0)
    .where('a.attisdropped', '=', false)
    .where('c.relkind', 'in', RELATION_KINDS)
    .where((eb) => isLiveApplicationNamespace(eb.ref('n.nspname'), eb.ref('n.oid')))
    .orderBy('a.attrelid')
    .orderBy('a.attnum');
  return runQuery(on, query);
}

function readConstraints(on: Queryable) {
  const query = systemCatalog
    .selectFrom('pg_catalog.pg_constraint as k')
    .innerJoin('pg_catalog.pg_class as c', 'c.oid', 'k.conrelid')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .leftJoin('pg_catalog.pg_class as rc', 'rc.oid', 'k.confrelid')
    .leftJoin('pg_catalog.pg_namespace as rn', 'rn.oid', 'rc.relnamespace')
    .select((eb) => [
      oidText(eb.ref('k.conrelid')).as('oid'),
      'k.conname as name',
      'k.contype as type',
      eb.fn<string>('pg_get_constraintdef', ['k.oid', eb.lit(true)]).as('definition'),
      attributeNames(eb.ref('k.conrelid'), eb.ref('k.conkey')).as('columns'),
      'rn.nspname as ref_schema',
      'rc.relname as ref_table',
      attributeNames(eb.ref('k.confrelid'), eb.ref('k.confkey')).as('ref_columns'),
    ])
    .where('k.contype', 'in', ['p', 'u', 'f', 'c', 'x'])
    .where((eb) => isLiveApplicationNamespace(eb.ref('n.nspname'), eb.ref('n.oid')))
    .orderBy('k.conrelid')
    .orderBy('k.conname');
  return runQuery(on, query);
}

function readIndexes(on: Queryable) {
  const query = systemCatalog
    .selectFrom('pg_catalog.pg_index as i')
    .innerJoin('pg_catalog.pg_class as ic', 'ic.oid', 'i.indexrelid')
    .innerJoin('pg_catalog.pg_class as c', 'c.oid', 'i.indrelid')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .select((eb) => [
      oidText(eb.ref('i.indrelid')).as('oid'),
      'ic.relname as name',
      eb.fn<string>('pg_get_indexdef', ['i.indexrelid']).as('definition'),
      'i.indisunique as unique',
      'i.indisvalid as valid',
      attributeNames(eb.ref('i.indrelid'), eb.cast('i.indkey', sql`int2[]`), true).as('columns'),
      'i.indnkeyatts as key_columns',
      eb.fn<string | null>('pg_get_expr', ['i.indpred', 'i.indrelid']).as('predicate'),
    ])
    .where((eb) => isLiveApplicationNamespace(eb.ref('n.nspname'), eb.ref('n.oid')))
    .orderBy('i.indrelid')
    .orderBy('ic.relname');
  return runQuery(on, query);
}

function groupByOid<T extends { oid: string }>(rows: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.oid);
    if (list) list.push(row);
    else map.set(row.oid, [row]);
  }
  return map;
}

type Relation = Awaited<ReturnType<typeof readRelations>>[number];
type ColumnRow = Awaited<ReturnType<typeof readColumns>>[number];
type ConstraintRow = Awaited<ReturnType<typeof readConstraints>>[number];

function describeTable(rel: Relation, columns: readonly ColumnRow[], constraints: readonly ConstraintRow[], indexes: CatalogIndex[]): CatalogTable {
  const pk = constraints.find((k) => k.type === 'p');
  return {
    name: displayName(rel.schema, rel.name),
    schema: rel.schema,
    table: rel.name,
    columns: columns.map((c) => ({
      name: c.name,
      type: c.type,
      notNull: c.not_null,
      default: c.default,
      position: c.position,
      generated: c.generated,
      identity: c.identity,
      ...(c.identity_always ? { identityAlways: true } : {}),
      // Only where it is not the type's default, as a backup's columns (which leave it out) read.
      ...(c.collation ? { collation: c.collation } : {}),
    })),
    primaryKey: pk?.columns ?? [],
    foreignKeys: constraints
      .filter((k) => k.type === 'f')
      .map((k) => ({ name: k.name, columns: k.columns ?? [], refTable: displayName(k.ref_schema!, k.ref_table!), refColumns: k.ref_columns ?? [] })),
    constraints: constraints.map((k): CatalogConstraint => ({ name: k.name, type: k.type as CatalogConstraint['type'], definition: k.definition })),
    indexes,
    rowEstimate: Number(rel.estimate),
    partitioned: rel.kind === 'p',
    ...(rel.partition_key ? { partitionKey: rel.partition_key } : {}),
  };
}

/** Reads tables, columns, keys, constraints, indexes and views of one database in four catalog queries. */
export async function introspectDatabase(handle: DatabaseHandle): Promise<{ tables: CatalogTable[]; views: CatalogView[] }> {
  // One session, its search_path pinned: a database whose own differs prints the same definitions alike.
  // One statement at a time: a session runs them in turn anyway (pg refuses overlapping ones from pg@9).
  const [relations, columns, constraints, indexes] = await readPinnedCatalog(
    handle,
    CATALOG_SEARCH_PATH.names,
    async (client) => [await readRelations(client), await readColumns(client), await readConstraints(client), await readIndexes(client)] as const,
  );
  const columnsByOid = groupByOid(columns);
  const constraintsByOid = groupByOid(constraints);
  const indexesByOid = groupByOid(indexes);
  const tables: CatalogTable[] = [];
  const views: CatalogView[] = [];
  for (const rel of relations) {
    const relIndexes: CatalogIndex[] = (indexesByOid.get(rel.oid) ?? []).map((i) => ({
      name: i.name,
      definition: i.definition,
      unique: i.unique,
      columns: i.columns ?? [],
      keyColumns: i.key_columns,
      predicate: i.predicate,
      valid: i.valid,
    }));
    if (rel.kind === 'v' || rel.kind === 'm') {
      const name = displayName(rel.schema, rel.name);
      views.push({ name, schema: rel.schema, table: rel.name, materialized: rel.kind === 'm', definition: rel.definition ?? '', indexes: relIndexes });
    } else {
      tables.push(describeTable(rel, columnsByOid.get(rel.oid) ?? [], constraintsByOid.get(rel.oid) ?? [], relIndexes));
    }
  }
  return { tables, views };
}
