import type { MethodEvent, MethodResult } from '../../../shared/contract.ts';

/*
 * The query page's results as `query.run` and `query.fetchMore` stream them: per database its columns
 * once, rows in chunks, then its outcome. Rows are kept in the union of every database's columns (the
 * server's rule: by name, a repeated name by occurrence, new names appended), so one grid shows them all
 * with a `database` column first. A database that fails keeps the rows it sent; the others' stand.
 */

export type QueryRunEvent = MethodEvent<'query.run'>;
export type QueryColumn = MethodResult<'query.run'>['columns'][number];
export type QueryOutcome = MethodResult<'query.run'>['databases'][number];
export type QueryDatabaseError = NonNullable<QueryOutcome['error']>;

export type DatabasePhase = 'running' | 'done' | 'failed' | 'cancelled';

export interface DatabaseRunStatus {
  readonly name: string;
  readonly phase: DatabasePhase;
  /** Rows received from this database, over the run and every "fetch more". */
  readonly rows: number;
  /** Time on the server for the run and every fetch so far; null until its first outcome. */
  readonly ms: number | null;
  /** More rows wait in its open cursor. */
  readonly truncated: boolean;
  readonly error: QueryDatabaseError | null;
  /** Its own columns (types may differ from the union's); null until they arrive. */
  readonly columns: readonly QueryColumn[] | null;
}

export interface ResultRow {
  readonly database: string;
  /** In the union's column order; shorter than the union when columns were added after it came. */
  readonly values: readonly unknown[];
  /** Arrival order: the order rows are shown in when unsorted (after their database's rank). */
  readonly seq: number;
}

export interface QueryResults {
  readonly columns: readonly QueryColumn[];
  /** Per database: the union position of each of its columns. */
  readonly positions: Readonly<Record<string, readonly number[]>>;
  readonly databases: readonly DatabaseRunStatus[];
  readonly rows: readonly ResultRow[];
}

function runningStatus(name: string): DatabaseRunStatus {
  return { name, phase: 'running', rows: 0, ms: null, truncated: false, error: null, columns: null };
}

/** A new run on these databases (a website's, unknown until it answers, may be an empty list). */
export function startRun(databases: readonly string[]): QueryResults {
  return { columns: [], positions: {}, databases: databases.map(runningStatus), rows: [] };
}

/** A "fetch more" on these databases: they run again, their rows and times so far kept. */
export function startFetch(results: QueryResults, databases: readonly string[]): QueryResults {
  return { ...results, databases: results.databases.map((d) => (databases.includes(d.name) ? { ...d, phase: 'running', truncated: false } : d)) };
}

/** The call was cancelled: every database still running is marked so; rows already shown stay. */
export function cancelRun(results: QueryResults): QueryResults {
  return { ...results, databases: results.databases.map((d) => (d.phase === 'running' ? { ...d, phase: 'cancelled' } : d)) };
}

function withStatus(results: QueryResults, name: string, change: (status: DatabaseRunStatus) => DatabaseRunStatus): readonly DatabaseRunStatus[] {
  const known = results.databases.some((d) => d.name === name);
  const databases = known ? results.databases : [...results.databases, runningStatus(name)];
  return databases.map((d) => (d.name === name ? change(d) : d));
}

/** The union after a database's columns: existing positions never move, new names are appended. */
export function addColumns(union: readonly QueryColumn[], columns: readonly QueryColumn[]): { union: QueryColumn[]; positions: number[] } {
  const next = [...union];
  const seen = new Map<string, number>();
  const positions = columns.map((column) => {
    const occurrence = seen.get(column.name) ?? 0;
    seen.set(column.name, occurrence + 1);
    let found = -1;
    for (let i = 0, n = 0; i < next.length; i++) {
      if (next[i]!.name !== column.name) continue;
      if (n === occurrence) {
        found = i;
        break;
      }
      n += 1;
    }
    if (found >= 0) return found;
    next.push({ name: column.name, type: column.type });
    return next.length - 1;
  });
  return { union: next, positions };
}

function placeRow(values: readonly unknown[], positions: readonly number[]): unknown[] {
  const placed: unknown[] = [];
  positions.forEach((position, i) => {
    placed[position] = values[i] ?? null;
  });
  for (let i = 0; i < placed.length; i++) if (!(i in placed)) placed[i] = null;
  return placed;
}

/** One streamed event folded into the results. */
export function applyQueryEvent(results: QueryResults, event: QueryRunEvent): QueryResults {
  if (event.type === 'columns') {
    if (results.positions[event.database] !== undefined) return results;
    const { union, positions } = addColumns(results.columns, event.columns);
    return {
      ...results,
      columns: union,
      positions: { ...results.positions, [event.database]: positions },
      databases: withStatus(results, event.database, (d) => ({ ...d, columns: event.columns })),
    };
  }
  if (event.type === 'rows') {
    const positions = results.positions[event.database] ?? event.rows[0]?.map((_, i) => i) ?? [];
    const start = results.rows.length;
    const added = event.rows.map((values, i) => ({ database: event.database, values: placeRow(values, positions), seq: start + i }));
    return { ...results, rows: [...results.rows, ...added], databases: withStatus(results, event.database, (d) => ({ ...d, rows: d.rows + added.length })) };
  }
  const outcome = event.outcome;
  return {
    ...results,
    databases: withStatus(results, outcome.name, (d) => ({
      ...d,
      phase: outcome.error === null ? 'done' : 'failed',
      ms: (d.ms ?? 0) + outcome.ms,
      truncated: outcome.truncated,
      error: outcome.error,
    })),
  };
}

/** The databases whose cursors hold more rows: what "Fetch more" reads. */
export function truncatedDatabases(results: QueryResults | null): string[] {
  return results === null ? [] : results.databases.filter((d) => d.truncated && d.phase === 'done').map((d) => d.name);
}

/** The outcomes as the export formats' footer wants them. */
export function outcomesOf(results: QueryResults): QueryOutcome[] {
  return results.databases.map((d) => ({ name: d.name, rows: d.rows, truncated: d.truncated, ms: d.ms ?? 0, error: d.error }));
}

export const DEFAULT_ROW_CAP = 1000;
export const MAX_ROW_CAP = 100_000;

/** The row cap typed in the toolbar: a whole number from 1 to 100,000, or null (Run says why). */
export function parseRowCap(text: string): number | null {
  const trimmed = text.trim().replace(/[,_\s]/g, '');
  if (!/^\d+$/.test(trimmed)) return null;
  const cap = Number(trimmed);
  return cap >= 1 && cap <= MAX_ROW_CAP ? cap : null;
}
