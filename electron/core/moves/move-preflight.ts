import { fencingJobs } from './write-fence.ts';
import type { MovePlan, PreflightResult, ViewRefresh } from '../../../shared/methods/move-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { indexKey, nullsNotDistinct, type CatalogIndex, type CatalogTable, type DatabaseCatalog } from '../catalog/database-catalog.ts';
import { columnRef, numbered, quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { databaseForShard, findWebsite } from '../tenants/website-routing.ts';
import { compareTenantSchemas } from './schema-compare.ts';
import { findExclusionConflicts } from './exclusion-probe.ts';
import { runLimited } from '../run-limited.ts';
import { missingReferences, referencedFromOutside } from './missing-references.ts';
import { PROBE_TABLE, streamedProbe, withProbeSessions } from './streamed-probe.ts';
import { firstKeysAsText } from './sql-fragments.ts';
import { collidingKeys, indexKeyParts, keyPartsAs } from '../catalog/unique-index-keys.ts';
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
 * the target, key and unique-value collisions, exclusion-constraint conflicts, rows the target's foreign keys into uncopied tables (the
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
  const refused = (refusals: Refusal[]) => ({ result: { ok: false, plan: null, refusals }, context: null });
  const source = databaseForShard(ctx, await findWebsite(ctx, websiteId));
  const routing = routingRefusal(ctx, websiteId, source, target, expectedSource);
  if (routing) return refused([routing]);
  const catalogs = await readCatalogs(ctx, source, target);
  if ('unreachable' in catalogs) return refused(catalogs.unreachable);
  const { sourceCatalog, targetCatalog } = catalogs;
  const tables = scopedTables(sourceCatalog);
  const shape = shapeRefusals(sourceCatalog, targetCatalog, tables);
  if (shape.length) return refused(shape);
  const inherited = await inheritanceRefusals(ctx.pools.get(source), tables);
  if (inherited.length) return refused(inherited);
  const fenced = await fencedByOthers(ctx, websiteId, source, target);
  if (fenced.length) return refused(fenced);
  const context: PreflightContext = { websiteId, source, target, sourceCatalog, targetCatalog, tables };
  const probed = await probeTarget(ctx, context, onProbe);
  if (probed.refusals.length) return refused(probed.refusals);
  return { result: { ok: true, plan: movePlan(context, probed.plan, viewRefresh), refusals: [] }, context };
}

/**
 * A fence some job holds on the website (a restore of it under way, or a job that failed fenced): its
 * rows are mid-change. On the target too: a fence a failed job left there would, once this move
 * switched, refuse every write of the website's application (and that job could then neither resume
 * nor roll back).
 */
export async function fencedByOthers(ctx: ConsoleContext, websiteId: number, source: string, target: string): Promise<Refusal[]> {
  const found = await Promise.all([source, target].map(async (database) => ({ database, jobs: await fencingJobs(ctx.pools.get(database), websiteId) })));
  return found.flatMap(({ database, jobs }) =>
    jobs.map((job) => ({
      code: 'WEBSITE_FENCED',
      message: `Writes to website ${websiteId} on ${database} are fenced by job ${job} (a restore or move of it under way, or stopped fenced). Finish or roll back that job first (shard-console jobs lists it).`,
    })),
  );
}

/** The first reason the website cannot go from `source` to `target` at all, if any. */
function routingRefusal(ctx: ConsoleContext, websiteId: number, source: string, target: string, expectedSource: string | undefined): Refusal | null {
  // A --from naming no database is a typo, not a website that moved meanwhile.
  for (const name of expectedSource === undefined ? [target] : [target, expectedSource]) {
    if (ctx.pools.has(name)) continue;
    const known = ctx.pools.targets.map((t) => t.name).join(', ');
    return { code: 'SHARD_UNKNOWN', message: `No database named "${name}" is configured (configured: ${known}).` };
  }
  if (expectedSource !== undefined && expectedSource !== source) {
    const message = `Website ${websiteId} routes to "${source}" (its shard_name), not "${expectedSource}". Check the website's current shard before moving it.`;
    return { code: 'WRONG_SOURCE', message };
  }
  if (source === target) return { code: 'SAME_DATABASE', message: `Website ${websiteId} already lives on ${target}.` };
  return null;
}

