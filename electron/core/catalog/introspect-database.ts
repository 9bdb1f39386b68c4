import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import type { CatalogConstraint, CatalogIndex, CatalogTable, CatalogView } from './database-catalog.ts';
import { displayName } from './sql-identifiers.ts';

/** Schemas that never hold application tables: the system's and the console's own bookkeeping. */
export const CONSOLE_SCHEMA = 'shard_console';
const excludedSchemas = `('pg_catalog', 'information_schema', '${CONSOLE_SCHEMA}')`;

const relationsSql = `
SELECT c.oid::int8::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
       greatest(c.reltuples, 0)::int8::text AS estimate,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS definition
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
  AND n.nspname NOT IN ${excludedSchemas} AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY n.nspname, c.relname`;

const columnsSql = `
SELECT a.attrelid::int8::text AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default, a.attnum AS position,
       a.attgenerated <> '' AS generated, a.attidentity <> '' AS identity
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')
  AND n.nspname NOT IN ${excludedSchemas} AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY a.attrelid, a.attnum`;

const constraintsSql = `
SELECT k.conrelid::int8::text AS oid, k.conname AS name, k.contype AS type, pg_get_constraintdef(k.oid, true) AS definition,
       (SELECT array_agg(a.attname::text ORDER BY u.ord) FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num) AS columns,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       (SELECT array_agg(a.attname::text ORDER BY u.ord) FROM unnest(k.confkey) WITH ORDINALITY u(num, ord)
          JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num) AS ref_columns
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = k.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE k.contype IN ('p', 'u', 'f', 'c', 'x') AND n.nspname NOT IN ${excludedSchemas} AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY k.conrelid, k.conname`;

const indexesSql = `
SELECT i.indrelid::int8::text AS oid, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition, i.indisunique AS unique,
       (SELECT array_agg(coalesce(a.attname::text, '(expression)') ORDER BY u.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(num, ord)
          LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.num) AS columns,
       pg_get_expr(i.indpred, i.indrelid) AS predicate
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ${excludedSchemas} AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY i.indrelid, ic.relname`;

interface Relation {
  oid: string;
  schema: string;
  name: string;
  kind: string;
  estimate: string;
  definition: string | null;
}

function groupBy<T extends { oid: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.oid);
    if (list) list.push(row);
    else map.set(row.oid, [row]);
  }
  return map;
}

/** Reads tables, columns, keys, constraints, indexes and views of one database in four catalog queries. */
export async function introspectDatabase(handle: DatabaseHandle): Promise<{ tables: CatalogTable[]; views: CatalogView[] }> {
  const [relations, columns, constraints, indexes] = await Promise.all([
    handle.query<Relation>(relationsSql),
    handle.query(columnsSql),
    handle.query(constraintsSql),
    handle.query(indexesSql),
  ]);
  const columnsByOid = groupBy(columns.rows);
  const constraintsByOid = groupBy(constraints.rows);
  const indexesByOid = groupBy(indexes.rows);
  const tables: CatalogTable[] = [];
  const views: CatalogView[] = [];
  for (const rel of relations.rows) {
    const relIndexes: CatalogIndex[] = (indexesByOid.get(rel.oid) ?? []).map((i) => ({
      name: i.name,
      definition: i.definition,
      unique: i.unique,
      columns: i.columns ?? [],
      predicate: i.predicate,
    }));
    const name = displayName(rel.schema, rel.name);
    if (rel.kind === 'v' || rel.kind === 'm') {
      views.push({ name, schema: rel.schema, table: rel.name, materialized: rel.kind === 'm', definition: rel.definition ?? '', indexes: relIndexes });
      continue;
    }
    const relConstraints = constraintsByOid.get(rel.oid) ?? [];
    const pk = relConstraints.find((k) => k.type === 'p');
    tables.push({
      name,
      schema: rel.schema,
      table: rel.name,
      columns: (columnsByOid.get(rel.oid) ?? []).map((c) => ({
        name: c.name,
        type: c.type,
        notNull: c.not_null,
        default: c.default,
        position: c.position,
        generated: c.generated,
        identity: c.identity,
      })),
      primaryKey: pk?.columns ?? [],
      foreignKeys: relConstraints
        .filter((k) => k.type === 'f')
        .map((k) => ({ name: k.name, columns: k.columns, refTable: displayName(k.ref_schema, k.ref_table), refColumns: k.ref_columns })),
      constraints: relConstraints.map((k): CatalogConstraint => ({ name: k.name, type: k.type, definition: k.definition })),
      indexes: relIndexes,
      rowEstimate: Number(rel.estimate),
      partitioned: rel.kind === 'p',
    });
  }
  return { tables, views };
}
