import type pg from 'pg';
import { sql } from 'kysely';
import type { Finding } from '../../../shared/contract.ts';
import { formatCount } from '../../../shared/format.ts';
import type { CatalogView, DatabaseCatalog } from '../catalog/database-catalog.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import type { ConsoleContext } from '../console-context.ts';
import { queryBuilder, runQuery, runQueryFirst } from '../catalog/run-query.ts';
import { systemCatalog, type SystemCatalog } from '../catalog/system-catalog.ts';
import { finding, fixLinks } from './doctor-finding.ts';

export interface LastMove {
  readonly jobId: string;
  readonly websiteId: number;
  readonly at: string;
  /** Whether the move recorded a refresh of this database's views after it. */
  readonly refreshed: boolean;
}

/*
 * The move engine's job table, as far as the doctor reads it (moves/ owns it and describes it whole):
 * which moves touched which database, and whether they refreshed its views.
 */
interface MoveJobsContext {
  'shard_console.move_jobs': {
    id: string;
    website_id: number;
    source: string;
    target: string;
    state: string;
    updated_at: Date;
    finished_at: Date | null;
    refreshed_at: Record<string, string>;
  };
}

const moveJobs = queryBuilder<MoveJobsContext & SystemCatalog>();

function lastMovesQuery(databases: readonly string[]) {
  const touched = sql<{ database: string }>`unnest(${databases}::text[])`.as<'d'>(sql`d(database)`);
  return moveJobs
    .selectFrom(touched)
    .innerJoin('shard_console.move_jobs as j', (join) => join.on((eb) => eb('d.database', 'in', [eb.ref('j.source'), eb.ref('j.target')])))
    .distinctOn('d.database')
    .select((eb) => [
      'd.database',
      eb.cast<string>('j.id', 'text').as('id'),
      'j.website_id',
      eb.fn.coalesce('j.finished_at', 'j.updated_at').as('at'),
      sql<boolean>`${eb.ref('j.refreshed_at')} ? ${eb.ref('d.database')}`.as('refreshed'),
    ])
    .where('j.state', 'in', ['succeeded', 'failed', 'running', 'rolled_back'])
    .orderBy('d.database')
    .orderBy((eb) => eb.fn.coalesce('j.finished_at', 'j.updated_at'), 'desc');
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
    const exists = moveJobs.selectNoFrom((eb) => eb(eb.fn('to_regclass', [eb.val('shard_console.move_jobs')]), 'is not', null).as('found'));
    if (!(await runQueryFirst(primary, exists))?.found) return out;
    for (const r of await runQuery(primary, lastMovesQuery(databases))) {
      out.set(r.database, { jobId: r.id, websiteId: r.website_id, at: r.at.toISOString(), refreshed: r.refreshed });
    }
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

/** The view's oid from its quoted name, as `$1::regclass` does. */
function viewOid(ref: string) {
  return sql<number>`${ref}::regclass`;
}

async function isPopulated(handle: DatabaseHandle, ref: string): Promise<boolean> {
  const query = systemCatalog.selectFrom('pg_catalog.pg_class').select('relispopulated as p').where('oid', '=', viewOid(ref));
  return (await runQueryFirst(handle, query))?.p === true;
}

/** The first of the tenant key columns the view has, if any. */
async function viewTenantKey(handle: DatabaseHandle, ref: string, tenantKeys: readonly string[]): Promise<string | undefined> {
  const query = systemCatalog
    .selectFrom('pg_catalog.pg_attribute')
    .select('attname')
    .where('attrelid', '=', viewOid(ref))
    .where('attnum', '>', 0)
    .where('attisdropped', '=', false)
    .where((eb) => eb('attname', '=', eb.fn.any(sql<string[]>`${tenantKeys}::text[]`)))
    .orderBy('attnum')
    .limit(1);
  return (await runQueryFirst(handle, query))?.attname;
}

/**
 * The view's query runs with the console's role, not the view owner's as REFRESH would: in a READ ONLY
 * transaction, so a function its definition calls cannot write with the console's privileges. Null
 * when the query tried to write.
 */
async function readOnly<R extends pg.QueryResultRow>(handle: DatabaseHandle, text: string): Promise<pg.QueryResult<R> | null> {
  const client = await handle.pool.connect();
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    return await client.query<R>(text);
  } catch (error) {
    if ((error as { code?: string }).code === '25006') return null;
    throw error;
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

async function oneView(handle: DatabaseHandle, view: CatalogView, tenantKeys: readonly string[]): Promise<ViewStaleness> {
  const ref = tableRef(view.schema, view.table);
  if (!(await isPopulated(handle, ref))) return { view: view.name, populated: false, differingRows: 0, websites: [] };
  const definition = view.definition.trim().replace(/;\s*$/, '');
  const column = await viewTenantKey(handle, ref, tenantKeys);
  const k = column ? `coalesce(${quoteIdent(column)}::int8, -1)` : '0::int8';
  const result = await readOnly<{ k: string; stored: string; current: string }>(
    handle,
    `WITH s AS (SELECT ${k} AS k, count(*) AS n FROM ${ref} GROUP BY 1),
          c AS (SELECT ${k} AS k, count(*) AS n FROM (${definition}) q GROUP BY 1)
     SELECT coalesce(s.k, c.k)::text AS k, coalesce(s.n, 0)::text AS stored, coalesce(c.n, 0)::text AS current
       FROM s FULL JOIN c ON s.k = c.k
      WHERE s.n IS DISTINCT FROM c.n`,
  );
  // A view whose query writes (a volatile function) cannot be re-run read-only: not judged, never run writable.
  if (result === null) return { view: view.name, populated: true, differingRows: 0, websites: [] };
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

/** What the last move touching the database recorded, as a sentence to append to a stale view's finding. */
function lastMoveNote(database: string, lastMove: LastMove | undefined): string {
  if (!lastMove) return '';
  const recorded = lastMove.refreshed ? 'recorded a refresh, so the view changed since' : 'recorded no refresh of it';
  return ` The last move touching ${database} (website ${lastMove.websiteId}, job ${lastMove.jobId}, ${lastMove.at}) ${recorded}.`;
}

/** ` (website 3: 10 stored, 12 now; ...)`, the first five websites whose rows differ, or nothing. */
function differingWebsites(v: ViewStaleness): string {
  const sites = v.websites
    .slice(0, 5)
    .map((w) => `website ${w.id}: ${formatCount(w.stored)} stored, ${formatCount(w.current)} now`)
    .join('; ');
  if (!sites) return '';
  const more = v.websites.length > 5 ? `, and ${v.websites.length - 5} more websites` : '';
  return ` (${sites}${more})`;
}

export function materializedViewFindings(database: string, staleness: readonly ViewStaleness[], lastMove: LastMove | undefined): Finding[] {
  return staleness.flatMap((v) => {
    const concurrently = v.populated ? 'CONCURRENTLY ' : '';
    const refresh = `REFRESH MATERIALIZED VIEW ${concurrently}${v.view} on ${database} (the move engine does this after each move; a refresh covers every website).`;
    if (!v.populated) {
      const message = `${v.view} on ${database} has never been populated: reading it fails.`;
      return [finding('stale-materialized-view', 'warning', { database, table: v.view }, message, refresh, fixLinks.refresh(database))];
    }
    if (v.differingRows === 0) return [];
    const where = { database, table: v.view, website: v.websites.length === 1 ? v.websites[0]!.id : null, rows: v.differingRows };
    const message =
      `${v.view} on ${database} is stale: ${formatCount(v.differingRows)} rows differ from what its query returns now` +
      `${differingWebsites(v)}.${lastMoveNote(database, lastMove)}`;
    return [finding('stale-materialized-view', 'warning', where, message, refresh, fixLinks.refresh(database))];
  });
}