type Catalogs = { sourceCatalog: DatabaseCatalog; targetCatalog: DatabaseCatalog } | { unreachable: Refusal[] };

/** Both catalogs, read afresh; or a refusal for each database that could not be read. */
async function readCatalogs(ctx: ConsoleContext, source: string, target: string): Promise<Catalogs> {
  const catalogs = await Promise.allSettled([ctx.catalog.get(source, { refresh: true }), ctx.catalog.get(target, { refresh: true })]);
  const unreachable: Refusal[] = catalogs.flatMap((c, i) =>
    c.status === 'rejected' ? [{ code: 'DATABASE_UNREACHABLE', message: (c.reason as Error).message ?? `${[source, target][i]} is unreachable.` }] : [],
  );
  if (unreachable.length) return { unreachable };
  const [sourceCatalog, targetCatalog] = catalogs.map((c) => (c as PromiseFulfilledResult<DatabaseCatalog>).value);
  return { sourceCatalog: sourceCatalog!, targetCatalog: targetCatalog! };
}

/** Tenant tables that differ between the two databases; failing that, tables without a primary key. */
function shapeRefusals(sourceCatalog: DatabaseCatalog, targetCatalog: DatabaseCatalog, tables: readonly ScopedTable[]): Refusal[] {
  const schema = compareTenantSchemas(sourceCatalog, targetCatalog);
  if (schema.length) {
    const fix = 'Bring the schemas in line (shard-console drift) before moving.';
    return schema.map((d) => ({ code: 'SCHEMA_DIFFERS', table: d.table, message: `${d.message}. ${fix}` }));
  }
  return tables
    .filter((t) => t.table.primaryKey.length === 0)
    .map((t) => {
      const message = `${t.name} has no primary key, so its rows cannot be verified one by one. Add one before moving.`;
      return { code: 'NO_PRIMARY_KEY', table: t.name, message };
    });
}

/**
 * Tenant tables with old-style inheritance children (CREATE TABLE ... INHERITS, not partitions): a read
 * of the parent brings the children's rows too, so they would be copied twice (into the parent and
 * into the child) and counted twice. Refused, naming them, until the move reads such parents ONLY.
 */
export async function inheritanceRefusals(source: DatabaseHandle, tables: readonly ScopedTable[]): Promise<Refusal[]> {
  if (tables.length === 0) return [];
  const found = await source.query<{ parent: string; children: string }>(
    `SELECT i.inhparent::regclass::text AS parent, string_agg(i.inhrelid::regclass::text, ', ' ORDER BY i.inhrelid::regclass::text) AS children
       FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_class c ON c.oid = i.inhrelid
      WHERE p.relkind = 'r' AND NOT c.relispartition AND i.inhparent = ANY($1::regclass[])
      GROUP BY 1 ORDER BY 1`,
    [tables.map((t) => tableRef(t.table.schema, t.table.table))],
  );
  return found.rows.map((r) => ({
    code: 'INHERITED_TABLE',
    table: r.parent,
    message: `${r.parent} has inheritance children (${r.children}, made with INHERITS, not partitions): reading it brings their rows too, so they would be copied and counted twice. Moves and restores do not take such tables yet: turn them into partitions (ALTER TABLE ... ATTACH PARTITION), or copy this website's rows of them by hand.`,
  }));
}

/**
 * The website's rows already on the target, counted beside the source's plan; each table's collision
 * probes and its check of the rows the target's foreign keys need start as soon as its rows are
 * counted (and the target is known to hold none of the website's), not once every table is.
 */
