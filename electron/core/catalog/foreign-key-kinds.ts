import type { CatalogForeignKey, CatalogTable, DatabaseCatalog, TenantTable } from './database-catalog.ts';

/**
 * What a foreign key of a tenant table is to every engine (copy, verification, cleanup, schema
 * comparison, lint). Decided here and nowhere else.
 * - `chain`: the step that ties a child to the tenant parent it belongs to (listings -> realty assets);
 * - `tenant`: another reference between tenant tables (messages -> contacts, a folder -> its parent):
 *   ordering for the copy and the cleanup, checked set-based on the target;
 * - `control-plane`: into a global table (pwb_websites, pwb_users). Never followed, never copied; it
 *   exists only where the global table does (the primary, a `schema:load` shard), so it is the expected
 *   layout, not drift, where that table is absent; a move onto a database that has it checks the rows it
 *   references are there;
 * - `other`: into a table that is neither tenant nor global (a lookup table every database carries).
 */
export type ForeignKeyKind = 'chain' | 'tenant' | 'control-plane' | 'other';

type Classified = Pick<DatabaseCatalog, 'tenantTables' | 'globalTables'>;

function isChainStep(tenant: TenantTable | undefined, fk: CatalogForeignKey): boolean {
  const step = tenant?.chain[0];
  return step !== undefined && step.refTable === fk.refTable && step.columns.join('\u0000') === fk.columns.join('\u0000');
}

export function foreignKeyKind(catalog: Classified, table: string, fk: CatalogForeignKey): ForeignKeyKind {
  if (isChainStep(catalog.tenantTables.get(table), fk)) return 'chain';
  if (catalog.tenantTables.has(fk.refTable)) return 'tenant';
  if (catalog.globalTables.includes(fk.refTable)) return 'control-plane';
  return 'other';
}

/** The foreign keys of a table that reach into the control plane. */
export function controlPlaneReferences(catalog: Classified, table: Pick<CatalogTable, 'name' | 'foreignKeys'>): CatalogForeignKey[] {
  return table.foreignKeys.filter((fk) => foreignKeyKind(catalog, table.name, fk) === 'control-plane');
}

/**
 * The names of `table`'s foreign keys into a global table that `other` does not have: the layout where
 * the control plane lives elsewhere (PWB's tenant-only shards). They cannot exist on `other`, so no
 * comparison counts their absence (or their presence here) as a difference.
 */
export function controlPlaneKeysAbsentOn(
  catalog: Classified,
  table: Pick<CatalogTable, 'name' | 'foreignKeys'>,
  other: Pick<DatabaseCatalog, 'tables'>,
): Set<string> {
  return new Set(
    controlPlaneReferences(catalog, table)
      .filter((fk) => !other.tables.has(fk.refTable))
      .map((fk) => fk.name),
  );
}

/** Tenant tables among a table's references: the parents its rows need on a database before they arrive. */
export function referencesTenantTable(catalog: Classified, table: string, fk: CatalogForeignKey): boolean {
  const kind = foreignKeyKind(catalog, table, fk);
  return kind === 'chain' || kind === 'tenant';
}
