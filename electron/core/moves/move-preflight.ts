import type { MovePlan, PreflightResult, ViewRefresh } from '../../../shared/methods/move-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { CatalogIndex, DatabaseCatalog } from '../catalog/database-catalog.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { databaseForShard, findWebsite } from '../tenants/website-routing.ts';
import { compareTenantSchemas } from './schema-compare.ts';
import { runLimited } from '../run-limited.ts';
import { missingReferences } from './missing-references.ts';
import { PROBE_TABLE, streamedProbe, withProbeSessions } from './streamed-probe.ts';
import { scopedTables, websitePredicate, websiteRowsSelect, type ScopedTable } from './tenant-scope.ts';

type Refusal = PreflightResult['refusals'][number];

export interface PreflightContext {
  readonly websiteId: number;
  readonly source: string;
  readonly target: string;
  readonly sourceCatalog: DatabaseCatalog;
  readonly targetCatalog: DatabaseCatalog;
  readonly tables: readonly ScopedTable[];
}

/** Told how each unique index was probed for collisions (the tests check which side streamed its keys). */
export type ProbeObserver = (probe: { table: string; index: string; direction: ProbeDirection }) => void;

/**
 * Every reason a move would be unsafe, found without changing anything: reachability, routing, schema
 * equality (foreign keys into global tables one side lacks set aside), primary keys, rows already on
 * the target, key and unique-value collisions, rows the target's foreign keys into uncopied tables (the
 * control plane) would reject. Also the plan.
 */
export async function preflightMove(
  ctx: ConsoleContext,
  websiteId: number,
  target: string,
  expectedSource?: string,
  viewRefresh: ViewRefresh = 'concurrently',
  onProbe: ProbeObserver = () => {},
): Promise<{ result: PreflightResult; context: PreflightContext | null }> {
  const refuse = (refusals: Refusal[]) => ({ result: { ok: false, plan: null, refusals }, context: null });
  const website = await findWebsite(ctx, websiteId);
  const source = databaseForShard(ctx, website);
  if (!ctx.pools.has(target)) {
    const known = ctx.pools.targets.map((t) => t.name).join(', ');
    return refuse([{ code: 'SHARD_UNKNOWN', message: `No database named "${target}" is configured (configured: ${known}).` }]);
  }
  if (expectedSource !== undefined && expectedSource !== source) {
    return refuse([{ code: 'WRONG_SOURCE', message: `Website ${websiteId} routes to "${source}" (its shard_name), not "${expectedSource}". Check the website's current shard before moving it.` }]);
  }
  if (source === target) return refuse([{ code: 'SAME_DATABASE', message: `Website ${websiteId} already lives on ${target}.` }]);

  const catalogs = await Promise.allSettled([ctx.catalog.get(source, { refresh: true }), ctx.catalog.get(target, { refresh: true })]);
  const unreachable: Refusal[] = catalogs.flatMap((c, i) =>
    c.status === 'rejected' ? [{ code: 'DATABASE_UNREACHABLE', message: (c.reason as Error).message ?? `${[source, target][i]} is unreachable.` }] : [],
  );
  if (unreachable.length) return refuse(unreachable);
  const sourceCatalog = (catalogs[0] as PromiseFulfilledResult<DatabaseCatalog>).value;
  const targetCatalog = (catalogs[1] as PromiseFulfilledResult<DatabaseCatalog>).value;

  const schema = compareTenantSchemas(sourceCatalog, targetCatalog);
  if (schema.length) {
    return refuse(schema.map((d) => ({ code: 'SCHEMA_DIFFERS', table: d.table, message: `${d.message}. Bring the schemas in line (shard-console drift) before moving.` })));
  }
  const tables = scopedTables(sourceCatalog);
  const noPk = tables.filter((t) => t.table.primaryKey.length === 0);
  if (noPk.length) {
    return refuse(noPk.map((t) => ({ code: 'NO_PRIMARY_KEY', table: t.name, message: `${t.name} has no primary key, so its rows cannot be verified one by one. Add one before moving.` })));
  }
  const sourceHandle = ctx.pools.get(source);
  const targetHandle = ctx.pools.get(target);
  const targetScoped = scopedTables(targetCatalog);
  // The website's rows already on the target, counted beside the source's plan; each table's collision
  // probes and its check of the rows the target's foreign keys need start as soon as its rows are
  // counted (and the target is known to hold none of the website's), not once every table is.
  const collisions: Refusal[] = [];
  const references = { source: sourceHandle, target: targetHandle, sourceCatalog, targetCatalog, websiteId };
  const counting = rowsOnDatabase(targetHandle, targetCatalog, targetScoped, websiteId);
  const targetHolds = counting.then((rows) => rows.some((r) => r.rows > 0), () => true);
  const [onTarget, plan] = await Promise.all([
    counting,
    planTables(sourceHandle, sourceCatalog, tables, websiteId, async (t, rows, ranges) => {
      // Rows of the website already on the target are the refusal: nothing to probe for.
      if (await targetHolds) return;
      collisions.push(...(await missingReferences(references, t, rows)));
      collisions.push(...(await findCollisions(sourceHandle, targetHandle, sourceCatalog, t, websiteId, ranges, rows, onProbe)));
    }),
  ]);
  const already = onTarget.filter((r) => r.rows > 0);
  if (already.length) {
    return refuse(
      already.map((r) => ({
        code: 'TARGET_HAS_ROWS',
        table: r.table,
        message: `${target} already holds ${r.rows} row(s) of website ${websiteId} in ${r.table}. Find out where they came from (shard-console verify ${websiteId}) and remove them before moving.`,
      })),
    );
  }
  if (collisions.length) return refuse(collisions.sort((a, b) => (a.table ?? '').localeCompare(b.table ?? '')));

  const planned: MovePlan = {
    websiteId,
    source,
    target,
    tables: plan,
    totalRows: plan.reduce((a, t) => a + t.rows, 0),
    totalBytes: plan.reduce((a, t) => a + t.bytes, 0),
    materializedViews: [...new Set([...sourceCatalog.views.values(), ...targetCatalog.views.values()].filter((v) => v.materialized).map((v) => v.name))].sort(),
    viewRefresh,
  };
  return { result: { ok: true, plan: planned, refusals: [] }, context: { websiteId, source, target, sourceCatalog, targetCatalog, tables } };
}

