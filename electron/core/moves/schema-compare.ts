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
  const out: SchemaDifference[] = [];
  const names = new Set([...source.tenantTables.keys(), ...target.tenantTables.keys()]);
  for (const table of [...names].sort()) {
    if (!target.tables.has(table)) {
      out.push({ table, message: `${table} exists on ${source.database} but not on ${target.database}` });
      continue;
    }
    if (!source.tables.has(table)) {
      out.push({ table, message: `${table} exists on ${target.database} but not on ${source.database}` });
      continue;
    }
    const a = columnsOf(source, table);
    const b = columnsOf(target, table);
    for (const [column, type] of a) {
      const other = b.get(column);
      if (other === undefined) out.push({ table, message: `${table}.${column} is missing on ${target.database}` });
      else if (other !== type) out.push({ table, message: `${table}.${column} is ${type} on ${source.database} but ${other} on ${target.database}` });
    }
    for (const column of b.keys()) if (!a.has(column)) out.push({ table, message: `${table}.${column} exists on ${target.database} only` });
    const ka = constraintsOf(source, table, target);
    const kb = constraintsOf(target, table, source);
    for (const k of ka) if (!kb.has(k)) out.push({ table, message: `${table} has constraint "${k}" on ${source.database} only` });
    for (const k of kb) if (!ka.has(k)) out.push({ table, message: `${table} has constraint "${k}" on ${target.database} only` });
  }
  return out;
}
