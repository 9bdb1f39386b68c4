import type pg from 'pg';
import type { RestoreStep } from '../../../shared/methods/restore-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { PgDumpArchive } from '../backups/archive/pg-dump-archive.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { RunningJob } from '../jobs/job-registry.ts';
import { saveJobDetailOn } from '../jobs/job-store.ts';
import { bumpSequences } from '../moves/bump-sequences.ts';
import { deleteWebsiteRows } from '../moves/delete-website-rows.ts';
import { rowsOnDatabase } from '../moves/move-preflight.ts';
import { materializedViewSources, refreshMaterializedViews, viewSourceGate } from '../moves/refresh-views.ts';
import type { ScopedTable } from '../moves/tenant-scope.ts';
import { compareAndSetShard, currentShard } from '../moves/website-switch.ts';
import { fencingJobs, installFence, liftFence, tablesLackingFence } from '../moves/write-fence.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { failpoint } from '../moves/move-failpoints.ts';
import { pointedAtFromOutside } from './restore-preflight.ts';
import { dropHeldRows, putBackConflict, heldRowsMisfits, holdWebsiteRows, putHeldRowsBack } from './holding-tables.ts';
import { analyzeWebsiteKey, loadWebsite, type LoadInto } from './load-website.ts';
import { overallProgress } from '../jobs/overall-progress.ts';
import { MODE_STEPS, RESTORE_STEP_WEIGHTS, rowHashOf, saveDetail, type RestoreDetail } from './restore-job-store.ts';
import { changedSinceRestore, RollbackRefused, rollsBackFinishedReplace } from './rollback-check.ts';
import { withEveryLiveColumn, type RestoreTable } from './restore-tables.ts';
import { createSideSchema, dropRestoreSchema, planSideTables, sideTable } from './side-schema.ts';
import { readBackAsLoaded, targetDigest, verifyRestore, type ReadBackOptions } from './verify-restore.ts';

/** Everything a step needs, set up once per run (catalogs fresh, the archive opened only for forward steps). */
export interface RunState {
  readonly ctx: ConsoleContext;
  readonly lock: pg.PoolClient;
  readonly jobId: string;
  readonly detail: RestoreDetail;
  readonly job: RunningJob | null;
  readonly target: DatabaseHandle;
  readonly catalog: DatabaseCatalog;
  /** The live tenant tables of the target (restore schemas left out), parents first. */
  readonly scoped: readonly ScopedTable[];
  /** With their archive data: forward runs only. */
  readonly tables: readonly RestoreTable[];
  /** Where the website's writes go (its shard_name's database): fenced by replace and empty place. */
  readonly home: { readonly handle: DatabaseHandle; readonly catalog: DatabaseCatalog; readonly scoped: readonly ScopedTable[] };
  readonly replica: boolean;
  readonly archive: () => Promise<PgDumpArchive>;
  /**
   * The target's digests read back as each table's load committed, in this run: a resumed job (whose
   * load ran in another process, with the website fenced since) reads them again at the verify step.
   */
  readonly readBack: { found: Record<string, { rows: number; hash: string }> | null };
  /** Saves the detail (queued behind saves still running). */
  readonly save: () => Promise<void>;
  /** The target's materialized-view refresh the load started once every table the views read was in (see viewsDuringLoad): whether it succeeded. */
  readonly views: { refreshed: Promise<boolean> | null };
}

const websiteOf = (s: RunState) => s.detail.request.websiteId;

function into(s: RunState): (t: RestoreTable) => LoadInto {
  const schema = s.detail.plan.schema;
  return (t) => (schema ? { schema, table: sideTable(t.scoped), side: true } : { schema: t.scoped.table.schema, table: t.scoped.table.table, side: false });
}