export async function rowsOnDatabase(handle: DatabaseHandle, catalog: DatabaseCatalog, tables: readonly ScopedTable[], websiteId: number): Promise<Array<{ table: string; rows: number }>> {
  return Promise.all(
    tables.map(async (t) => {
      const r = await handle.query<{ n: string }>(`SELECT count(*)::int8::text AS n FROM ${tableRef(t.table.schema, t.table.table)} t WHERE ${websitePredicate(t, catalog, websiteId)}`);
      return { table: t.name, rows: Number(r.rows[0]!.n) };
    }),
  );
}

/** Integer columns whose values order like their equality: a key range disjoint from the target's cannot collide. */
const RANGE_TYPES = new Set(['smallint', 'integer', 'bigint']);

type KeyRanges = Map<string, { min: string | null; max: string | null }>;

/** Columns of single-column unique keys a range check can clear (serial ids handed out in per-database blocks). */
function rangeColumns(t: ScopedTable): string[] {
  const single = uniqueKeys(t).filter((i) => i.columns.length === 1 && RANGE_TYPES.has(t.table.columns.find((c) => c.name === i.columns[0])?.type ?? ''));
  return [...new Set(single.map((i) => i.columns[0]!))];
}

/**
 * Rows per table (exact), bytes estimated from
 * the table's average row size (pg_table_size / reltuples; summing pg_column_size over every row cost
 * six times the count), and the range of each integer unique column for the collision check, all in
 * one pass over the website's rows. `counted` runs for each table as soon as its figures are in.
 */
