import type { DriftItem, DriftResult, MigrationRun, MigrationStatusResult } from '../../../shared/contract.ts';

/* The migrations matrix and the drift report, shaped for the pages; pure, so tested on their own. */

export type MatrixState = 'applied' | 'edited' | 'pending' | 'failed' | 'unknown' | 'not-applicable' | 'unreachable';

export interface MatrixCell {
  readonly state: MatrixState;
  readonly label: string;
  /** The longer story for the tooltip: when it ran, or the error. */
  readonly title: string;
}

export interface MatrixRow {
  readonly version: string;
  readonly name: string;
  readonly set: 'global' | 'tenant' | null;
  readonly cells: readonly MatrixCell[];
}

/** A migration that failed on a database, with its error: shown as text below the matrix, not only in a cell's tooltip. */
export interface MatrixFailure {
  readonly database: string;
  readonly version: string;
  readonly name: string;
  readonly when: string;
  readonly error: string;
}

export interface MigrationMatrix {
  readonly databases: readonly string[];
  readonly rows: readonly MatrixRow[];
  readonly failures: readonly MatrixFailure[];
  readonly counts: Readonly<Record<'pending' | 'failed' | 'edited' | 'unknown' | 'unreachable', number>>;
}

/** `2026-11-26 18:04 UTC`: the same on every machine, so screenshots and tests agree. */
export function formatWhen(iso: string | null): string {
  if (iso === null) return 'not recorded';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function migrationMatrix(status: MigrationStatusResult): MigrationMatrix {
  const rows = new Map<string, { version: string; name: string; set: 'global' | 'tenant' | null }>();
  for (const m of status.migrations) rows.set(m.version, { version: m.version, name: m.name, set: m.set });
  for (const db of status.databases)
    for (const u of db.unknown) if (!rows.has(u.version)) rows.set(u.version, { version: u.version, name: 'not in the migrations folder', set: null });
  const counts = { pending: 0, failed: 0, edited: 0, unknown: 0, unreachable: 0 };
  const failures: MatrixFailure[] = [];
  const cellsByDatabase = status.databases.map((db) => {
    const cells = new Map<string, MatrixCell>();
    for (const a of db.applied) {
      const edited = a.checksum === 'edited';
      if (edited) counts.edited += 1;
      cells.set(a.version, {
        state: edited ? 'edited' : 'applied',
        label: edited ? 'edited' : a.appliedAt === null ? 'applied' : formatWhen(a.appliedAt),
        title: edited
          ? `Applied ${formatWhen(a.appliedAt)}, but the file changed since: put it back and write a new migration for the change.`
          : `Applied ${formatWhen(a.appliedAt)}${a.checksum === 'unrecorded' ? ' (no checksum: applied by another tool)' : ''}`,
      });
    }
    for (const p of db.pending) {
      counts.pending += 1;
      cells.set(
        p.version,
        p.outOfOrder
          ? {
              state: 'pending',
              label: 'pending, out of order',
              title:
                'Not applied yet, and older than migrations applied here already: it will run after them, out of version order. Check it does not depend on the schema before them.',
            }
          : { state: 'pending', label: 'pending', title: 'Not applied yet' },
      );
    }
    for (const f of db.failed) {
      counts.failed += 1;
      failures.push({ database: db.name, version: f.version, name: f.name, when: formatWhen(f.failedAt), error: f.error });
      cells.set(f.version, { state: 'failed', label: 'failed', title: `Failed ${formatWhen(f.failedAt)}: ${f.error}` });
    }
    for (const u of db.unknown) {
      counts.unknown += 1;
      cells.set(u.version, { state: 'unknown', label: 'not in folder', title: 'Applied on this database, but no migration file has this version' });
    }
    if (!db.reachable) counts.unreachable += 1;
    return { db, cells };
  });
  const unreachable: MatrixCell = { state: 'unreachable', label: '?', title: 'Database unreachable' };
  const notApplicable: MatrixCell = { state: 'not-applicable', label: '—', title: 'Global migrations run on the primary only' };
  return {
    databases: status.databases.map((d) => d.name),
    rows: [...rows.values()]
      .sort((a, b) => a.version.localeCompare(b.version))
      .map((row) => ({ ...row, cells: cellsByDatabase.map(({ db, cells }) => (!db.reachable ? unreachable : (cells.get(row.version) ?? notApplicable))) })),
    failures: failures.sort((a, b) => a.version.localeCompare(b.version) || a.database.localeCompare(b.database)),
    counts,
  };
}

/** Whether there is anything for "Apply" to do. */
export function hasWork(status: MigrationStatusResult): boolean {
  return status.databases.some((d) => d.pending.length > 0 || d.failed.length > 0);
}

/**
 * A run's share applied, 0 to 100. Its total is counted before it starts; a database whose ledger could
 * not be read then is left out of it and may still apply migrations, so done can pass it: never
 * past 100, and the total read as at least what is done.
 */
export function runPercent(run: Pick<MigrationRun, 'state' | 'done' | 'total'>): number {
  const total = Math.max(run.total, run.done);
  if (total === 0) return run.state === 'succeeded' ? 100 : 0;
  return Math.min(100, Math.round((run.done / total) * 100));
}

/** One line about a run, for the progress panel and screen readers. */
export function runSummary(run: MigrationRun): string {
  const failedHere = run.databases.filter((d) => ['failed', 'locked', 'unreachable', 'skipped'].includes(d.state));
  if (run.state === 'running') {
    const current = run.databases.filter((d) => d.current !== null).map((d) => `${d.name}: ${d.current}`);
    return `Applying… ${run.done} of ${Math.max(run.total, run.done)}${current.length > 0 ? ` (${current.join(', ')})` : ''}`;
  }
  if (run.state === 'succeeded')
    return run.done === 0
      ? 'Nothing to apply: every database is up to date.'
      : `Applied ${run.done} migration${run.done === 1 ? '' : 's'}; every database is up to date.`;
  if (run.state === 'interrupted') {
    const stopped = run.databases.filter((d) => d.state === 'stopped' || d.state === 'running' || d.state === 'waiting').map((d) => d.name);
    return `Stopped before it finished${stopped.length ? ` (${stopped.join(', ')})` : ''}: the migration in flight rolled back and stays pending. Apply again to resume.`;
  }
  return `Stopped: ${failedHere.map((d) => `${d.name} ${d.state}`).join(', ') || run.error?.message || 'failed'}. Databases not listed finished; run again once fixed, it resumes.`;
}

export interface DriftGroup {
  readonly database: string;
  readonly tables: ReadonlyArray<{ readonly table: string; readonly items: readonly DriftItem[] }>;
}

/** Differences grouped by database, then table, in the report's order. */
export function groupDrift(items: readonly DriftItem[]): DriftGroup[] {
  const groups: Array<{ database: string; tables: Array<{ table: string; items: DriftItem[] }> }> = [];
  for (const item of items) {
    let group = groups.find((g) => g.database === item.database);
    if (!group) groups.push((group = { database: item.database, tables: [] }));
    let table = group.tables.find((t) => t.table === item.table);
    if (!table) group.tables.push((table = { table: item.table, items: [] }));
    table.items.push(item);
  }
  return groups;
}

/**
 * The drift page's one-line verdict. "No drift" only when every database was compared: a database that
 * did not answer (or a primary that did not, so nothing was) is never counted as matching.
 */
export function driftSummaryText(drift: Pick<DriftResult, 'drift' | 'databases'>): string {
  const notCompared = drift.databases.filter((d) => d.error !== null).length;
  const compared = drift.databases.length - notCompared;
  const databases = new Set(drift.drift.map((d) => d.database)).size;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const found = drift.drift.length === 0 ? 'No drift' : `${plural(drift.drift.length, 'difference')} on ${plural(databases, 'database')}`;
  if (notCompared === 0) return found;
  if (compared <= 1) return `Not compared: ${plural(notCompared, 'database')} could not be read`;
  return `${found} among those compared; ${plural(notCompared, 'database')} not compared`;
}