async function probeTarget(ctx: ConsoleContext, c: PreflightContext, onProbe: ProbeObserver): Promise<{ plan: MovePlan['tables']; refusals: Refusal[] }> {
  const source = ctx.pools.get(c.source);
  const target = ctx.pools.get(c.target);
  const collisions: Refusal[] = [];
  const references = { source, target, sourceCatalog: c.sourceCatalog, targetCatalog: c.targetCatalog, websiteId: c.websiteId, tables: c.tables };
  const counting = rowsOnDatabase(target, c.targetCatalog, scopedTables(c.targetCatalog), c.websiteId);
  const targetHolds = counting.then(
    (rows) => rows.some((r) => r.rows > 0),
    () => true,
  );
  const [onTarget, plan] = await Promise.all([
    counting,
    planTables(source, c.sourceCatalog, c.tables, c.websiteId, async (t, rows, ranges) => {
      // Rows of the website already on the target are the refusal: nothing to probe for.
      if (await targetHolds) return;
      collisions.push(...(await missingReferences(references, t, rows)));
      collisions.push(...(await referencedFromOutside(references, t, rows)));
      const probe = { source, target, catalog: c.sourceCatalog, targetCatalog: c.targetCatalog, websiteId: c.websiteId, onProbe };
      collisions.push(...(await findCollisions(probe, t, ranges, rows)));
      collisions.push(...(await findExclusionConflicts(probe, t, rows)));
    }),
  ]);
  const already = onTarget.filter((r) => r.rows > 0);
  if (already.length) return { plan, refusals: already.map((r) => targetHoldsRows(c, r)) };
  return { plan, refusals: collisions.sort((a, b) => (a.table ?? '').localeCompare(b.table ?? '')) };
}

function targetHoldsRows(c: PreflightContext, r: { table: string; rows: number }): Refusal {
  return {
    code: 'TARGET_HAS_ROWS',
    table: r.table,
    message:
      `${c.target} already holds ${r.rows} row(s) of website ${c.websiteId} in ${r.table}. ` +
      `Find out where they came from (shard-console verify ${c.websiteId}) and remove them before moving.`,
  };
}

function movePlan(c: PreflightContext, tables: MovePlan['tables'], viewRefresh: ViewRefresh): MovePlan {
  const views = [...c.sourceCatalog.views.values(), ...c.targetCatalog.views.values()].filter((v) => v.materialized).map((v) => v.name);
  return {
    websiteId: c.websiteId,
    source: c.source,
    target: c.target,
    tables,
    totalRows: tables.reduce((a, t) => a + t.rows, 0),
    totalBytes: tables.reduce((a, t) => a + t.bytes, 0),
    materializedViews: [...new Set(views)].sort(),
    viewRefresh,
  };
}

/** The website's rows per table on one database. */
export async function rowsOnDatabase(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  tables: readonly ScopedTable[],
  websiteId: number,
): Promise<Array<{ table: string; rows: number }>> {
  return Promise.all(
    tables.map(async (t) => {
      const r = await handle.query<{ n: string }>(websiteRowsSelect(t, catalog, websiteId, 'count(*)::int8::text AS n'));
      return { table: t.name, rows: Number(r.rows[0]!.n) };
    }),
  );
}

/** Integer columns whose values order like their equality: a key range disjoint from the target's cannot collide. */
const RANGE_TYPES = new Set(['smallint', 'integer', 'bigint']);

type KeyRanges = Map<string, { min: string | null; max: string | null }>;

