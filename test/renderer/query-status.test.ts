import { describe, expect, it } from 'vitest';
import { databaseStatusView, queryRoleNote, runSummary } from '../../renderer/src/view/query-status.ts';
import type { DatabaseRunStatus } from '../../renderer/src/view/query-results.ts';

const status = (extra: Partial<DatabaseRunStatus>): DatabaseRunStatus => ({
  name: 'shard_1',
  phase: 'done',
  rows: 0,
  ms: 12,
  truncated: false,
  error: null,
  columns: null,
  ...extra,
});

describe('the per-database status strip', () => {
  it('says rows and time of a database that answered, and when more rows wait', () => {
    expect(databaseStatusView(status({ rows: 1, ms: 35 }))).toMatchObject({ tone: 'ok', summary: '1 row · 35 ms', errorCode: null });
    expect(databaseStatusView(status({ rows: 1000, ms: 1500, truncated: true }))).toMatchObject({
      tone: 'truncated',
      summary: '1,000 rows · 1.5 s · truncated, more rows wait',
    });
  });

  it('shows a failure’s SQLSTATE, code and message, and the rows it sent before', () => {
    const error = { code: 'DATABASE_ERROR', sqlstate: '42P01', message: 'relation "pwb_websites" does not exist' };
    expect(databaseStatusView(status({ phase: 'failed', error, ms: 8 }))).toEqual({
      name: 'shard_1',
      tone: 'bad',
      summary: 'failed after 8 ms',
      errorCode: '42P01 · DATABASE_ERROR',
      errorMessage: 'relation "pwb_websites" does not exist',
    });
    const unreachable = { code: 'DATABASE_UNREACHABLE', sqlstate: null, message: 'shard_1 at db:5432 did not answer.' };
    expect(databaseStatusView(status({ phase: 'failed', error: unreachable, rows: 100 }))).toMatchObject({
      errorCode: 'DATABASE_UNREACHABLE',
      summary: 'failed after 12 ms · 100 rows kept',
    });
  });

  it('tells running and cancelled databases apart', () => {
    expect(databaseStatusView(status({ phase: 'running', rows: 0, ms: null })).summary).toBe('running…');
    expect(databaseStatusView(status({ phase: 'running', rows: 100 })).summary).toBe('100 rows · running…');
    expect(databaseStatusView(status({ phase: 'cancelled', rows: 0 }))).toMatchObject({ tone: 'cancelled', summary: 'cancelled' });
    expect(databaseStatusView(status({ phase: 'cancelled', rows: 2 })).summary).toBe('cancelled after 2 rows');
  });

  it('sums the run up over every database', () => {
    const error = { code: 'DATABASE_ERROR', sqlstate: '42P01', message: 'x' };
    expect(
      runSummary([status({ name: 'default', rows: 2000 }), status({ phase: 'failed', error }), status({ name: 'shard_2', phase: 'running', rows: 100 })]),
    ).toBe('3 databases · 1 answered · 1 running · 1 failed · 2,100 rows');
    expect(runSummary([status({ rows: 1 })])).toBe('1 database · 1 answered · 1 row');
  });
});

describe('queryRoleNote', () => {
  it('names the query role, or warns that statements run as the databases own login and says how to change that', () => {
    expect(queryRoleNote('console_reader')).toEqual({ tone: 'ok', text: "Statements run as console_reader, the profile's query role." });
    const own = queryRoleNote(null);
    expect(own.tone).toBe('warn');
    expect(own.text).toContain("each database's own login");
    expect(own.text).toContain('give the profile a SELECT-only query role (queryRole)');
  });
});
