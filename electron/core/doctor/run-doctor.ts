import type { DoctorResult, Finding } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import type { DatabaseHandle, DatabaseHealth } from '../pools/cluster-pools.ts';
import { websitesPerShard } from '../tenants/website-routing.ts';
import { finding } from './doctor-finding.ts';
import { fenceFindings } from './fence-findings.ts';
import { idRangeFindings, readIdRanges } from './id-range-findings.ts';
import type { IdRange } from './id-range-findings.ts';
import { lastMovesTouching, materializedViewFindings, viewStaleness } from './materialized-view-findings.ts';
import type { LastMove, ViewStaleness } from './materialized-view-findings.ts';
import { driftFindings, migrationFindings } from './migration-findings.ts';
import { placementFindings } from './placement-findings.ts';
import { readRoutingMap } from './routing-map.ts';
import { sequenceSlotFindings } from './slot-findings.ts';
import { unknownShardFindings, unreachableFindings, versionFindings } from './server-findings.ts';
import { tenantKeyTotals } from './tenant-key-totals.ts';
import { readIdentity, sameDatabase } from '../add-shard/database-identity.ts';

type Check = DoctorResult['checks'][number];

const severityOrder = { error: 0, warning: 1, info: 2 } as const;

const VIEWS_NOTE =
  "Observed: each view's stored rows are compared with what its query returns now (PostgreSQL records no refresh time); " +
  'the last move touching the database, from shard_console.move_jobs, is named when there is one.';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A reading that may have failed, kept apart so one failure hides nothing else. */
type Settled<T> = { readonly value: T; readonly error: null } | { readonly value: null; readonly error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ value, error: null }),
    (error: unknown) => ({ value: null, error }),
  );
}

/** What the doctor read of one database that answered: each reading on its own, so one that fails (a timeout) hides nothing else. */
interface DatabaseScan {
  readonly name: string;
  readonly handle: DatabaseHandle;
  readonly catalog: DatabaseCatalog;
  readonly totals: Settled<Map<number, number>>;
  readonly ranges: Settled<Map<string, IdRange>>;
  readonly views: Settled<ViewStaleness[]>;
}

type Reading = 'totals' | 'ranges' | 'views';

/** The scans whose `reading` succeeded, with its value. */
function readOf<K extends Reading>(
  scans: readonly DatabaseScan[],
  reading: K,
): Array<{ name: string; scan: DatabaseScan; value: NonNullable<DatabaseScan[K]['value']> }> {
  return scans.flatMap((scan) => {
    const settled = scan[reading];
    return settled.error === null ? [{ name: scan.name, scan, value: settled.value as NonNullable<DatabaseScan[K]['value']> }] : [];
  });
}

/** A check over one reading: ran when every database gave it, else partial, naming what was not read and why. */
function coverageOf(scans: readonly DatabaseScan[], reading: Reading, databases: number, what: string): Pick<Check, 'status' | 'note'> {
  const read = readOf(scans, reading);
  if (read.length === databases) return { status: 'ran', note: null };
  const failed = scans.filter((s) => s[reading].error !== null).map((s) => `${s.name}'s ${what} could not be read: ${messageOf(s[reading].error)}`);
  const names = read.map((r) => r.name).join(', ') || 'no database';
  return { status: 'partial', note: [`Only ${names} could be read; the others were not checked.`, ...failed].join(' ') };
}

/** Everything the checks judge, read from every database in parallel before any judging. */
interface ClusterReadings {
  readonly routing: Settled<Map<number, string>>;
  readonly counts: Settled<Map<string, number>>;
  readonly scans: DatabaseScan[];
  /** Databases that answered the health check but failed while they were read. */
  readonly scanFailures: Finding[];
  readonly lastMoves: Map<string, LastMove>;
  readonly migrations: Settled<Finding[]>;
  readonly drift: Settled<Finding[]>;
  readonly fences: Settled<Finding[]>;
  /** The primary's name, and whether it answered the health check (when not, its finding says so already). */
  readonly primaryName: string;
  readonly primaryReached: boolean;
  /** Names that are another configured name's database (see sameDatabases), with that name. */
  readonly aliases?: ReadonlyMap<string, string>;
}