/** Columns of single-column unique keys a range check can clear (serial ids handed out in per-database blocks). */
function rangeColumns(t: ScopedTable): string[] {
  const single = uniqueKeys(t)
    .map(indexKey)
    .filter((key) => key.length === 1 && RANGE_TYPES.has(t.table.columns.find((c) => c.name === key[0])?.type ?? ''));
  return [...new Set(single.map((key) => key[0]!))];
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
  const planned: MovePlan['tables'] = [];
  // The largest tables (by the planner's estimate) first: their probes are the longest.
  const largestFirst = [...tables].sort((a, b) => b.table.rowEstimate - a.table.rowEstimate);
  await runLimited(largestFirst, 3, async (t) => {
    const columns = rangeColumns(t);
    const average = perRow.get(`${t.table.schema}.${t.table.table}`) ?? null;
    const aggregates = [
      `count(*)::int8::text AS n`,
      // Never analyzed (no reltuples): the exact size, the slow way.
      ...(average === null ? [`coalesce(sum(pg_column_size(t.*)), 0)::int8::text AS bytes`] : []),
      ...columns.flatMap((c, i) => [`min(${columnRef('t', c)})::text AS min${i}`, `max(${columnRef('t', c)})::text AS max${i}`]),
    ];
    // A session of its own: a big tenant's count may run past the pool's statement timeout.
    const client = await handle.longSession();
    let row: Record<string, string | null>;
    try {
      row = (await client.query<Record<string, string | null>>(websiteRowsSelect(t, catalog, websiteId, aggregates.join(', ')))).rows[0]!;
    } finally {
      client.release();
    }
    const rows = Number(row.n);
    const ranges: KeyRanges = new Map(columns.map((c, i) => [c, { min: row[`min${i}`] ?? null, max: row[`max${i}`] ?? null }]));
    const bytes = average === null ? Number(row.bytes ?? 0) : Math.round(rows * average);
    planned.push({ table: t.name, rows, bytes, level: t.level });
    await counted(t, rows, ranges);
  });
  const order = new Map(tables.map((t, i) => [t.name, i]));
  return planned.sort((a, b) => order.get(a.table)! - order.get(b.table)!);
}

/**
 * Unique keys a copied row could hit: the PK and every unique index (expression ones too), except those
 * that cannot collide: one whose key holds the website's own key column (the target holds no rows of
 * the website), or the foreign key that ties a child table to its tenant parent (the target's rows may
 * only hold parent keys that exist there, and the parent's own check proves the website's do not).
 * INCLUDE columns are not part of a key: `UNIQUE (slug) INCLUDE (title)` collides on slug alone.
 */
function uniqueKeys(t: ScopedTable, indexes: readonly CatalogIndex[] = t.table.indexes): CatalogIndex[] {
  const ownKey = t.tenant.chain.length === 0 ? t.tenant.tenantKey : null;
  const parentKey = t.tenant.chain[0]?.columns ?? null;
  return indexes.filter((i) => {
    const key = indexKey(i);
    return i.unique && !(ownKey !== null && key.includes(ownKey)) && !parentKey?.every((c) => key.includes(c));
  });
}

/**
 * Would a copied row hit a unique key already on the target (a serial id handed out by both databases,
 * a globally unique slug or ticket number)? Per unique index, the smaller side's key values stream into
 * a temporary table on the other database (binary COPY, inside a transaction that is rolled back), then
 * one join there finds the collisions: the website's keys to the target when the target's table is the
 * larger (a tenant joining a full shard), the target's keys to the source when the website has more
 * rows (a big tenant to a new shard: nothing to stream). Nothing persists on either database.
 */
async function findCollisions(probe: CollisionProbe, t: ScopedTable, ranges: KeyRanges, websiteRows: number): Promise<Refusal[]> {
  const refusals: Refusal[] = [];
  if (websiteRows === 0) return refusals;
  // The target's unique indexes are what the copy must pass: a shard may have one the source lacks
  // (indexes are not part of the schema comparison), or lack one the source has.
  const targetTable = probe.targetCatalog.tables.get(t.name) ?? t.table;
  for (const index of uniqueKeys(t, targetTable.indexes)) {
    // Serial ids from per-database sequence blocks: when the website's range and the target's do not
    // overlap (two index lookups on the target), no value can collide and nothing needs streaming.
    // (Not under NULLS NOT DISTINCT, where a NULL on each side collides and no range holds it.)
    const key = indexKey(index);
    const range = key.length === 1 && !nullsNotDistinct(index) ? ranges.get(key[0]!) : undefined;
    if (range && (await rangesDisjoint(probe.target, t, key[0]!, range))) continue;
    const found = await probeIndex(probe, t, targetTable, index, websiteRows);
    probe.onProbe({ table: t.name, index: index.name, direction: found.direction });
    if (found.count > 0) refusals.push(keyCollision(probe, t, index, found));
  }
  return refusals;
}