async function planTables(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  tables: readonly ScopedTable[],
  websiteId: number,
  counted: (t: ScopedTable, rows: number, ranges: KeyRanges) => Promise<void>,
): Promise<MovePlan['tables']> {
  const sizes = await handle.query<{ schema: string; table: string; bytes: string; tuples: number }>(
    `SELECT n.nspname AS schema, c.relname AS table, pg_table_size(c.oid)::text AS bytes, c.reltuples::float8 AS tuples
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY($1::regclass[])`,
    [tables.map((t) => tableRef(t.table.schema, t.table.table))],
  );
  const perRow = new Map(sizes.rows.map((r) => [`${r.schema}.${r.table}`, r.tuples > 0 ? Number(r.bytes) / r.tuples : null]));
  const out: MovePlan['tables'] = [];
  // The largest tables (by the planner's estimate) first: their probes are the longest.
  const largestFirst = [...tables].sort((a, b) => b.table.rowEstimate - a.table.rowEstimate);
  await runLimited(largestFirst, 3, async (t) => {
    const columns = rangeColumns(t);
    const average = perRow.get(`${t.table.schema}.${t.table.table}`) ?? null;
    const what = [
      `count(*)::int8::text AS n`,
      // Never analyzed (no reltuples): the exact size, the slow way.
      ...(average === null ? [`coalesce(sum(pg_column_size(t.*)), 0)::int8::text AS bytes`] : []),
      ...columns.flatMap((c, i) => [`min(t.${quoteIdent(c)})::text AS min${i}`, `max(t.${quoteIdent(c)})::text AS max${i}`]),
    ];
    // A session of its own: a big tenant's count may run past the pool's statement timeout.
    const client = await handle.longSession();
    let row: Record<string, string | null>;
    try {
      row = (await client.query<Record<string, string | null>>(websiteRowsSelect(t, catalog, websiteId, what.join(', ')))).rows[0]!;
    } finally {
      client.release();
    }
    const rows = Number(row.n);
    const ranges: KeyRanges = new Map(columns.map((c, i) => [c, { min: row[`min${i}`] ?? null, max: row[`max${i}`] ?? null }]));
    const bytes = average === null ? Number(row.bytes ?? 0) : Math.round(rows * average);
    out.push({ table: t.name, rows, bytes, level: t.level });
    await counted(t, rows, ranges);
  });
  const order = new Map(tables.map((t, i) => [t.name, i]));
  return out.sort((a, b) => order.get(a.table)! - order.get(b.table)!);
}

/**
 * Unique keys a copied row could hit: the PK and every unique index, except those that cannot collide:
 * one containing the website's own key column (the target holds no rows of the website), or one
 * containing the foreign key that ties a child table to its tenant parent (the target's rows may only
 * hold parent keys that exist there, and the parent's own check proves the website's do not).
 */
function uniqueKeys(t: ScopedTable): CatalogIndex[] {
  const ownKey = t.tenant.chain.length === 0 ? t.tenant.tenantKey : null;
  const parentKey = t.tenant.chain[0]?.columns ?? null;
  return t.table.indexes.filter(
    (i) =>
      i.unique &&
      !i.columns.includes('(expression)') &&
      !(ownKey !== null && i.columns.includes(ownKey)) &&
      !(parentKey !== null && parentKey.every((c) => i.columns.includes(c))),
  );
}

/**
 * Would a copied row hit a unique key already on the target (a serial id handed out by both databases,
 * a globally unique slug or ticket number)? Per unique index, the smaller side's key values stream into
 * a temporary table on the other database (binary COPY, inside a transaction that is rolled back), then
 * one join there finds the collisions: the website's keys to the target when the target's table is the
 * larger (a tenant joining a full shard), the target's keys to the source when the website has more
 * rows (a big tenant to a new shard: nothing to stream). Nothing persists on either database.
 */
