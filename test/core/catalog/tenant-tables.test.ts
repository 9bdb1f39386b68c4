import { describe, expect, it } from 'vitest';
import type { CatalogTable } from '../../../electron/core/catalog/database-catalog.ts';
import { classifyTables, describeTenantPath } from '../../../electron/core/catalog/tenant-tables.ts';
import { tenantRowsQuery } from '../../../electron/core/catalog/tenant-row-filter.ts';
import { quoteIdent } from '../../../electron/core/catalog/sql-identifiers.ts';

function table(name: string, columns: string[], fks: Array<[string, string[], string, string[]]> = []): CatalogTable {
  const [schema, bare] = name.includes('.') ? name.split('.') : ['public', name];
  return {
    name,
    schema: schema!,
    table: bare!,
    columns: columns.map((c, i) => ({ name: c, type: 'bigint', notNull: false, default: null, position: i + 1, generated: false, identity: false })),
    primaryKey: ['id'],
    foreignKeys: fks.map(([n, cols, ref, refCols]) => ({ name: n, columns: cols, refTable: ref, refColumns: refCols })),
    constraints: [],
    indexes: [],
    rowEstimate: 0,
    partitioned: false,
  };
}

const tables = [
  table('pwb_websites', ['id', 'shard_name']),
  table('pwb_users', ['id', 'website_id']),
  table('pwb_realty_assets', ['id', 'website_id']),
  table('pwb_sale_listings', ['id', 'realty_asset_id'], [['fk_sale', ['realty_asset_id'], 'pwb_realty_assets', ['id']]]),
  table('pwb_listing_notes', ['id', 'listing_id'], [['fk_note', ['listing_id'], 'pwb_sale_listings', ['id']]]),
  table('pwb_field_keys', ['id', 'pwb_website_id']),
  table('pwb_media_folders', ['id', 'website_id', 'parent_id'], [['fk_parent', ['parent_id'], 'pwb_media_folders', ['id']]]),
  table('pwb_orphan_folders', ['id', 'parent_id'], [['fk_self', ['parent_id'], 'pwb_orphan_folders', ['id']]]),
  table('schema_migrations', ['version']),
];

describe('classifyTables', () => {
  const result = classifyTables(tables, { tenantKeys: ['website_id', 'pwb_website_id'], globalTables: ['pwb_websites', 'pwb_users'] });

  it('keeps documented global tables global even when they carry website_id', () => {
    expect(result.globalTables).toEqual(['pwb_users', 'pwb_websites']);
    expect(result.tenantTables.has('pwb_users')).toBe(false);
  });

  it('finds tenant tables by key column and by FK chains of any depth', () => {
    expect([...result.tenantTables.keys()].sort()).toEqual([
      'pwb_field_keys',
      'pwb_listing_notes',
      'pwb_media_folders',
      'pwb_realty_assets',
      'pwb_sale_listings',
    ]);
    const notes = result.tenantTables.get('pwb_listing_notes')!;
    expect(notes.root).toBe('pwb_realty_assets');
    expect(notes.chain.map((s) => s.refTable)).toEqual(['pwb_sale_listings', 'pwb_realty_assets']);
    expect(describeTenantPath(notes)).toBe('listing_id -> pwb_sale_listings -> realty_asset_id -> pwb_realty_assets.website_id');
    expect(result.tenantTables.get('pwb_field_keys')!.tenantKey).toBe('pwb_website_id');
  });

  it('does not treat a self-reference as a path to a tenant', () => {
    expect(result.unscopedTables).toEqual(['pwb_orphan_folders', 'schema_migrations']);
  });

  it('builds membership SQL through the chain with every identifier quoted', () => {
    const byName = new Map(tables.map((t) => [t.name, t]));
    const sql = tenantRowsQuery(result.tenantTables.get('pwb_listing_notes')!, byName, 'count(*)');
    expect(sql).toBe(
      'SELECT count(*) FROM ONLY "public"."pwb_listing_notes" t WHERE t."listing_id" IN (SELECT p0."id" FROM "public"."pwb_sale_listings" p0 WHERE p0."realty_asset_id" IN (SELECT p1."id" FROM "public"."pwb_realty_assets" p1 WHERE p1."website_id" = $1))',
    );
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
  });
});