/** Refuses to go on when something else changed the website's shard_name since the restore was planned. */
async function assertRouting(s: RunState): Promise<void> {
  const now = await currentShard(s.ctx, websiteOf(s));
  if (now !== s.detail.plan.routedTo) {
    throw new ConsoleError(
      'RESTORE_FAILED',
      `Website ${websiteOf(s)} now routes to "${now ?? '(no pwb_websites row)'}", not "${s.detail.plan.routedTo}": something changed its shard_name during the restore. Roll the job back.`,
      { target: String(websiteOf(s)) },
    );
  }
}

/**
 * Why a rollback may not remove the website's rows on the target now, or null. Only while the website
 * still routes where it did when the restore began: with its shard_name changed since (by hand, or by a
 * tool that ignores the fence) the rows on the target may be the ones it serves, and putting held rows
 * back would make a second copy beside them. And a put-back only while the held rows fit the live
 * tables (heldRowsMisfits). Asked before a rollback starts (a refusal then changes nothing) and again
 * by the step that removes the rows.
 */
export async function rollbackRemovalRefusal(s: RunState, putBack: boolean, code: 'ACTION_NOT_ALLOWED' | 'RESTORE_FAILED'): Promise<ConsoleError | null> {
  const { routedTo, target } = s.detail.plan;
  const unchanged = code === 'ACTION_NOT_ALLOWED' ? 'Nothing was changed.' : 'Nothing was removed.';
  const now = await currentShard(s.ctx, websiteOf(s));
  if (now !== routedTo) {
    return new ConsoleError(
      code,
      `Website ${websiteOf(s)} now routes to "${now ?? '(no pwb_websites row)'}", not "${routedTo}" as when the restore began: something changed its shard_name, and rolling back would remove rows on ${target} that it may be serving. ${unchanged} Put its shard_name back to "${routedTo}" and roll back again, or leave the rows as they are.`,
      { target: String(websiteOf(s)) },
    );
  }
  const misfits = putBack ? await heldRowsMisfits(s.target, s.scoped, s.jobId) : [];
  // A replace whose fence came off (the website served), before or since its rollback began.
  const finished = rollsBackFinishedReplace(s.detail) || rollsBackServingSite(s);
  // What else the job offers then: a finished replace's restored rows may stay; an unfinished one, before its rollback starts, may resume.
  const instead = finished ? 'Keep the restored rows (discard the job)' : code === 'ACTION_NOT_ALLOWED' ? 'Resume the restore instead' : null;
  if (misfits.length === 0) {
    // Tried behind a fence only: a finished replace's by the step (at the rollback's start the website is
    // served, and the trial would hold its rows' locks beside the application's writes), an unfinished
    // one's (fenced all along) at the start too. Never once the put-back began taking rows off.
    const trial = putBack && !s.detail.putBackStarted && (code === 'RESTORE_FAILED' || !finished);
    const conflict = trial ? await putBackConflict(s.target, s.catalog, s.scoped, websiteOf(s), s.jobId, s.replica) : null;
    if (conflict === null) return null;
    return new ConsoleError(
      code,
      `Website ${websiteOf(s)}'s held rows cannot go back on ${target} as restore job ${s.jobId} held them: ${conflict}. ${unchanged} Clear what is in the way and roll back again${instead ? `, or ${instead.charAt(0).toLowerCase()}${instead.slice(1)}` : ''}; or copy what you need from its holding tables in shard_console by hand.`,
      { target: s.jobId, details: { conflict } },
    );
  }
  return new ConsoleError(
    code,
    `The tenant tables on ${target} changed since restore job ${s.jobId} held website ${websiteOf(s)}'s rows, so they cannot go back as they were: ${misfits.join('; ')}. ${unchanged} ${instead ?? 'Roll back again once that is cleared'}, or copy what you need from its holding tables in shard_console by hand.`,
    { target: s.jobId, details: { misfits } },
  );
}

async function assertRemovalAllowed(s: RunState, putBack: boolean): Promise<void> {
  const refusal = await rollbackRemovalRefusal(s, putBack, 'RESTORE_FAILED');
  if (refusal) throw refusal;
}