/** The findings and the checks' statuses, added to by each check in turn. */
interface Verdict {
  readonly findings: Finding[];
  readonly checks: Check[];
}

/**
 * Every check the doctor knows, over every database in parallel. Read-only throughout: findings say
 * what to do and link to where it is done, they never do it. A database that does not answer is a
 * finding of its own and its checks are marked partial, never fatal for the rest.
 */
export async function runDoctor(ctx: ConsoleContext): Promise<DoctorResult> {
  const started = performance.now();
  const targets = ctx.pools.targets;
  const healths = await Promise.all(targets.map((t) => ctx.pools.health(t.name)));
  const reachable = targets.filter((_, i) => healths[i]!.reachable);
  const allReachable = reachable.length === targets.length;
  const verdict: Verdict = {
    findings: [...unreachableFindings(targets, healths), ...versionFindings(targets, healths)],
    checks: [
      { check: 'databases reachable', status: 'ran', note: null },
      { check: 'server versions', status: allReachable ? 'ran' : 'partial', note: allReachable ? null : 'Only the databases that answered were compared.' },
    ],
  };
  const aliases = await sameDatabases(ctx, reachable);
  verdict.findings.push(...aliases.findings);
  // A database under two names records its one slot under both: judged once.
  const slots = await sequenceSlotFindings(
    ctx,
    reachable.filter((t) => !aliases.of.has(t.name)),
    allReachable,
  );
  verdict.findings.push(...slots.findings);
  verdict.checks.push(slots.check);
  const readings = await readCluster(ctx, reachable);
  verdict.findings.push(...readings.scanFailures);
  await judgeCluster({ ...readings, aliases: aliases.of }, verdict, new Set(targets.map((t) => t.name)), targets.length);
  verdict.findings.sort(byImportance);
  return {
    checkedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
    findings: verdict.findings,
    checks: verdict.checks,
    databases: targets.map((t, i) => databaseSummary(t, healths[i]!, verdict.findings)),
  };
}

/**
 * Names of the profile that reach one database (a pooler's port, a DNS alias, another spelling the
 * profile's check cannot tell apart), asked of the servers themselves. Every website's rows there would
 * be counted twice and called misplaced on one name, and the advice would be to delete them: an error
 * of its own, and rows are judged under the first name only.
 */
async function sameDatabases(ctx: ConsoleContext, reachable: readonly DatabaseTarget[]): Promise<{ findings: Finding[]; of: Map<string, string> }> {
  const identities = await Promise.all(reachable.map((t) => readIdentity(ctx.pools.get(t.name)).catch(() => null)));
  const findings: Finding[] = [];
  const of = new Map<string, string>();
  reachable.forEach((target, i) => {
    const mine = identities[i];
    const first = mine ? reachable.findIndex((_, j) => j < i && identities[j] !== null && sameDatabase(identities[j]!, mine)) : -1;
    if (first === -1) return;
    const original = reachable[first]!;
    of.set(target.name, original.name);
    findings.push(
      finding(
        'same-database',
        'error',
        { database: target.name },
        `${target.name} (${target.host}:${target.port}) is the same database as ${original.name} (${original.host}:${original.port}): the server says so. Every website's rows there are counted twice, and on one of the names called misplaced.`,
        `Remove ${target.name} from the profile (each database under one name), and point every shard_name that says "${target.name}" at "${original.name}". Delete no rows for it: they are ${original.name}'s. Its rows were judged as ${original.name}'s only.`,
      ),
    );
  });
  return { findings, of };
}

