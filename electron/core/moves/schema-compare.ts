import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { controlPlaneKeysAbsentOn } from '../catalog/foreign-key-kinds.ts';

export interface SchemaDifference {
  readonly table: string;
  readonly message: string;
}

function columnsOf(catalog: DatabaseCatalog, table: string): Map<string, string> {
  const t = catalog.tables.get(table);
  return new Map((t?.columns ?? []).map((c) => [c.name, `${c.type}${c.notNull ? ' NOT NULL' : ''}${c.generated ? ' GENERATED' : ''}`]));
}

/**
 * By definition, not by name: databases built from schema.rb and from migrations name constraints
 * differently. Foreign keys into a global table the other database does not have are left out: that is
 * PWB's layout (the control plane lives on the primary), and the preflight checks the rows they
 * reference on the target instead.
 */
function constraintsOf(catalog: DatabaseCatalog, table: string, other: DatabaseCatalog): Set<string> {
  const t = catalog.tables.get(table);
  if (!t) return new Set();
  const setAside = controlPlaneKeysAbsentOn(catalog, t, other);
  return new Set(t.constraints.filter((k) => !(k.type === 'f' && setAside.has(k.name))).map((k) => `${k.type}: ${k.definition}`));
}

/**
 * Differences between the tenant tables of two databases that would make a copy unsafe: missing tables,
 * columns, types, nullability, constraints. Column order is not a difference: moves copy by name.
 */
export function compareTenantSchemas(source: DatabaseCatalog, target: DatabaseCatalog): SchemaDifference[] {
  const names = new Set([...source.tenantTables.keys(), ...target.tenantTables.keys()]);
  return [...names].sort().flatMap((table) => tableDifferences(source, target, table).map((message) => ({ table, message })));
}

function tableDifferences(source: DatabaseCatalog, target: DatabaseCatalog, table: string): string[] {
  if (!target.tables.has(table)) return [`${table} exists on ${source.database} but not on ${target.database}`];
  if (!source.tables.has(table)) return [`${table} exists on ${target.database} but not on ${source.database}`];
  const differences: string[] = [];
  const sourceColumns = columnsOf(source, table);
  const targetColumns = columnsOf(target, table);
  for (const [column, type] of sourceColumns) {
    const other = targetColumns.get(column);
    if (other === undefined) differences.push(`${table}.${column} is missing on ${target.database}`);
    else if (other !== type) differences.push(`${table}.${column} is ${type} on ${source.database} but ${other} on ${target.database}`);
  }
  for (const column of targetColumns.keys()) if (!sourceColumns.has(column)) differences.push(`${table}.${column} exists on ${target.database} only`);
  const sourceConstraints = constraintsOf(source, table, target);
  const targetConstraints = constraintsOf(target, table, source);
  for (const k of sourceConstraints) if (!targetConstraints.has(k)) differences.push(`${table} has constraint "${k}" on ${source.database} only`);
  for (const k of targetConstraints) if (!sourceConstraints.has(k)) differences.push(`${table} has constraint "${k}" on ${target.database} only`);
  return differences;
}
