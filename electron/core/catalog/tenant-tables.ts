import type { CatalogTable, FkStep, TenantTable } from './database-catalog.ts';

export interface ClassifyOptions {
  readonly tenantKeys: readonly string[];
  readonly globalTables: readonly string[];
}

export interface Classification {
  readonly tenantTables: ReadonlyMap<string, TenantTable>;
  readonly globalTables: readonly string[];
  readonly unscopedTables: readonly string[];
}

function isGlobal(table: CatalogTable, globalTables: readonly string[]): boolean {
  return globalTables.includes(table.name) || (table.schema === 'public' && globalTables.includes(table.table));
}

/**
 * Splits tables into tenant, global and unscoped. A tenant table carries a tenant key column itself, or
 * reaches one through a chain of foreign keys (listings -> realty assets); the shortest chain wins, so
 * breadth-first by chain length. Global tables stay global even when they carry a tenant key: PWB keeps
 * them on the primary and a move must never touch them.
 */
export function classifyTables(tables: readonly CatalogTable[], options: ClassifyOptions): Classification {
  const tenant = new Map<string, TenantTable>();
  const globals: string[] = [];
  const pending: CatalogTable[] = [];
  for (const table of tables) {
    if (isGlobal(table, options.globalTables)) {
      globals.push(table.name);
      continue;
    }
    const key = options.tenantKeys.find((k) => table.columns.some((c) => c.name === k));
    if (key) tenant.set(table.name, { table: table.name, root: table.name, tenantKey: key, chain: [] });
    else pending.push(table);
  }
  let frontier = pending;
  for (;;) {
    const found: TenantTable[] = [];
    const rest: CatalogTable[] = [];
    for (const table of frontier) {
      const fks = [...table.foreignKeys].sort((a, b) => a.name.localeCompare(b.name));
      const via = fks.find((fk) => fk.refTable !== table.name && tenant.has(fk.refTable));
      if (!via) {
        rest.push(table);
        continue;
      }
      const parent = tenant.get(via.refTable)!;
      const step: FkStep = { table: table.name, columns: via.columns, refTable: via.refTable, refColumns: via.refColumns };
      found.push({ table: table.name, root: parent.root, tenantKey: parent.tenantKey, chain: [step, ...parent.chain] });
    }
    // Add a whole level at once so a table found at depth n never shadows a shorter chain found in the same pass.
    for (const t of found) tenant.set(t.table, t);
    if (found.length === 0) return { tenantTables: tenant, globalTables: globals.sort(), unscopedTables: rest.map((t) => t.name).sort() };
    frontier = rest;
  }
}

/** A readable description of how a table reaches its website, e.g. `realty_asset_id -> pwb_realty_assets.website_id`. */
export function describeTenantPath(t: TenantTable): string {
  if (t.chain.length === 0) return t.tenantKey;
  return `${t.chain.map((s) => `${s.columns.join(', ')} -> ${s.refTable}`).join(' -> ')}.${t.tenantKey}`;
}
