import type { DoctorResult, Finding } from '../../../shared/contract.ts';

/* Pure view logic of the doctor page and the overview's health badges. */

export const kindTitles: Record<Finding['kind'], string> = {
  'unreachable-database': 'Unreachable databases',
  'server-version-mismatch': 'Server versions that differ',
  'unknown-shard-name': 'shard_name values no database carries',
  'misplaced-rows': 'Rows on the wrong database',
  'website-on-several-databases': 'Websites with rows on several databases',
  'orphaned-rows': 'Orphaned tenant rows',
  'id-range-overlap': 'Id ranges overlapping between databases',
  'stale-materialized-view': 'Materialized views not refreshed',
  'pending-migrations': 'Pending or failed migrations',
  'schema-drift': 'Schema drift',
  'stale-write-fence': 'Websites whose writes a stopped job still fences',
  'idle-fence-triggers': 'Fence triggers left with no website fenced',
  'same-database': 'One database under two names in the profile',
  'shared-sequence-block': 'Databases handing out ids from one block',
};

const severityRank = { error: 0, warning: 1, info: 2 } as const;

export interface FindingGroup {
  kind: Finding['kind'];
  title: string;
  severity: Finding['severity'];
  findings: Finding[];
}

/** Findings grouped by kind, worst group first, optionally only those naming one database. */
export function groupFindings(findings: readonly Finding[], database: string | null = null): FindingGroup[] {
  const groups = new Map<Finding['kind'], Finding[]>();
  for (const f of findings) {
    if (database !== null && f.database !== database) continue;
    const list = groups.get(f.kind) ?? [];
    list.push(f);
    groups.set(f.kind, list);
  }
  return [...groups]
    .map(([kind, list]) => ({
      kind,
      title: kindTitles[kind],
      severity: list.reduce<Finding['severity']>((worst, f) => (severityRank[f.severity] < severityRank[worst] ? f.severity : worst), 'info'),
      findings: list,
    }))
    .sort((a, b) => severityRank[a.severity] - severityRank[b.severity] || a.title.localeCompare(b.title));
}

export interface HealthView {
  label: string;
  tone: 'ok' | 'warn' | 'bad';
  title: string;
}

/** The checks that did not run in full (a database they need could not be read): a clean verdict would not be one. */
export function checksNotRun(checks: DoctorResult['checks']): DoctorResult['checks'] {
  return checks.filter((c) => c.status !== 'ran');
}

/**
 * The overview's badge for one database, from the doctor's per-database counts. Nothing found is
 * "healthy" only when every check ran: the placement check needs the primary, and with it unreadable
 * a shard's rows were never looked at.
 */
export function databaseHealth(summary: DoctorResult['databases'][number] | undefined, checks: DoctorResult['checks'] = []): HealthView | null {
  if (summary === undefined) return null;
  if (!summary.reachable) return { label: 'unreachable', tone: 'bad', title: 'The database did not answer the doctor.' };
  if (summary.errors > 0)
    return {
      label: `${summary.errors} error${summary.errors === 1 ? '' : 's'}`,
      tone: 'bad',
      title: `${summary.errors} error(s), ${summary.warnings} warning(s)`,
    };
  if (summary.warnings > 0)
    return { label: `${summary.warnings} warning${summary.warnings === 1 ? '' : 's'}`, tone: 'warn', title: `${summary.warnings} warning(s)` };
  const notRun = checksNotRun(checks);
  if (notRun.length > 0)
    return {
      label: 'not fully checked',
      tone: 'warn',
      title: `Nothing wrong found, but ${notRun.map((c) => `"${c.check}" ${c.status === 'partial' ? 'ran in part' : 'could not run'}`).join(', ')}.`,
    };
  return { label: 'healthy', tone: 'ok', title: 'The doctor found nothing wrong on this database.' };
}

/** "where" of a finding in words: database · table · website. */
export function findingWhere(f: Finding): string {
  return [f.database ?? 'cluster', f.table, f.website !== null ? `website ${f.website}` : null].filter(Boolean).join(' · ');
}
