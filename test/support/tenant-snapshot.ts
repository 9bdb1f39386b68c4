import type { PrivateCluster } from './private-cluster.ts';

/*
 * Where every website's rows are and what they hold, computed with hand-written SQL independent of the
 * console's catalog: per database, table and website, a row count and an order-independent hash of each
 * row as key-sorted jsonb (column order does not matter).
 */

const owner: Record<string, string> = {
  pwb_pages: 't.website_id',
  pwb_page_parts: 't.website_id',
  pwb_contents: 't.website_id',
  pwb_links: 't.website_id',
  pwb_contacts: 't.website_id',
  pwb_messages: 't.website_id',
  pwb_realty_assets: 't.website_id',
  pwb_sale_listings: '(SELECT a.website_id FROM pwb_realty_assets a WHERE a.id = t.realty_asset_id)',
  pwb_rental_listings: '(SELECT a.website_id FROM pwb_realty_assets a WHERE a.id = t.realty_asset_id)',
  pwb_prop_photos: '(SELECT a.website_id FROM pwb_realty_assets a WHERE a.id = t.realty_asset_id)',
  pwb_features: '(SELECT a.website_id FROM pwb_realty_assets a WHERE a.id = t.realty_asset_id)',
  pwb_field_keys: 't.pwb_website_id',
  pwb_media_folders: 't.website_id',
  pwb_media: 't.website_id',
  pwb_support_tickets: 't.website_id',
  pwb_ticket_messages: '(SELECT s.website_id FROM pwb_support_tickets s WHERE s.id = t.support_ticket_id)',
  pwb_saved_searches: 't.website_id',
  pwb_search_alerts: '(SELECT s.website_id FROM pwb_saved_searches s WHERE s.id = t.saved_search_id)',
  pwb_website_integrations: 't.website_id',
};
export const TENANT_TABLES = Object.keys(owner);

/** website -> table -> { database, rows, hash } entries (one per database holding rows). */
export type TenantSnapshot = Map<number | null, Map<string, Array<{ database: string; rows: number; hash: string }>>>;

export async function tenantSnapshot(cluster: PrivateCluster): Promise<TenantSnapshot> {
  const out: TenantSnapshot = new Map();
  for (const server of cluster.cluster.servers) {
    const client = await cluster.client(server.name);
    try {
      for (const [table, expr] of Object.entries(owner)) {
        const r = await client.query<{ w: number | null; n: string; h: string }>(
          `SELECT (${expr})::int AS w, count(*)::text AS n, sum(hashtextextended(to_jsonb(t)::text, 7)::numeric)::text AS h FROM ${table} t GROUP BY 1`,
        );
        for (const row of r.rows) {
          const site = out.get(row.w) ?? new Map();
          out.set(row.w, site);
          const list = site.get(table) ?? [];
          site.set(table, list);
          list.push({ database: server.name, rows: Number(row.n), hash: row.h });
        }
      }
    } finally {
      await client.end();
    }
  }
  return out;
}

/** One website's rows: table -> { rows, hash }, asserting they sit on exactly one database, which is returned. */
export function websiteRows(snapshot: TenantSnapshot, websiteId: number): { databases: string[]; tables: Record<string, { rows: number; hash: string }> } {
  const site: Map<string, Array<{ database: string; rows: number; hash: string }>> = snapshot.get(websiteId) ?? new Map();
  const databases = new Set<string>();
  const tables: Record<string, { rows: number; hash: string }> = {};
  for (const [table, entries] of site) {
    for (const e of entries) databases.add(e.database);
    tables[table] = { rows: entries.reduce((a, e) => a + e.rows, 0), hash: entries.map((e) => e.hash).join('+') };
  }
  return { databases: [...databases].sort(), tables };
}

/** Every website but the given ones, with where its rows are: equal before and after means untouched. */
export function otherWebsites(snapshot: TenantSnapshot, except: readonly number[]): string {
  const lines: string[] = [];
  for (const [website, tables] of [...snapshot].sort((a, b) => (a[0] ?? -1) - (b[0] ?? -1))) {
    if (website !== null && except.includes(website)) continue;
    for (const [table, entries] of [...tables].sort())
      lines.push(
        `${website}:${table}:${entries
          .map((e) => `${e.database}/${e.rows}/${e.hash}`)
          .sort()
          .join(',')}`,
      );
  }
  return lines.join('\n');
}