/** What every collision probe of one preflight shares. */
interface CollisionProbe {
  readonly source: DatabaseHandle;
  readonly target: DatabaseHandle;
  /** The source's. */
  readonly catalog: DatabaseCatalog;
  readonly targetCatalog: DatabaseCatalog;
  readonly websiteId: number;
  readonly onProbe: ProbeObserver;
}

function keyCollision(probe: CollisionProbe, t: ScopedTable, index: CatalogIndex, found: { count: number; examples: string[]; key: string }): Refusal {
  const target = probe.target.target.name;
  return {
    code: 'KEY_COLLISION',
    table: t.name,
    message:
      `${found.count} row(s) of website ${probe.websiteId} in ${t.name} would collide with rows already on ${target} on ${index.name} ` +
      `(${found.key}), e.g. ${found.examples.join('; ')}. Renumber or remove the conflicting rows on ${target} first.`,
  };
}

async function rangesDisjoint(target: DatabaseHandle, t: ScopedTable, column: string, range: { min: string | null; max: string | null }): Promise<boolean> {
  const c = quoteIdent(column);
  const bounds = `SELECT min(${c})::text AS lo, max(${c})::text AS hi FROM ${tableRef(t.table.schema, t.table.table)}`;
  const r = await target.query<{ lo: string | null; hi: string | null }>(bounds);
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

async function probeIndex(probe: CollisionProbe, t: ScopedTable, targetTable: CatalogTable, index: CatalogIndex, websiteRows: number) {
  // The target's index; the schemas were compared, so its expressions read the same on both sides.
  const parts = await indexKeyParts(probe.target, targetTable, index);
  const names = numbered('k', parts.length);
  const columns = parts.map((part, i) => ({ name: names[i]!, type: part.type }));
  const keys = keyPartsAs(parts, names);
  const table = tableRef(t.table.schema, t.table.table);
  const inIndex = index.predicate ? ` AND (${index.predicate})` : '';
  const onlyIndexed = index.predicate ? ` WHERE ${index.predicate}` : '';
  const websiteKeys = `SELECT ${keys} FROM ${table} t WHERE ${websitePredicate(t, probe.catalog, probe.websiteId)}${inIndex}`;
  const targetKeys = `SELECT ${keys} FROM ${table}${onlyIndexed}`;
  const direction: ProbeDirection = (await estimatedRows(probe.target, targetKeys)) < websiteRows ? 'to-source' : 'to-target';
  const [streamed, local] = direction === 'to-target' ? [websiteKeys, targetKeys] : [targetKeys, websiteKeys];
  try {
    const [row] = await withProbeSessions(probe.source, probe.target, direction, (from, into) =>
      streamedProbe<{ n: string; examples: string[] | null }>(from, into, {
        select: streamed,
        columns,
        question: `SELECT count(*)::int8::text AS n, ${firstKeysAsText('p', names, 3)} AS examples FROM (${collidingKeys(PROBE_TABLE, local, names, nullsNotDistinct(index))}) p`,
      }),
    );
    return { count: Number(row!.n), examples: row!.examples ?? [], direction, key: parts.map((part) => part.label).join(', ') };
  } catch (error) {
    throw new ConsoleError('MOVE_FAILED', `Checking ${t.name} for key collisions failed: ${(error as Error).message}.`, { target: t.name, cause: error });
  }
}