/**
 * An empty place, checked again behind the fence: the website may have got rows on the database it
 * routes to (a contact form, seed pages) between the preflight and the fence, and the load would delete
 * them (its target clears the website's rows first) or leave them behind (another target). Writes there
 * are fenced from here on, and only its routing sends writes anywhere, so nothing can come after.
 */
async function assertStillEmpty(s: RunState): Promise<void> {
  const places = s.home.handle === s.target ? [s.home] : [s.home, { handle: s.target, catalog: s.catalog, scoped: s.scoped }];
  const found: string[] = [];
  for (const place of places) {
    for (const r of await rowsOnDatabase(place.handle, place.catalog, place.scoped, websiteOf(s))) {
      if (r.rows > 0) found.push(`${place.handle.target.name}: ${r.table} (${r.rows})`);
    }
  }
  if (found.length === 0) return;
  // The website is served from those rows: its writes must not stay refused until someone acts.
  await liftFence(s.home.handle, websiteOf(s), s.jobId);
  throw new ConsoleError(
    'RESTORE_REFUSED',
    `Website ${websiteOf(s)} got rows since the preflight (${found.join(', ')}), so this is no longer an empty place; nothing was loaded or deleted, and the fence is lifted again. Roll the job back to close it (shard-console restore rollback ${s.jobId}), then restore with --replace on the database it routes to, or side by side.`,
    { target: s.jobId, details: { refusals: [{ code: 'WEBSITE_HAS_ROWS', message: found.join(', ') }] } },
  );
}

/**
 * A replace, checked again behind the fence: a row that is not the website's may have come to point at
 * one of its rows since the preflight (the fence stops writes of the website's rows only), and the
 * replace could then neither take the website's rows off nor put them back. Refused with the fence
 * lifted, nothing held or removed.
 */
async function assertNotPointedAt(s: RunState): Promise<void> {
  const live = await rowsOnDatabase(s.target, s.catalog, s.scoped, websiteOf(s));
  const refusals = await pointedAtFromOutside(s.target, s.catalog, s.tables, websiteOf(s), live);
  if (refusals.length === 0) return;
  await liftFence(s.home.handle, websiteOf(s), s.jobId);
  throw new ConsoleError(
    'RESTORE_REFUSED',
    `${refusals.map((r) => r.message).join(' ')} Nothing was held or removed, and the fence is lifted again; resume the job once they are gone, or roll it back to close it.`,
    { target: s.jobId, details: { refusals } },
  );
}

/** The website's rows on the target go, before a load or a put-back: fenced there, in batches by position. */
async function clearTarget(s: RunState): Promise<void> {
  await deleteWebsiteRows(s.target, s.catalog, s.scoped, websiteOf(s), { fenced: s.home.handle === s.target });
}

async function load(s: RunState): Promise<void> {
  if (s.detail.plan.schema === null) {
    await assertRouting(s);
    await clearTarget(s);
  }
  s.detail.archiveDigests = {};
  s.readBack.found = null;
  s.detail.progress = s.detail.plan.tables.map((t) => ({ table: t.table, loadedRows: 0, archiveRows: t.archiveRows, done: false }));
  await s.save();
  const archive = await s.archive();
  const readBack = readBackAsLoaded({ ...verifyTarget(s), encoding: archive.info.encoding, serverVersion: archive.info.serverVersion });
  const views = await viewsDuringLoad(s, readBack);
  try {
    await loadWebsite({
      handle: s.target,
      catalog: s.catalog,
      archive,
      tables: views.order,
      websiteId: websiteOf(s),
      into: into(s),
      replica: s.replica,
      rowHash: rowHashOf(s.detail),
      // The job's lock, the read-back and the job's own saves keep a session each: the rest load.
      streams: Math.min(2, s.ctx.profile.pool.max - 3),
      plannedRows: new Map(s.detail.plan.tables.map((t) => [t.table, t.archiveRows])),
      largest: [...s.detail.plan.tables].sort((a, b) => b.archiveRows - a.archiveRows)[0]?.table,
      onProgress: loadProgress(s),
      onLoaded: async (table, digest, analyze, readAlready) => {
        s.detail.archiveDigests[table] = digest;
        await s.save();
        const t = s.tables.find((x) => x.name === table)!;
        if (readAlready) s.detail.timings['load.read-back-before-commit'] = readAlready.ms;
        // Statistics first, in the read-back's own lane (it plans with them), while the next table loads.
        readBack.push(t, analyze ? () => analyzeWebsiteKey(s.target, t) : null, readAlready?.digest);
        views.loaded(table);
      },
    });
  } catch (error) {
    // Nothing of this run's read-backs is wanted now: their session goes back before the failure is told.
    await readBack.abandon();
    throw error;
  }
  s.readBack.found = await readBack.done();
}

