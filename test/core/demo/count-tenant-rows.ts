import type pg from 'pg';

/*
 * Rows one website owns in one database, per tenant table, following the FK chains for the tables
 * that carry no tenant column. Test-only: the console's own engines discover these chains.
 */

const CHAINS: Record<string, { parent: string; fk: string }> = {
  pwb_sale_listings: { parent: 'pwb_realty_assets', fk: 'realty_asset_id' },
  pwb_rental_listings: { parent: 'pwb_realty_assets', fk: 'realty_asset_id' },
  pwb_prop_photos: { parent: 'pwb_realty_assets', fk: 'realty_asset_id' },
  pwb_features: { parent: 'pwb_realty_assets', fk: 'realty_asset_id' },
  pwb_ticket_messages: { parent: 'pwb_support_tickets', fk: 'support_ticket_id' },
  pwb_search_alerts: { parent: 'pwb_saved_searches', fk: 'saved_search_id' },
};

export const TENANT_KEYED_TABLES: Record<string, string> = {
  pwb_pages: 'website_id',
  pwb_page_parts: 'website_id',
  pwb_contents: 'website_id',
  pwb_links: 'website_id',
  pwb_field_keys: 'pwb_website_id',
  pwb_contacts: 'website_id',
  pwb_messages: 'website_id',
  pwb_realty_assets: 'website_id',
  pwb_media_folders: 'website_id',
  pwb_media: 'website_id',
  pwb_support_tickets: 'website_id',
  pwb_saved_searches: 'website_id',
  pwb_website_integrations: 'website_id',
};

export const ALL_TENANT_TABLES = [...Object.keys(TENANT_KEYED_TABLES), ...Object.keys(CHAINS)].sort();

export async function countTenantRows(db: pg.Pool | pg.ClientBase, websiteIds: number[]): Promise<Map<number, Record<string, number>>> {
  const parts = ALL_TENANT_TABLES.map((table) => {
    const chain = CHAINS[table];
    if (chain) {
      return `SELECT '${table}' AS t, p.website_id::int AS w, count(*)::int AS n FROM ${table} c
              JOIN ${chain.parent} p ON p.id = c.${chain.fk} WHERE p.website_id = ANY($1) GROUP BY 2`;
    }
    const key = TENANT_KEYED_TABLES[table];
    return `SELECT '${table}' AS t, ${key}::int AS w, count(*)::int AS n FROM ${table} WHERE ${key} = ANY($1) GROUP BY 2`;
  });
  const result = await db.query<{ t: string; w: number; n: number }>(parts.join('\nUNION ALL\n'), [websiteIds]);
  const counts = new Map<number, Record<string, number>>(websiteIds.map((id) => [id, Object.fromEntries(ALL_TENANT_TABLES.map((t) => [t, 0]))]));
  for (const row of result.rows) {
    const entry = counts.get(row.w);
    if (entry) entry[row.t] = row.n;
  }
  return counts;
}

export function totalRows(counts: Record<string, number> | undefined): number {
  return Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
}
