import { inheritanceRefusals } from '../moves/move-preflight.ts';
import type { RestorePlan, RestorePreflight, RestoreRequest } from '../../../shared/methods/restore-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { PgDumpArchive } from '../backups/archive/pg-dump-archive.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { currentSignal } from '../call-context.ts';
import type { ConsoleContext } from '../console-context.ts';
import { referencedFromOutside } from '../moves/missing-references.ts';
import { rowsOnDatabase } from '../moves/move-preflight.ts';
import { scopedTables } from '../moves/tenant-scope.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { databaseForShard, findWebsite, type WebsiteRow } from '../tenants/website-routing.ts';
import { copyLines, encodingLiteral, joinLines, projector } from './copy-lines.ts';
import { restoreSchemas } from './restore-marks.ts';
import {
  askReferences,
  askTableCollisions,
  holdStayingKeys,
  createProbeSql,
  planProbes,
  probeCollector,
  streamSql,
  type ProbeSession,
  type TableProbe,
} from './restore-probes.ts';
import { busyRefusals } from './restore-busy.ts';
import { chooseArchive, type ArchiveFingerprint, type ChosenArchive } from './restore-source.ts';
import { restoreTables, type Refusal, type RestoreTable } from './restore-tables.ts';
import { WebsiteLines } from './website-lines.ts';

/** What preflight found, for the job it may become. */
export interface PreflightOutcome {
  readonly result: RestorePreflight;
  readonly fingerprint: ArchiveFingerprint | null;
}

const refused = (refusals: Refusal[]): PreflightOutcome => ({ result: { ok: false, plan: null, refusals }, fingerprint: null });

/** The table rules of the profile: which tables are tenant data and which the control plane. */
export function tableRules(ctx: ConsoleContext) {
  return { tenantKeys: ctx.profile.tenantKeys, globalTables: ctx.profile.globalTables };
}

/** The website and the database the restore writes to, or the refusal. */
async function placeRestore(ctx: ConsoleContext, request: RestoreRequest): Promise<{ website: WebsiteRow; home: string; target: string } | Refusal> {
  let website: WebsiteRow;
  try {
    website = await findWebsite(ctx, request.websiteId);
  } catch (error) {
    if (!(error instanceof ConsoleError) || error.code !== 'WEBSITE_NOT_FOUND') throw error;
    return {
      code: 'WEBSITE_MISSING',
      message: `Website ${request.websiteId} has no pwb_websites row on the primary, so nothing would route to its rows. Check the id; for a website deleted by mistake, recreate that row first (if the backup was taken while it existed, the primary's archive holds it: shard-console backup website ${request.websiteId} PATH --rows 1 shows it), then restore again.`,
    };
  }
  let home: string;
  try {
    home = databaseForShard(ctx, website);
  } catch (error) {
    if (error instanceof ConsoleError) return { code: 'SHARD_UNKNOWN', message: error.message };
    throw error;
  }
  const target = request.target ?? home;
  if (!ctx.pools.has(target))
    return { code: 'SHARD_UNKNOWN', message: `No database named "${target}" is configured (configured: ${ctx.pools.targets.map((t) => t.name).join(', ')}).` };
  if (request.mode === 'replace' && target !== home) {
    return {
      code: 'TARGET_NOT_HOME',
      message: `A replace restores into the website's own database, ${home} (its shard_name), not ${target}. Restore side by side on ${target} (--into-schema), or move the website there first.`,
    };
  }
  return { website, home, target };
}

/**
 * Every reason the restore must not run, found without changing anything, and the plan: the website's
 * row on the primary, where it restores to, the archive, the live tenant schema against the archive's,
 * jobs in the way, rows of the website that exist (an empty place needs none anywhere), then one pass
 * over the archive counting the website's rows and probing the target for key collisions and missing
 * references (except side by side, which touches no live table).
 */
