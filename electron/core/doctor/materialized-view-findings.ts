import type { Finding } from '../../../shared/contract.ts';
import { formatCount } from '../../../shared/format.ts';
import type { CatalogView, DatabaseCatalog } from '../catalog/database-catalog.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import type { ConsoleContext } from '../console-context.ts';
import { finding, fixLinks } from './doctor-finding.ts';

export interface LastMove {
  readonly jobId: string;
  readonly websiteId: number;
  readonly at: string;
  /** Whether the move recorded a refresh of this database's views after it. */
  readonly refreshed: boolean;
}

/**
 * The last move that touched a database (as source or target), from the move engine's job table, when
 * it exists. PostgreSQL keeps no "last refreshed" time for a materialized view, so this is the context
 * the finding gives; staleness itself is observed (see viewStaleness).
 */
export async function lastMovesTouching(ctx: ConsoleContext, databases: readonly string[]): Promise<Map<string, LastMove>> {
  const out = new Map<string, LastMove>();
  try {
    const primary = ctx.pools.primary();
    const exists = await primary.query<{ found: boolean }>(`SELECT to_regclass('shard_console.move_jobs') IS NOT NULL AS found`);
    if (!exists.rows[0]?.found) return out;
    const result = await primary.query<{ database: string; id: string; website_id: number; at: Date; refreshed: boolean }>(
      `SELECT DISTINCT ON (d.database) d.database, j.id::text, j.website_id, coalesce(j.finished_at, j.updated_at) AS at,
              (j.refreshed_at ? d.database) AS refreshed
         FROM unnest($1::text[]) AS d(database)
         JOIN shard_console.move_jobs j ON d.database IN (j.source, j.target)
        WHERE j.state IN ('succeeded', 'failed', 'running', 'rolled_back')
        ORDER BY d.database, coalesce(j.finished_at, j.updated_at) DESC`,
      [databases],
    );
    for (const r of result.rows) out.set(r.database, { jobId: r.id, websiteId: r.website_id, at: r.at.toISOString(), refreshed: r.refreshed });
  } catch {
    // The move engine's table is optional context: without it the observation alone decides.
  }
  return out;
}

export interface ViewStaleness {
  readonly view: string;
  readonly populated: boolean;
  /** Rows by which the stored contents differ from what the view's query returns now. */
  readonly differingRows: number;
  /** Websites whose row count differs, largest difference first (when the view has a tenant key). */
  readonly websites: { id: number; stored: number; current: number }[];
}

/**
 * Compares each materialized view's stored rows with what its defining query returns now, per tenant
 * key when the view carries one (pwb_properties has website_id), else in total. Any difference means
 * the view was not refreshed since its tables changed, which is what a move does on both ends.
 */
export async function viewStaleness(handle: DatabaseHandle, catalog: DatabaseCatalog, tenantKeys: readonly string[]): Promise<ViewStaleness[]> {
  const views = [...catalog.views.values()].filter((v) => v.materialized);
  return Promise.all(views.map((view) => oneView(handle, view, tenantKeys)));
}

async function oneView(handle: DatabaseHandle, view: CatalogView, tenantKeys: readonly string[]): Promise<ViewStaleness> {
  const populated = await handle.query<{ p: boolean }>(`SELECT relispopulated AS p FROM pg_class WHERE oid = $1::regclass`, [tableRef(view.schema, view.table)]);
  if (!populated.rows[0]?.p) return { view: view.name, populated: false, differingRows: 0, websites: [] };
  const definition = view.definition.trim().replace(/;\s*$/, '');
  const ref = tableRef(view.schema, view.table);
  const key = await handle.query<{ attname: string }>(
    `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname = ANY($2::text[]) ORDER BY attnum LIMIT 1`,
    [ref, tenantKeys],
  );
  const column = key.rows[0]?.attname;
  const k = column ? `coalesce(${quoteIdent(column)}::int8, -1)` : '0::int8';
  const result = await handle.query<{ k: string; stored: string; current: string }>(
    `WITH s AS (SELECT ${k} AS k, count(*) AS n FROM ${ref} GROUP BY 1),
          c AS (SELECT ${k} AS k, count(*) AS n FROM (${definition}) q GROUP BY 1)
     SELECT coalesce(s.k, c.k)::text AS k, coalesce(s.n, 0)::text AS stored, coalesce(c.n, 0)::text AS current
       FROM s FULL JOIN c ON s.k = c.k
      WHERE s.n IS DISTINCT FROM c.n`,
  );
  const websites = result.rows
    .map((r) => ({ id: Number(r.k), stored: Number(r.stored), current: Number(r.current) }))
    .sort((a, b) => Math.abs(b.current - b.stored) - Math.abs(a.current - a.stored) || a.id - b.id);
  return {
    view: view.name,
    populated: true,
    differingRows: websites.reduce((sum, w) => sum + Math.abs(w.current - w.stored), 0),
    websites: column ? websites.filter((w) => w.id > 0) : [],
  };
}

export function materializedViewFindings(database: string, staleness: readonly ViewStaleness[], lastMove: LastMove | undefined): Finding[] {
  return staleness.flatMap((v) => {
    const refresh = `REFRESH MATERIALIZED VIEW ${v.populated ? 'CONCURRENTLY ' : ''}${v.view} on ${database} (the move engine does this after each move; a refresh covers every website).`;
    if (!v.populated) {
      return [finding('stale-materialized-view', 'warning', { database, table: v.view }, `${v.view} on ${database} has never been populated: reading it fails.`, refresh, fixLinks.refresh(database))];
    }
    if (v.differingRows === 0) return [];
    const moveNote = lastMove
      ? ` The last move touching ${database} (website ${lastMove.websiteId}, job ${lastMove.jobId}, ${lastMove.at}) ${lastMove.refreshed ? 'recorded a refresh, so the view changed since' : 'recorded no refresh of it'}.`
      : '';
    const sites = v.websites.slice(0, 5).map((w) => `website ${w.id}: ${formatCount(w.stored)} stored, ${formatCount(w.current)} now`).join('; ');
    return [
      finding('stale-materialized-view', 'warning', { database, table: v.view, website: v.websites.length === 1 ? v.websites[0]!.id : null, rows: v.differingRows },
        `${v.view} on ${database} is stale: ${formatCount(v.differingRows)} rows differ from what its query returns now${sites ? ` (${sites}${v.websites.length > 5 ? `, and ${v.websites.length - 5} more websites` : ''})` : ''}.${moveNote}`,
        refresh, fixLinks.refresh(database)),
    ];
  });
}