async function readCluster(ctx: ConsoleContext, reachable: readonly DatabaseTarget[]): Promise<ClusterReadings> {
  const [routing, counts, scanned, lastMoves, migrations, drift, fences] = await Promise.all([
    settle(readRoutingMap(ctx)),
    settle(websitesPerShard(ctx)),
    Promise.all(reachable.map((t) => scanDatabase(ctx, t))),
    lastMovesTouching(
      ctx,
      reachable.map((t) => t.name),
    ),
    settle(migrationFindings(ctx)),
    settle(driftFindings(ctx)),
    settle(
      fenceFindings(
        ctx,
        reachable.map((t) => t.name),
      ),
    ),
  ]);
  const scans = scanned.flatMap((s) => (s.scan ? [s.scan] : []));
  const scanFailures = scanned.flatMap((s) => (s.failure ? [s.failure] : []));
  const primaryName = ctx.pools.primary().target.name;
  return {
    routing,
    counts,
    scans,
    scanFailures,
    lastMoves,
    migrations,
    drift,
    fences,
    primaryName,
    primaryReached: reachable.some((t) => t.name === primaryName),
  };
}

async function scanDatabase(ctx: ConsoleContext, target: DatabaseTarget): Promise<{ scan?: DatabaseScan; failure?: Finding }> {
  try {
    const handle = ctx.pools.get(target.name);
    // Read fresh: the doctor is what an operator runs when something looks wrong.
    const catalog = await ctx.catalog.get(target.name, { refresh: true });
    const [totals, ranges, views] = await Promise.all([
      settle(tenantKeyTotals(handle, catalog)),
      settle(readIdRanges(handle, catalog)),
      settle(viewStaleness(handle, catalog, ctx.profile.tenantKeys)),
    ]);
    if (totals.error !== null && ranges.error !== null && views.error !== null) throw totals.error;
    const scan = { name: target.name, handle, catalog, totals, ranges, views };
    if (totals.error === null) return { scan };
    // The doctor's main check did not run here: an error of its own, never only a note (a clean
    // "nothing wrong" and exit 0 would hide it).
    return {
      scan,
      failure: finding(
        'unreachable-database',
        'error',
        { database: target.name },
        `${target.name}'s rows per website could not be counted (${messageOf(totals.error)}), so misplaced, split and orphaned rows there were not checked.`,
        `Check ${target.name}'s server log and permissions (the console needs SELECT on every tenant table); if it timed out, raise pool.statementTimeoutMs in the profile. Then run the doctor again.`,
      ),
    };
  } catch (error) {
    return {
      failure: finding(
        'unreachable-database',
        'error',
        { database: target.name },
        `${target.name} answered the health check but failed while the doctor read it: ${messageOf(error)}`,
        `Check ${target.name}'s server log and permissions (the console needs SELECT on every tenant table), then run the doctor again.`,
      ),
    };
  }
}

/** Runs every check over the readings; a check whose databases did not all answer is `partial`. */
async function judgeCluster(readings: ClusterReadings, verdict: Verdict, configured: ReadonlySet<string>, databases: number): Promise<void> {
  const coverage = readings.scans.length === databases ? 'ran' : 'partial';
  checkShardNames(readings.counts, configured, verdict);
  await checkPlacement(readings, configured, verdict, coverageOf(readings.scans, 'totals', databases, 'rows per website'));
  // A database under two names is judged once, under the first (against itself, its ids all overlap).
  const once = <T extends { name: string }>(read: T[]) => read.filter((r) => !readings.aliases?.has(r.name));
  verdict.findings.push(...idRangeFindings(new Map(once(readOf(readings.scans, 'ranges')).map((r) => [r.name, r.value]))));
  verdict.checks.push({ check: 'id ranges between databases', ...coverageOf(readings.scans, 'ranges', databases, 'id ranges') });
  for (const r of once(readOf(readings.scans, 'views'))) verdict.findings.push(...materializedViewFindings(r.name, r.value, readings.lastMoves.get(r.name)));
  const views = coverageOf(readings.scans, 'views', databases, 'materialized views');
  verdict.checks.push({ check: 'materialized views refreshed', status: views.status, note: [VIEWS_NOTE, views.note].filter(Boolean).join(' ') });
  verdict.findings.push(...(readings.migrations.value ?? []), ...(readings.drift.value ?? []));
  verdict.checks.push(serviceCheck('pending migrations', readings.migrations, coverage));
  verdict.checks.push(serviceCheck('schema drift', readings.drift, coverage));
  verdict.findings.push(...(readings.fences.value ?? []));
  verdict.checks.push(serviceCheck('write fences left standing', readings.fences, coverage));
}

