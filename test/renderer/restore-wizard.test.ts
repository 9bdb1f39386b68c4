import { describe, expect, it } from 'vitest';
import type { RestoreJob, RestorePlan } from '../../shared/contract.ts';
import { backupChoiceLabel, defaultSchemaName, planSummary, restoreSummary, restoreTimeline } from '../../renderer/src/view/restore-wizard.ts';

const plan = (over: Partial<RestorePlan> = {}): RestorePlan => ({
  websiteId: 42,
  mode: 'replace',
  target: 'shard_1',
  routedTo: 'shard_1',
  schema: null,
  source: { path: '/b/2026', file: '/b/2026/shard_1.dump', database: 'shard_1', format: 'custom', dumpedAt: null, chosenBy: 'routing' },
  tables: [
    { table: 'pwb_props', level: 0, archiveRows: 1200, liveRows: 1200 },
    { table: 'pwb_prop_photos', level: 1, archiveRows: 3400, liveRows: 0 },
  ],
  totalArchiveRows: 4600,
  totalLiveRows: 1200,
  materializedViews: [],
  viewRefresh: 'concurrently',
  notes: [],
  ...over,
});

describe('the restore wizard', () => {
  it('names a side schema the contract accepts, after the website and the day', () => {
    expect(defaultSchemaName(42, new Date('2026-12-05T13:00:00Z'))).toBe('restore_42_20261205');
  });

  it('says what a replace does to the rows there now, and marks the tables that change', () => {
    const summary = planSummary(plan());
    expect(summary.headline).toBe('4,600 rows from the backup replace the 1,200 website 42 has on shard_1 now.');
    expect(summary.rows.map((r) => [r.table, r.changed])).toEqual([
      ['pwb_props', false],
      ['pwb_prop_photos', true],
    ]);
    expect(planSummary(plan({ mode: 'side-by-side', schema: 'restore_42' })).headline).toBe('4,600 rows from the backup go into schema restore_42 on shard_1.');
  });

  it('labels a backup with when, what, how big and whether it was checked', () => {
    const b = {
      path: '/b',
      profile: 'p',
      startedAt: '2026-12-05T02:00:00.000Z',
      finishedAt: '',
      complete: true,
      databases: ['default', 'shard_1'],
      bytes: 2048,
      verified: { at: '', ok: true },
      problem: null,
    };
    expect(backupChoiceLabel(b)).toBe('2026-12-05 02:00 UTC · default, shard_1 · 2.00 kB · verified');
    expect(backupChoiceLabel({ ...b, complete: false, verified: { at: '', ok: false } })).toBe(
      '2026-12-05 02:00 UTC · default, shard_1 · 2.00 kB · INCOMPLETE · verification FAILED',
    );
  });
});

describe('the restore job page', () => {
  const job = (over: Partial<RestoreJob>): RestoreJob =>
    ({
      jobId: 'j',
      websiteId: 42,
      mode: 'replace',
      target: 'shard_1',
      schema: null,
      holding: 'shard_console.hold_j',
      state: 'running',
      step: 'load',
      live: true,
      verified: false,
      discarded: false,
      error: null,
      ...over,
    }) as RestoreJob;

  it('places the job among the steps its mode runs', () => {
    expect(restoreTimeline(job({})).map((s) => `${s.step}:${s.status}`)).toEqual([
      'preflight:done',
      'fence:done',
      'hold:done',
      'clear:done',
      'load:current',
      'sequences:todo',
      'verify:todo',
      'views:todo',
      'unfence:todo',
      'done:todo',
    ]);
    expect(restoreTimeline(job({ mode: 'side-by-side', step: 'verify', state: 'failed' })).map((s) => s.status)).toEqual([
      'done',
      'done',
      'done',
      'failed',
      'todo',
    ]);
    expect(restoreTimeline(job({ step: 'done', state: 'succeeded' })).every((s) => s.status === 'done')).toBe(true);
  });

  it("an empty-place restore's timeline has the engine's steps: its fence and unfence are places too, not every step to do", () => {
    expect(restoreTimeline(job({ mode: 'empty', step: 'fence' })).map((s) => `${s.step}:${s.status}`)).toEqual([
      'preflight:done',
      'fence:current',
      'load:todo',
      'sequences:todo',
      'verify:todo',
      'switch:todo',
      'views:todo',
      'unfence:todo',
      'done:todo',
    ]);
    expect(restoreTimeline(job({ mode: 'empty', step: 'unfence' })).filter((s) => s.status === 'done')).toHaveLength(7);
  });

  it('follows a rollback through its own steps, and says where it stopped and what to do', () => {
    const rolling = restoreTimeline(job({ step: 'rollback:put-back', state: 'running' }));
    expect(rolling.find((s) => s.status === 'current')).toMatchObject({ step: 'rollback:put-back', label: 'Put the held rows back' });
    expect(rolling.slice(0, 2).map((s) => s.status)).toEqual(['done', 'done']);
    expect(restoreTimeline(job({ step: 'rolled_back', state: 'rolled_back' })).every((s) => s.status === 'done')).toBe(true);
    expect(restoreSummary(job({ step: 'rollback:put-back', state: 'running' }))).toBe('Rolling back the restore of website 42 (Put the held rows back)…');
    expect(restoreSummary(job({ step: 'rollback:remove', state: 'failed', mode: 'empty', error: 'lost the primary' }))).toBe(
      'The rollback stopped at Remove the restored rows: lost the primary. Roll it back again to finish it.',
    );
  });

  it('says where the website stands in every state', () => {
    expect(restoreSummary(job({ state: 'succeeded', step: 'done', verified: true }))).toBe(
      'Website 42 has its rows from the backup on shard_1, verified table by table. Its rows from before are kept aside until you discard them.',
    );
    expect(restoreSummary(job({ state: 'succeeded', step: 'done', verified: true, discarded: true }))).toBe(
      'Website 42 has its rows from the backup on shard_1, verified table by table.',
    );
    // A rollback that did not run (refused behind its fence) left the job done, saying why.
    expect(restoreSummary(job({ state: 'succeeded', step: 'done', verified: true, error: 'Nothing was removed.' }))).toBe(
      'Website 42 has its rows from the backup on shard_1, verified table by table. Its rows from before are kept aside until you discard them. A rollback did not run: Nothing was removed.',
    );
    expect(restoreSummary(job({ state: 'failed', step: 'verify', error: 'pwb_props differs' }))).toBe(
      'Stopped at Verify: pwb_props differs. Resume it, or roll it back to how the website was before.',
    );
    expect(restoreSummary(job({ live: false }))).toContain('Interrupted');
  });
});