async function findCollisions(
  source: DatabaseHandle,
  target: DatabaseHandle,
  catalog: DatabaseCatalog,
  t: ScopedTable,
  websiteId: number,
  ranges: KeyRanges,
  websiteRows: number,
  onProbe: ProbeObserver,
): Promise<Refusal[]> {
  const refusals: Refusal[] = [];
  if (websiteRows === 0) return refusals;
  for (const index of uniqueKeys(t)) {
    // Serial ids from per-database sequence blocks: when the website's range and the target's do not
    // overlap (two index lookups on the target), no value can collide and nothing needs streaming.
    const range = index.columns.length === 1 ? ranges.get(index.columns[0]!) : undefined;
    if (range && (await disjoint(target, t, index.columns[0]!, range))) continue;
    const found = await probeIndex(source, target, catalog, t, index, websiteId, websiteRows);
    onProbe({ table: t.name, index: index.name, direction: found.direction });
    if (found.count > 0) {
      refusals.push({
        code: 'KEY_COLLISION',
        table: t.name,
        message: `${found.count} row(s) of website ${websiteId} in ${t.name} would collide with rows already on ${target.target.name} on ${index.name} (${index.columns.join(', ')}), e.g. ${found.examples.join('; ')}. Renumber or remove the conflicting rows on ${target.target.name} first.`,
      });
    }
  }
  return refusals;
}

async function disjoint(target: DatabaseHandle, t: ScopedTable, column: string, range: { min: string | null; max: string | null }): Promise<boolean> {
  const c = quoteIdent(column);
  const r = await target.query<{ lo: string | null; hi: string | null }>(`SELECT min(${c})::text AS lo, max(${c})::text AS hi FROM ${tableRef(t.table.schema, t.table.table)}`);
  const { lo, hi } = r.rows[0]!;
  if (lo === null || hi === null || range.min === null || range.max === null) return true;
  return BigInt(range.max!) < BigInt(lo) || BigInt(range.min!) > BigInt(hi);
}

/** The planner's row estimate for a query (it scales the last ANALYZE's density to the table's current size). */
async function estimatedRows(handle: DatabaseHandle, query: string): Promise<number> {
  const r = await handle.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(`EXPLAIN (FORMAT JSON) ${query}`);
  return r.rows[0]!['QUERY PLAN'][0]!.Plan['Plan Rows'];
}

/** Which side streams its key values into a temporary table on the other. */
export type ProbeDirection = 'to-target' | 'to-source';

async function probeIndex(source: DatabaseHandle, target: DatabaseHandle, catalog: DatabaseCatalog, t: ScopedTable, index: CatalogIndex, websiteId: number, websiteRows: number) {
  const columns = index.columns.map((name) => t.table.columns.find((c) => c.name === name)!);
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  const predicate = index.predicate ? ` AND (${index.predicate})` : '';
  const mine = `SELECT ${columns.map((c) => `t.${quoteIdent(c.name)}`).join(', ')} FROM ${tableRef(t.table.schema, t.table.table)} t WHERE ${websitePredicate(t, catalog, websiteId)}${predicate}`;
  const theirs = `SELECT ${list} FROM ${tableRef(t.table.schema, t.table.table)}${index.predicate ? ` WHERE ${index.predicate}` : ''}`;
  const direction: ProbeDirection = (await estimatedRows(target, theirs)) < websiteRows ? 'to-source' : 'to-target';
  const [streamed, local] = direction === 'to-target' ? [mine, theirs] : [theirs, mine];
  const join = columns.map((c) => `b.${quoteIdent(c.name)} = p.${quoteIdent(c.name)}`).join(' AND ');
  try {
    const [row] = await withProbeSessions(source, target, direction, (from, into) =>
      streamedProbe<{ n: string; examples: string[] | null }>(from, into, {
        select: streamed,
        columns,
        question: `SELECT count(*)::int8::text AS n, (array_agg(ROW(${columns.map((c) => `p.${quoteIdent(c.name)}`).join(', ')})::text))[1:3] AS examples
                     FROM ${PROBE_TABLE} p JOIN (${local}) b ON ${join}`,
      }),
    );
    return { count: Number(row!.n), examples: row!.examples ?? [], direction };
  } catch (error) {
    throw new ConsoleError('MOVE_FAILED', `Checking ${t.name} for key collisions failed: ${(error as Error).message}.`, { target: t.name, cause: error });
  }
}