/** The load's progress: the job's event, and the job saved at most once a second and as each table ends. */
function loadProgress(s: RunState): (table: string, loadedRows: number, done: boolean) => void {
  const total = s.detail.plan.totalArchiveRows;
  const loadedBefore = (table: string) => s.detail.progress.filter((p) => p.table !== table).reduce((n, p) => n + p.loadedRows, 0);
  let lastSaved = 0;
  return (table, loadedRows, done) => {
    const p = s.detail.progress.find((x) => x.table === table);
    if (p) Object.assign(p, { loadedRows, done });
    const loaded = loadedBefore(table) + loadedRows;
    s.job?.progress({
      phase: 'load',
      done: loaded,
      total,
      unit: 'rows',
      message: `${table}: ${loadedRows} of ${p?.archiveRows ?? '?'} rows`,
      overall: overallProgress(MODE_STEPS[s.detail.request.mode], 'load', total > 0 ? loaded / total : 1, RESTORE_STEP_WEIGHTS),
    });
    if (done || Date.now() - lastSaved > 1000) {
      lastSaved = Date.now();
      void s.save().catch(() => {});
    }
  };
}

/**
 * The tables the target's materialized views read load first within their level (a level references
 * only lower ones, so any order inside it keeps parents first), and once all of them are committed the
 * views' refresh joins the read-back's lane (no session of its own: the pool keeps its headroom) while
 * the other tables load: the refresh, one backend's work, shares the machine with the load instead of
 * following it. Views that may read any table (through a function) wait for every table. The views step
 * then takes it (or refreshes, in a run that did not start one). A side schema has no views to refresh.
 */
async function viewsDuringLoad(
  s: RunState,
  lane: Pick<ReturnType<typeof readBackAsLoaded>, 'also'>,
): Promise<{ order: readonly RestoreTable[]; loaded: (table: string) => void }> {
  s.views.refreshed = null;
  if (s.detail.plan.schema !== null || s.detail.plan.materializedViews.length === 0) return { order: s.tables, loaded: () => {} };
  const refresh = async () => {
    const started = performance.now();
    await refreshMaterializedViews(s.target, s.catalog, viewRefresh(s));
    s.detail.timings['views.during-load'] = Math.round(performance.now() - started);
  };
  const tables = s.tables.map((t) => ({ name: t.name, schema: t.scoped.table.schema, table: t.scoped.table.table }));
  const gate = viewSourceGate(await materializedViewSources(s.target), tables, () => (s.views.refreshed = lane.also(refresh)));
  const isSource = (t: RestoreTable) => gate.read.has(t.name);
  const order = [...s.tables].sort((a, b) => a.scoped.level - b.scoped.level || Number(isSource(b)) - Number(isSource(a)));
  return { order, loaded: gate.written };
}

