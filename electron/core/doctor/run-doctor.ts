import type { DoctorResult, Finding } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { websitesPerShard } from '../tenants/website-routing.ts';
import { idRangeFindings, readIdRanges } from './id-range-findings.ts';
import type { IdRange } from './id-range-findings.ts';
import { lastMovesTouching, materializedViewFindings, viewStaleness } from './materialized-view-findings.ts';
import type { ViewStaleness } from './materialized-view-findings.ts';
import { driftFindings, migrationFindings } from './migration-findings.ts';
import { placementFindings } from './placement-findings.ts';
import { readRoutingMap } from './routing-map.ts';
import { unknownShardFindings, unreachableFindings, versionFindings } from './server-findings.ts';
import { tenantKeyTotals } from './tenant-key-totals.ts';

type Check = DoctorResult['checks'][number];

const severityOrder = { error: 0, warning: 1, info: 2 } as const;

function note(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface DatabaseScan {
  readonly name: string;
  readonly handle: DatabaseHandle;
  readonly catalog: DatabaseCatalog;
  readonly totals: Map<number, number>;
  readonly ranges: Map<string, IdRange>;
  readonly views: ViewStaleness[];
}

/**
 * Every check the doctor knows, over every database in parallel. Read-only throughout: findings say
 * what to do and link to where it is done, they never do it. A database that does not answer is a
 * finding of its own and its checks are marked partial, never fatal for the rest.
 */
export async function runDoctor(ctx: ConsoleContext): Promise<DoctorResult> {
  const started = performance.now();
  const targets = ctx.pools.targets;
  const configured = new Set(targets.map((t) => t.name));
  const healths = await Promise.all(targets.map((t) => ctx.pools.health(t.name)));
  const reachable = targets.filter((_, i) => healths[i]!.reachable);
  const allReachable = reachable.length === targets.length;
  const findings: Finding[] = [...unreachableFindings(targets, healths), ...versionFindings(targets, healths)];
  const checks: Check[] = [
    { check: 'databases reachable', status: 'ran', note: null },
    { check: 'server versions', status: allReachable ? 'ran' : 'partial', note: allReachable ? null : 'Only the databases that answered were compared.' },
  ];

  const [routing, counts, scans, lastMoves, migrations, drift] = await Promise.all([
    readRoutingMap(ctx).then((map) => ({ map, error: null }), (error: unknown) => ({ map: null, error })),
    websitesPerShard(ctx).then((map) => ({ map, error: null }), (error: unknown) => ({ map: null, error })),
    Promise.all(
      reachable.map(async (t): Promise<DatabaseScan | null> => {
        try {
          const handle = ctx.pools.get(t.name);
          const catalog = await ctx.catalog.get(t.name);
          const [totals, ranges, views] = await Promise.all([
            tenantKeyTotals(handle, catalog),
            readIdRanges(handle, catalog),
            viewStaleness(handle, catalog, ctx.profile.tenantKeys),
          ]);
          return { name: t.name, handle, catalog, totals, ranges, views };
        } catch (error) {
          findings.push({
            kind: 'unreachable-database',
            severity: 'error',
            database: t.name,
            table: null,
            website: null,
            rows: null,
            message: `${t.name} answered the health check but failed while the doctor read it: ${note(error)}`,
            fix: `Check ${t.name}'s server log and permissions (the console needs SELECT on every tenant table), then run the doctor again.`,
            link: null,
          });
          return null;
        }
      }),
    ),
    lastMovesTouching(ctx, reachable.map((t) => t.name)),
    migrationFindings(ctx).then((list) => ({ list, error: null }), (error: unknown) => ({ list: [] as Finding[], error })),
    driftFindings(ctx).then((list) => ({ list, error: null }), (error: unknown) => ({ list: [] as Finding[], error })),
  ]);
  const scanned = scans.filter((s): s is DatabaseScan => s !== null);
  const complete = scanned.length === targets.length;
  const partialNote = complete ? null : `Only ${scanned.map((s) => s.name).join(', ') || 'no database'} could be read; rows on the others were not checked.`;

  if (counts.map) {
    findings.push(...unknownShardFindings(counts.map, configured));
    checks.push({ check: 'shard_name values', status: 'ran', note: null });
  } else {
    checks.push({ check: 'shard_name values', status: 'unavailable', note: `The primary did not answer: ${note(counts.error)}` });
  }

  if (routing.map) {
    findings.push(
      ...(await placementFindings({
        routing: routing.map,
        totals: new Map(scanned.map((s) => [s.name, s.totals])),
        handles: new Map(scanned.map((s) => [s.name, { handle: s.handle, catalog: s.catalog }])),
        configured,
      })),
    );
    checks.push({ check: 'misplaced, split and orphaned rows', status: complete ? 'ran' : 'partial', note: partialNote });
  } else {
    checks.push({ check: 'misplaced, split and orphaned rows', status: 'unavailable', note: `Needs the routing map from the primary, which did not answer: ${note(routing.error)}` });
  }

  findings.push(...idRangeFindings(new Map(scanned.map((s) => [s.name, s.ranges]))));
  checks.push({ check: 'id ranges between databases', status: complete ? 'ran' : 'partial', note: partialNote });

  for (const s of scanned) findings.push(...materializedViewFindings(s.name, s.views, lastMoves.get(s.name)));
  checks.push({
    check: 'materialized views refreshed',
    status: complete ? 'ran' : 'partial',
    note: 'Observed: each view\'s stored rows are compared with what its query returns now (PostgreSQL records no refresh time); the last move touching the database, from shard_console.move_jobs, is named when there is one.',
  });

  findings.push(...migrations.list, ...drift.list);
  checks.push({ check: 'pending migrations', status: migrations.error ? 'unavailable' : complete ? 'ran' : 'partial', note: migrations.error ? note(migrations.error) : null });
  checks.push({ check: 'schema drift', status: drift.error ? 'unavailable' : complete ? 'ran' : 'partial', note: drift.error ? note(drift.error) : null });

  findings.sort(
    (a, b) =>
      severityOrder[a.severity] - severityOrder[b.severity] ||
      a.kind.localeCompare(b.kind) ||
      (a.database ?? '').localeCompare(b.database ?? '') ||
      (b.rows ?? 0) - (a.rows ?? 0) ||
      (a.website ?? 0) - (b.website ?? 0) ||
      (a.table ?? '').localeCompare(b.table ?? ''),
  );
  return {
    checkedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
    findings,
    checks,
    databases: targets.map((t, i) => {
      const mine = findings.filter((f) => f.database === t.name);
      return {
        name: t.name,
        reachable: healths[i]!.reachable,
        errors: mine.filter((f) => f.severity === 'error').length,
        warnings: mine.filter((f) => f.severity === 'warning').length,
        infos: mine.filter((f) => f.severity === 'info').length,
      };
    }),
  };
}