export async function preflightRestore(ctx: ConsoleContext, request: RestoreRequest): Promise<PreflightOutcome> {
  const placed = await placeRestore(ctx, request);
  if ('code' in placed) return refused([placed]);
  const chosen = await chooseArchive(request.path, request.websiteId, request.archive, tableRules(ctx), currentSignal());
  if ('code' in chosen) return refused([chosen]);
  try {
    const catalog = await ctx.catalog.get(placed.target, { refresh: true });
    const handle = ctx.pools.get(placed.target);
    const excluded = new Set((await restoreSchemas(handle)).keys());
    const { tables, refusals, notes } = restoreTables(catalog, chosen.archive, tableRules(ctx), excluded, request.mode);
    refusals.push(...(await busyRefusals(ctx, request, placed.target, placed.home)));
    // A table whose reads bring its INHERITS children's rows: its read-back would count them too.
    refusals.push(
      ...(await inheritanceRefusals(
        handle,
        scopedTables(catalog).filter((t) => !excluded.has(t.table.schema)),
      )),
    );
    const live = await rowsOnDatabase(
      handle,
      catalog,
      tables.map((t) => t.scoped),
      request.websiteId,
    );
    if (request.mode === 'empty') refusals.push(...(await rowsAnywhere(ctx, request.websiteId, placed.target, live)));
    if (request.mode === 'replace') refusals.push(...(await pointedAtFromOutside(handle, catalog, tables, request.websiteId, live)));
    if (refusals.length) return refused(refusals);
    const counted = await archivePass(handle, catalog, chosen.archive, tables, request, new Map(live.map((r) => [r.table, r.rows])));
    if (counted.refusals.length) return refused(counted.refusals);
    if ([...counted.rows.values()].every((n) => n === 0)) {
      const where = chosen.source.database ? `the archive of ${chosen.source.database}` : chosen.source.file;
      return refused([
        {
          code: 'NOT_IN_ARCHIVE',
          message: `${where} holds no rows of website ${request.websiteId} (it lived on another database then, or had none yet), so there is nothing to restore. Pick the archive that holds it (backup inspect PATH lists websites per archive).`,
        },
      ]);
    }
    const plan = planOf(request, placed, chosen, catalog, tables, counted.rows, live, notes);
    return { result: { ok: true, plan, refusals: [] }, fingerprint: chosen.fingerprint };
  } finally {
    await chosen.archive.close();
  }
}

/**
 * A replace: rows that are not the website's (another website's, or no website's) pointing at the
 * website's live rows. The replace takes those rows off the database before loading the archive's, and
 * could not (nor put them back on a rollback) while they are pointed at: refused before anything changes.
 */
export async function pointedAtFromOutside(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  tables: readonly RestoreTable[],
  websiteId: number,
  live: ReadonlyArray<{ table: string; rows: number }>,
): Promise<Refusal[]> {
  const scoped = tables.map((t) => t.scoped);
  const check = { source: handle, target: handle, sourceCatalog: catalog, targetCatalog: catalog, websiteId, tables: scoped };
  const consequence = () =>
    `A replace first takes the website's rows off ${handle.target.name} (into a holding schema) and could not while they are pointed at. Repoint or remove these references first, then restore again; or restore side by side (--into-schema NAME), which leaves the live rows alone.`;
  const refusals: Refusal[] = [];
  for (const t of scoped) {
    const rows = live.find((r) => r.table === t.name)?.rows ?? 0;
    refusals.push(...(await referencedFromOutside(check, t, rows, consequence)));
  }
  return refusals;
}

/** An empty place: the website's rows on any database (the target's counted already). */
async function rowsAnywhere(
  ctx: ConsoleContext,
  websiteId: number,
  target: string,
  onTarget: ReadonlyArray<{ table: string; rows: number }>,
): Promise<Refusal[]> {
  const elsewhere: string[] = onTarget.filter((r) => r.rows > 0).map((r) => `${target}: ${r.table} (${r.rows})`);
  for (const db of ctx.pools.targets) {
    if (db.name === target) continue;
    try {
      const catalog = await ctx.catalog.get(db.name, { refresh: true });
      const handle = ctx.pools.get(db.name);
      const excluded = new Set((await restoreSchemas(handle)).keys());
      const rows = await rowsOnDatabase(
        handle,
        catalog,
        scopedTables(catalog).filter((t) => !excluded.has(t.table.schema)),
        websiteId,
      );
      for (const r of rows) if (r.rows > 0) elsewhere.push(`${db.name}: ${r.table} (${r.rows})`);
    } catch (error) {
      return [
        {
          code: 'DATABASE_UNREACHABLE',
          message: `${db.name} could not be checked for rows of website ${websiteId} (${(error as Error).message}); an empty-place restore needs every database to have none. Bring it back, then restore again.`,
        },
      ];
    }
  }
  if (elsewhere.length === 0) return [];
  return [
    {
      code: 'WEBSITE_HAS_ROWS',
      message: `Website ${websiteId} still has rows (${elsewhere.join(', ')}), so this is no empty place. Replace them (--replace, on the database it routes to) or restore side by side (--into-schema NAME).`,
    },
  ];
}