/** The views step: the refresh the load started, when it succeeded; otherwise one now. */
async function refreshViews(s: RunState): Promise<void> {
  if (s.views.refreshed !== null && (await s.views.refreshed)) return;
  await refreshMaterializedViews(s.target, s.catalog, viewRefresh(s));
}

function verifyTarget(s: RunState) {
  return { handle: s.target, catalog: s.catalog, websiteId: websiteOf(s), into: into(s), rowHash: rowHashOf(s.detail) };
}

/**
 * Over every live column, the digests of the restored tables that have columns the backup lacked: what a
 * later rollback compares, so the application's writes to those columns count as changes too.
 */
async function liveDigests(s: RunState, options: ReadBackOptions): Promise<Record<string, { rows: number; hash: string }>> {
  const found: Record<string, { rows: number; hash: string }> = {};
  for (const t of s.tables) {
    const wide = withEveryLiveColumn(t);
    if (wide) found[t.name] = await targetDigest(options, wide);
  }
  return found;
}

async function verify(s: RunState): Promise<void> {
  const opened = await s.archive();
  const options = {
    ...verifyTarget(s),
    tables: s.tables,
    archiveDigests: s.detail.archiveDigests,
    openArchive: s.archive,
    encoding: opened.info.encoding,
    serverVersion: opened.info.serverVersion,
  };
  s.detail.verification = await verifyRestore(options, s.readBack.found ?? {});
  s.detail.verified = s.detail.verification.every((t) => t.ok);
  if (s.detail.verified && s.detail.request.mode === 'replace') s.detail.liveDigests = await liveDigests(s, options);
  await s.save();
  const bad = s.detail.verification.filter((t) => !t.ok);
  if (bad.length === 0) return;
  const parts = bad.map(
    (t) =>
      `${t.table}: ${t.archiveRows} rows in the archive, ${t.targetRows} on ${s.target.target.name}${t.firstDifferences.length ? `, first differences ${t.firstDifferences.join(', ')}` : ''}`,
  );
  const before =
    s.detail.request.mode === 'replace'
      ? 'so the fence stays up (writes to the website are paused)'
      : s.detail.request.mode === 'empty'
        ? 'before the switch'
        : 'in the side schema';
  throw new ConsoleError(
    'VERIFY_FAILED',
    `Verification failed, ${before}: ${parts.join('; ')}. Roll the job back (shard-console restore rollback ${s.jobId}) and investigate.`,
    { target: s.jobId },
  );
}

/**
 * The empty place's switch: shard_name compare-and-set on the primary and the job's next step, in one
 * transaction on the job's own session, so a crash leaves both or neither.
 */
async function switchRouting(s: RunState): Promise<void> {
  const { routedTo, target } = s.detail.plan;
  await s.lock.query('BEGIN');
  try {
    const now = await compareAndSetShard(s.lock, websiteOf(s), routedTo, target);
    if (now !== target) {
      throw new ConsoleError(
        'RESTORE_FAILED',
        `The switch found website ${websiteOf(s)} routed to "${now ?? '(no pwb_websites row)'}" instead of "${routedTo}"; nothing was switched. Roll the job back.`,
        { target: String(websiteOf(s)) },
      );
    }
    s.detail.step = 'views';
    await saveJobDetailOn(s.lock, s.jobId, s.detail);
    await s.lock.query('COMMIT');
  } catch (error) {
    await s.lock.query('ROLLBACK').catch(() => {});
    s.detail.step = 'switch';
    throw error;
  }
}

const viewRefresh = (s: RunState) => s.detail.plan.viewRefresh;

/**
 * A finished replace's rollback refused before its put-back removed anything: the website was served
 * with the restored rows, and is again, unfenced; the job goes back to done, keeping the reason. The job
 * is first put back to its fence step, so a process killed after the lift fences (and checks) again
 * rather than running the put-back unfenced.
 */