function checkShardNames(counts: Settled<Map<string, number>>, configured: ReadonlySet<string>, verdict: Verdict): void {
  if (counts.value) {
    verdict.findings.push(...unknownShardFindings(counts.value, configured));
    verdict.checks.push({ check: 'shard_name values', status: 'ran', note: null });
  } else {
    verdict.checks.push({ check: 'shard_name values', status: 'unavailable', note: `The primary did not answer: ${messageOf(counts.error)}` });
  }
}

async function checkPlacement(
  readings: ClusterReadings,
  configured: ReadonlySet<string>,
  verdict: Verdict,
  coverage: Pick<Check, 'status' | 'note'>,
): Promise<void> {
  const check = 'misplaced, split and orphaned rows';
  if (!readings.routing.value) {
    const why = `Needs the routing map from the primary, which did not answer: ${messageOf(readings.routing.error)}`;
    verdict.checks.push({ check, status: 'unavailable', note: why });
    // The doctor's main check did not run: an error of its own, never a clean exit 0 (a primary that
    // did not answer at all, or failed while it was read, has its finding already).
    if (readings.primaryReached && !readings.scanFailures.some((f) => f.database === readings.primaryName))
      verdict.findings.push(
        finding(
          'unreachable-database',
          'error',
          { database: readings.primaryName },
          `pwb_websites could not be read on ${readings.primaryName} (${messageOf(readings.routing.error)}), so no website's rows were checked against its routing.`,
          `Check that ${readings.primaryName} is the primary (it holds pwb_websites) and that the console may SELECT from it; if it timed out, raise pool.statementTimeoutMs in the profile. Then run the doctor again.`,
        ),
      );
    return;
  }
  // A name that is another's database is judged once, under the first name.
  const counted = readOf(readings.scans, 'totals').filter((r) => !readings.aliases?.has(r.name));
  // A website routed to the second name of a database is routed to its first, where its rows are judged.
  const aliases = readings.aliases ?? new Map<string, string>();
  const routing = aliases.size ? new Map([...readings.routing.value].map(([id, shard]) => [id, aliases.get(shard) ?? shard])) : readings.routing.value;
  const found = await placementFindings({
    routing,
    totals: new Map(counted.map((r) => [r.name, r.value])),
    handles: new Map(counted.map((r) => [r.name, { handle: r.scan.handle, catalog: r.scan.catalog }])),
    configured,
  });
  verdict.findings.push(...found);
  const twice = [...aliases].map(([alias, original]) => `${alias} is ${original}'s database and was judged as ${original}.`);
  verdict.checks.push(twice.length ? { check, status: 'partial', note: [coverage.note, ...twice].filter(Boolean).join(' ') } : { check, ...coverage });
}

/** A check another capability answers (migrations, drift): unavailable when it failed, else as complete as the scans. */
function serviceCheck(check: string, result: Settled<Finding[]>, coverage: 'ran' | 'partial'): Check {
  return { check, status: result.error ? 'unavailable' : coverage, note: result.error ? messageOf(result.error) : null };
}

/** Errors first, then by kind, database, most rows, website and table. */
function byImportance(a: Finding, b: Finding): number {
  return (
    severityOrder[a.severity] - severityOrder[b.severity] ||
    a.kind.localeCompare(b.kind) ||
    (a.database ?? '').localeCompare(b.database ?? '') ||
    (b.rows ?? 0) - (a.rows ?? 0) ||
    (a.website ?? 0) - (b.website ?? 0) ||
    (a.table ?? '').localeCompare(b.table ?? '')
  );
}

function databaseSummary(target: DatabaseTarget, health: DatabaseHealth, findings: readonly Finding[]): DoctorResult['databases'][number] {
  const mine = findings.filter((f) => f.database === target.name);
  return {
    name: target.name,
    reachable: health.reachable,
    errors: mine.filter((f) => f.severity === 'error').length,
    warnings: mine.filter((f) => f.severity === 'warning').length,
    infos: mine.filter((f) => f.severity === 'info').length,
  };
}
