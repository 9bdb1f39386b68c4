import { describe, expect, it } from 'vitest';
import type { MoveJob } from '../../shared/contract.ts';
import { cursorRow, formatMoveJobRow, formatTimestamp, moveCursor, moveJobRows } from '../../renderer/src/view/move-list.ts';
import { parseRoute, routeHref, navSection } from '../../renderer/src/router/routes.ts';

const job = (id: string, createdAt: string, extra: Partial<MoveJob> = {}): MoveJob => ({
  jobId: id,
  websiteId: 7,
  source: 'shard_1',
  target: 'shard_2',
  state: 'succeeded',
  step: 'done',
  live: false,
  actions: [],
  startedBy: 'ops@laptop',
  createdAt,
  updatedAt: createdAt,
  finishedAt: null,
  error: null,
  plan: null,
  progress: [],
  verification: [],
  verified: false,
  rollbackJobId: null,
  timings: {},
  ...extra,
});

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';

describe('moveJobRows', () => {
  it('lists jobs newest first', () => {
    const rows = moveJobRows([job(A, '2024-05-01T10:00:00Z'), job(B, '2024-05-03T10:00:00Z'), job(C, '2024-05-02T10:00:00Z')]);
    expect(rows.map((r) => r.jobId)).toEqual([B, C, A]);
  });

  it('shows the route, the state (interrupted when no console holds a running job), the step and verification', () => {
    const verification = [{ table: 't', sourceRows: 1, targetRows: 1, sourceHash: 'a', targetHash: 'a', ok: true, firstDifferences: [] }];
    expect(formatMoveJobRow(job(A, '2024-05-01T10:00:00Z', { verification, verified: true }))).toMatchObject({
      shortId: '11111111',
      href: `#/moves/${A}`,
      route: 'shard_1 → shard_2',
      stateLabel: 'succeeded',
      stepLabel: 'Done',
      verifiedLabel: 'yes',
      createdLabel: '2024-05-01 10:00 UTC',
      startedBy: 'ops@laptop',
    });
    expect(formatMoveJobRow(job(A, '2024-05-01T10:00:00Z', { state: 'running', step: 'copy', live: false })).stateLabel).toBe('interrupted');
    expect(formatMoveJobRow(job(A, '2024-05-01T10:00:00Z', { state: 'running', step: 'copy', live: true })).stateLabel).toBe('running');
    expect(formatMoveJobRow(job(A, '2024-05-01T10:00:00Z', { state: 'rolled_back' })).stateLabel).toBe('rolled back');
    expect(formatMoveJobRow(job(A, '2024-05-01T10:00:00Z', { verification: [{ ...verification[0]!, ok: false }] })).verifiedLabel).toBe('no');
    expect(formatMoveJobRow(job(A, '2024-05-01T10:00:00Z')).verifiedLabel).toBe('—');
  });

  it('formats timestamps in UTC, the same on every machine', () => {
    expect(formatTimestamp('2024-05-01T23:59:30.000+02:00')).toBe('2024-05-01 21:59 UTC');
    expect(formatTimestamp(null)).toBe('—');
    expect(formatTimestamp('not a date')).toBe('—');
  });
});

describe('moveCursor', () => {
  it('moves through the list with Up, Down, Home, End and Page keys, and stays inside it', () => {
    expect(moveCursor(0, 'ArrowDown', 3)).toBe(1);
    expect(moveCursor(2, 'ArrowDown', 3)).toBe(2);
    expect(moveCursor(0, 'ArrowUp', 3)).toBe(0);
    expect(moveCursor(2, 'Home', 3)).toBe(0);
    expect(moveCursor(0, 'End', 3)).toBe(2);
    expect(moveCursor(0, 'PageDown', 30, 10)).toBe(10);
    expect(moveCursor(5, 'PageUp', 30, 10)).toBe(0);
    expect(moveCursor(-1, 'ArrowDown', 3)).toBe(0);
    expect(moveCursor(1, 'x', 3)).toBe(1);
    expect(moveCursor(0, 'ArrowDown', 0)).toBe(-1);
  });
});

describe('cursorRow', () => {
  it('follows its row by key as rows are added above it, and keeps its place once that row is gone', () => {
    expect(cursorRow(['b', 'a'], { key: 'a', index: 1 })).toBe(1);
    // A new job on top: the cursor is still on 'a', now the third row.
    expect(cursorRow(['c', 'b', 'a'], { key: 'a', index: 1 })).toBe(2);
    // 'a' went: the place it had, inside the list.
    expect(cursorRow(['c', 'b'], { key: 'a', index: 1 })).toBe(1);
    expect(cursorRow(['c'], { key: 'a', index: 5 })).toBe(0);
    expect(cursorRow(['c', 'b'], { key: null, index: 0 })).toBe(0);
    expect(cursorRow([], { key: 'a', index: 0 })).toBe(-1);
  });
});

describe('move routes', () => {
  it('parses and formats the jobs list and one job', () => {
    expect(parseRoute('#/moves')).toEqual({ name: 'moves' });
    expect(parseRoute(`#/moves/${A}`)).toEqual({ name: 'move', jobId: A });
    expect(parseRoute(`#/moves/${A.toUpperCase()}`)).toEqual({ name: 'move', jobId: A });
    expect(parseRoute('#/moves/not-a-job')).toEqual({ name: 'not-found', path: '/moves/not-a-job' });
    expect(routeHref({ name: 'moves' })).toBe('#/moves');
    expect(routeHref({ name: 'move', jobId: A })).toBe(`#/moves/${A}`);
    expect(navSection({ name: 'move', jobId: A })).toBe('moves');
  });
});