async function refuseBackToDone(s: RunState, refusal: ConsoleError): Promise<never> {
  s.detail.step = s.detail.rollbackCheck ? 'rollback:check' : 'rollback:fence';
  await s.save();
  await liftFence(s.home.handle, websiteOf(s), s.jobId);
  failpoint('rollback:put-back:lifted');
  const told = new ConsoleError(
    refusal.code,
    `${refusal.message} The fence is lifted again: website ${websiteOf(s)} keeps its restored rows and takes writes.`,
    {
      target: s.jobId,
      ...(refusal.details ? { details: refusal.details } : {}),
    },
  );
  await backToDone(s, told);
  throw new RollbackRefused(told);
}

/** A rollback of a replace that had finished (or was stopped lifting its fence): the website was served with the restored rows. */
const rollsBackServingSite = (s: RunState) => s.detail.request.mode === 'replace' && (s.detail.rollbackFrom === 'done' || s.detail.rollbackFrom === 'unfence');

/**
 * A rollback that found the job done: the website's writes flowed again, and the job goes back to that.
 * `why`: kept on the job when the caller may have been answered already (a rollback without its check).
 */
async function backToDone(s: RunState, why: ConsoleError | null = null): Promise<void> {
  s.detail.rollbackFrom = null;
  s.detail.rollbackCheck = false;
  s.detail.step = 'done';
  // A job stopped during its unfence had not finished: it has now, as far as its record tells.
  await saveDetail(s.ctx.pools.primary(), s.jobId, s.detail, { state: 'succeeded', error: why?.toInfo() ?? null, finished: 'unless-set' });
}

/**
 * The fence, put up again for a rollback. A finished replace's website is served, unfenced: when the
 * fence cannot be put up (older transactions not done in time, another job's fence), it comes off again
 * and the job goes back to done, so the website's writes are not left refused by a rollback that never ran.
 */
async function fenceForRollback(s: RunState): Promise<void> {
  const serving = rollsBackServingSite(s);
  try {
    await installFence(s.home.handle, s.home.catalog, s.home.scoped, websiteOf(s), s.jobId);
  } catch (error) {
    if (!serving || !(error instanceof ConsoleError)) throw error;
    await liftFence(s.home.handle, websiteOf(s), s.jobId);
    const refusal = new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `${error.message} Nothing was rolled back, and the fence is lifted again: website ${websiteOf(s)} keeps its restored rows and takes writes. Roll back again once that is cleared.`,
      { target: s.jobId },
    );
    // A rollback without its check answered its caller before this step: the job itself says why.
    await backToDone(s, refusal);
    throw new RollbackRefused(refusal);
  }
}

/**
 * A replace or an empty place taken up again behind its fence (after the fence step, before the fence
 * comes off): the tenant tables were read again, and one a migration added meanwhile gets the fence too,
 * as a move's do, while the job's own fence stands. What the website wrote into such a table before
 * that is not lost: a replace holds it with the rest (its hold step ran before the table existed), so a
 * rollback puts it back; an empty place is refused before its switch, which would leave those rows
 * behind on the database the website routes to.
 */
export async function fenceNewTables(s: RunState): Promise<void> {
  const { mode } = s.detail.request;
  const at = MODE_STEPS[mode].indexOf(s.detail.step);
  if (mode === 'side-by-side' || at <= MODE_STEPS[mode].indexOf('fence') || at >= MODE_STEPS[mode].indexOf('unfence')) return;
  if (!(await fencingJobs(s.home.handle, websiteOf(s))).includes(s.jobId)) return;
  const lacking = await tablesLackingFence(s.home.handle, s.home.scoped);
  if (lacking.length === 0) return;
  await installFence(s.home.handle, s.home.catalog, lacking, websiteOf(s), s.jobId);
  if (mode === 'replace') {
    if (at > MODE_STEPS.replace.indexOf('hold')) await holdWebsiteRows(s.target, s.catalog, lacking, websiteOf(s), s.jobId);
    return;
  }
  if (at >= MODE_STEPS.empty.indexOf('switch')) return;
  const found = (await rowsOnDatabase(s.home.handle, s.home.catalog, lacking, websiteOf(s))).filter((r) => r.rows > 0);
  if (found.length === 0) return;
  throw new ConsoleError(
    'RESTORE_FAILED',
    `Website ${websiteOf(s)} wrote rows on ${s.home.handle.target.name} into ${found.map((r) => `${r.table} (${r.rows})`).join(', ')}, tenant tables added since this restore began, so that is no longer an empty place: switched, the website would leave them behind. Roll the job back (shard-console restore rollback ${s.jobId}), then restore with --replace on the database it routes to, or side by side.`,
    { target: s.jobId },
  );
}