/**
 * One pass over the archive, parents first: the website's rows per table and (except side by side)
 * every probe (restore-probes.ts), its collisions asked as soon as its table has passed, the references
 * once every table has; in a transaction on the target that is rolled back.
 */
async function archivePass(
  handle: DatabaseHandle,
  catalog: DatabaseCatalog,
  archive: PgDumpArchive,
  tables: readonly RestoreTable[],
  request: RestoreRequest,
  liveRows: ReadonlyMap<string, number>,
): Promise<{ rows: Map<string, number>; refusals: Refusal[] }> {
  const client = await handle.longSession();
  const rows = new Map<string, number>();
  const refusals: Refusal[] = [];
  try {
    await client.query('BEGIN');
    const probes = request.mode === 'side-by-side' ? [] : await planProbes(client, catalog, tables, request.websiteId, liveRows);
    const session: ProbeSession = { client, catalog, websiteId: request.websiteId, encoding: archive.info.encoding };
    const reader = new WebsiteLines(archive, tables, request.websiteId);
    for (const t of tables) {
      const probe = probes.find((p) => p.table.name === t.name);
      rows.set(t.name, await passTable(session, reader, t, probe));
      if (probe) refusals.push(...(await askTableCollisions(session, probe)));
    }
    refusals.push(...(await askReferences(session, probes)));
    return { rows, refusals };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

/** One table's lines: counted, handed to its probe, and the columns checked on the server streamed there. */
async function passTable(s: ProbeSession, reader: WebsiteLines, t: RestoreTable, probe: TableProbe | undefined): Promise<number> {
  let n = 0;
  if (probe) await holdStayingKeys(s, probe);
  const collect = probe ? probeCollector(probe) : null;
  if (!probe || probe.streamed.length === 0) {
    // Nothing goes to the server: the rows are looked at where the reader splits them.
    await reader.scan(t, (entry, buf, start, end) => (n++, collect?.(entry, buf, start, end)), currentSignal());
    return n;
  }
  const project = projector(probe.streamed);
  async function* projectedBatches() {
    for await (const { entry, lines } of reader.batches(t, currentSignal())) {
      n += lines.length;
      for (const line of lines) collect!(entry, line, 0, line.length);
      yield lines.map((line) => project(entry, line));
    }
  }
  await s.client.query(createProbeSql(probe));
  await s.client.query(
    `SAVEPOINT restore_stream; SET LOCAL client_encoding = ${encodingLiteral(s.encoding)}; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'`,
  );
  await copyLines(s.client, streamSql(probe), joinLines(projectedBatches()));
  await s.client.query('RELEASE SAVEPOINT restore_stream');
  await s.client.query(`SET LOCAL client_encoding = 'UTF8'`);
  return n;
}

function planOf(
  request: RestoreRequest,
  placed: { website: WebsiteRow; target: string },
  chosen: ChosenArchive,
  catalog: DatabaseCatalog,
  tables: readonly RestoreTable[],
  rows: Map<string, number>,
  live: Array<{ table: string; rows: number }>,
  notes: string[],
): RestorePlan {
  const liveRows = new Map(live.map((r) => [r.table, r.rows]));
  const planned = tables.map((t) => ({ table: t.name, level: t.scoped.level, archiveRows: rows.get(t.name) ?? 0, liveRows: liveRows.get(t.name) ?? 0 }));
  return {
    websiteId: request.websiteId,
    mode: request.mode,
    target: placed.target,
    routedTo: placed.website.shard,
    schema: request.intoSchema ?? null,
    source: chosen.source,
    tables: planned,
    totalArchiveRows: planned.reduce((n, t) => n + t.archiveRows, 0),
    totalLiveRows: planned.reduce((n, t) => n + t.liveRows, 0),
    materializedViews:
      request.mode === 'side-by-side'
        ? []
        : [...catalog.views.values()]
            .filter((v) => v.materialized)
            .map((v) => v.name)
            .sort(),
    viewRefresh: request.viewRefresh ?? 'concurrently',
    notes,
  };
}
