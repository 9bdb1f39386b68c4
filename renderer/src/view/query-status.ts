import { formatCount, formatDuration } from '../../../shared/format.ts';
import type { DatabaseRunStatus } from './query-results.ts';

/* The status strip under the editor: one entry per database, what it answered so far. */

export interface DatabaseStatusView {
  readonly name: string;
  readonly tone: 'running' | 'ok' | 'truncated' | 'bad' | 'cancelled';
  /** "1,000 rows · 35 ms · truncated", "running…", "cancelled after 120 rows". */
  readonly summary: string;
  /** For a failure: `42P01 · DATABASE_ERROR` (the SQLSTATE first when the server sent one). */
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

function rowsText(rows: number): string {
  return `${formatCount(rows)} ${rows === 1 ? 'row' : 'rows'}`;
}

export function databaseStatusView(status: DatabaseRunStatus): DatabaseStatusView {
  const base = { name: status.name, errorCode: null, errorMessage: null };
  switch (status.phase) {
    case 'running':
      return { ...base, tone: 'running', summary: status.rows === 0 ? 'running…' : `${rowsText(status.rows)} · running…` };
    case 'cancelled':
      return { ...base, tone: 'cancelled', summary: status.rows === 0 ? 'cancelled' : `cancelled after ${rowsText(status.rows)}` };
    case 'failed': {
      const error = status.error!;
      const code = error.sqlstate === null ? error.code : `${error.sqlstate} · ${error.code}`;
      const kept = status.rows === 0 ? '' : ` · ${rowsText(status.rows)} kept`;
      return { ...base, tone: 'bad', summary: `failed after ${formatDuration(status.ms)}${kept}`, errorCode: code, errorMessage: error.message };
    }
    case 'done':
      return {
        ...base,
        tone: status.truncated ? 'truncated' : 'ok',
        summary: `${rowsText(status.rows)} · ${formatDuration(status.ms)}${status.truncated ? ' · truncated, more rows wait' : ''}`,
      };
  }
}

/** One line over the strip: "3 databases · 2 answered · 1 failed · 2,100 rows". */
export function runSummary(databases: readonly DatabaseRunStatus[]): string {
  const failed = databases.filter((d) => d.phase === 'failed').length;
  const running = databases.filter((d) => d.phase === 'running').length;
  const answered = databases.filter((d) => d.phase === 'done').length;
  const rows = databases.reduce((sum, d) => sum + d.rows, 0);
  const parts = [`${databases.length} ${databases.length === 1 ? 'database' : 'databases'}`];
  if (answered > 0) parts.push(`${answered} answered`);
  if (running > 0) parts.push(`${running} running`);
  if (failed > 0) parts.push(`${failed} failed`);
  parts.push(rowsText(rows));
  return parts.join(' · ');
}

/**
 * Who the statements run as, under the page's title. Without a query role they run as each database's
 * own login, which owns the tables: the READ ONLY transaction refuses writes to tables, but functions
 * with side effects still run, so the note says how to close that.
 */
export function queryRoleNote(queryRole: string | null): { readonly tone: 'ok' | 'warn'; readonly text: string } {
  if (queryRole !== null) return { tone: 'ok', text: `Statements run as ${queryRole}, the profile's query role.` };
  return {
    tone: 'warn',
    text:
      "Statements run as each database's own login (the one migrations and moves use). The READ ONLY transaction refuses writes to tables, " +
      'but not every side effect (pg_terminate_backend, advisory locks): give the profile a SELECT-only query role (queryRole) to run them as that instead.',
  };
}