/** What each step does; each is safe to run again after a crash anywhere inside it. */
export const STEP_WORK: Partial<Record<RestoreStep, (s: RunState) => Promise<void>>> = {
  fence: async (s) => {
    await assertRouting(s);
    await installFence(s.home.handle, s.home.catalog, s.home.scoped, websiteOf(s), s.jobId, { liftIfWaitFails: true });
    if (s.detail.request.mode === 'empty') await assertStillEmpty(s);
    if (s.detail.request.mode === 'replace') await assertNotPointedAt(s);
  },
  hold: (s) => holdWebsiteRows(s.target, s.catalog, s.scoped, websiteOf(s), s.jobId),
  clear: (s) => clearTarget(s),
  schema: (s) => createSideSchema(s.target, s.detail.plan.schema!, s.jobId, websiteOf(s), s.detail.plan.source.file, s.scoped),
  load,
  sequences: async (s) => void (await bumpSequences(s.target, s.scoped)),
  verify,
  switch: switchRouting,
  views: refreshViews,
  unfence: (s) => liftFence(s.home.handle, websiteOf(s), s.jobId),
  'rollback:fence': fenceForRollback,
  'rollback:check': async (s) => {
    // Fenced again first: a refusal that lifted the fence and was killed before it put the job back left
    // the job here, unfenced, and a check that passes now must not let the put-back run beside writes.
    await fenceForRollback(s);
    const refusal = await changedSinceRestore(s.ctx, s.jobId, s.detail, s.catalog);
    if (!refusal) return;
    // Refused: the job goes back to where the rollback found it, the website's writes flow again.
    await liftFence(s.home.handle, websiteOf(s), s.jobId);
    failpoint('rollback:check:lifted');
    await backToDone(s);
    throw new RollbackRefused(refusal);
  },
  'rollback:remove': async (s) => {
    await assertRemovalAllowed(s, false);
    await clearTarget(s);
  },
  'rollback:put-back': async (s) => {
    const refusal = await rollbackRemovalRefusal(s, true, 'RESTORE_FAILED');
    if (refusal && rollsBackServingSite(s) && !s.detail.putBackStarted) await refuseBackToDone(s, refusal);
    if (refusal) throw refusal;
    // From here the website's rows go: a rerun (after a failure or a crash) finishes the put-back.
    if (!s.detail.putBackStarted) {
      s.detail.putBackStarted = true;
      await s.save();
    }
    await clearTarget(s);
    failpoint('rollback:put-back:cleared');
    await putHeldRowsBack(s.target, s.catalog, s.scoped, websiteOf(s), s.jobId, s.replica);
  },
  'rollback:sequences': async (s) => void (await bumpSequences(s.target, s.scoped)),
  'rollback:views': async (s) => void (await refreshMaterializedViews(s.target, s.catalog, viewRefresh(s))),
  'rollback:unfence': (s) => liftFence(s.home.handle, websiteOf(s), s.jobId),
  'rollback:drop': async (s) => {
    if (s.detail.plan.schema) await dropRestoreSchema(s.target, s.detail.plan.schema, planSideTables(s.detail.plan), s.jobId, { othersAreNotOurs: true });
    else await dropHeldRows(s.target, s.jobId);
  },
};
