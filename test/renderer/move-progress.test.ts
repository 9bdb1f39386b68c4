import { describe, expect, it } from 'vitest';
import type { MoveJob } from '../../shared/contract.ts';
import { appendSample, etaMs, formatEta, formatRate, progressView, rowsPerSecond } from '../../renderer/src/view/move-progress.ts';
import type { ProgressHistory } from '../../renderer/src/view/move-progress.ts';

const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const progress = (photos: number, assets: number, done = false): MoveJob['progress'] => [
  { table: 'pwb_prop_photos', copiedRows: photos, totalRows: 10_000, done: done || photos === 10_000 },
  { table: 'pwb_realty_assets', copiedRows: assets, totalRows: 2_000, done: done || assets === 2_000 },
];
const poll = (ms: number, photos: number, assets: number) => ({ updatedAt: at(ms), progress: progress(photos, assets) });

describe('appendSample', () => {
  it('stamps each sample with the server’s updatedAt and keeps rows per table', () => {
    const history = appendSample([], poll(0, 100, 50));
    expect(history).toEqual([{ at: T0, copied: { pwb_prop_photos: 100, pwb_realty_assets: 50 } }]);
  });

  it('ignores a poll that brings nothing newer (the same object back)', () => {
    const once = appendSample([], poll(1000, 100, 50));
    expect(appendSample(once, poll(1000, 100, 50))).toBe(once);
    expect(appendSample(once, poll(500, 120, 60))).toBe(once);
  });

  it('ignores jobs without progress and keeps only the last samples', () => {
    expect(appendSample([], { updatedAt: at(0), progress: [] })).toEqual([]);
    let history: ProgressHistory = [];
    for (let i = 0; i < 15; i++) history = appendSample(history, poll(i * 1000, i * 10, 0), 10);
    expect(history).toHaveLength(10);
    expect(history[0]!.at).toBe(T0 + 5000);
  });
});

describe('rowsPerSecond and etaMs', () => {
  const history = [poll(0, 1000, 0), poll(1000, 2500, 500), poll(2000, 4000, 1000)].reduce<ProgressHistory>((h, p) => appendSample(h, p), []);

  it('is the rows copied between the first and last sample over the time between them', () => {
    expect(rowsPerSecond(history, 'pwb_prop_photos')).toBe(1500);
    expect(rowsPerSecond(history, 'pwb_realty_assets')).toBe(500);
    expect(rowsPerSecond(history)).toBe(2000);
  });

  it('is unknown with one sample, no elapsed time, or fewer rows than before (a restarted copy)', () => {
    expect(rowsPerSecond(history.slice(0, 1))).toBeNull();
    expect(
      rowsPerSecond([
        { at: T0, copied: { a: 1 } },
        { at: T0, copied: { a: 5 } },
      ]),
    ).toBeNull();
    expect(
      rowsPerSecond([
        { at: T0, copied: { a: 100 } },
        { at: T0 + 1000, copied: { a: 0 } },
      ]),
    ).toBeNull();
    expect(rowsPerSecond(history, 'no_such_table')).toBe(0);
  });

  it('turns the rows left and the rate into time left', () => {
    expect(etaMs(6000, 1500)).toBe(4000);
    expect(etaMs(0, null)).toBe(0);
    expect(etaMs(-5, 10)).toBe(0);
    expect(etaMs(100, null)).toBeNull();
    expect(etaMs(100, 0)).toBeNull();
  });

  it('formats rate and time left for people', () => {
    expect(formatRate(1500.4)).toBe('1,500 rows/s');
    expect(formatRate(null)).toBe('—');
    expect(formatEta(4000)).toBe('4.0 s');
    expect(formatEta(125_000)).toBe('2 min 5 s');
    expect(formatEta(null)).toBe('—');
    expect(formatEta(0)).toBe('done');
    expect(formatEta(null, true)).toBe('done');
  });
});

describe('progressView', () => {
  const history = [poll(0, 1000, 0), poll(2000, 4000, 1000)].reduce<ProgressHistory>((h, p) => appendSample(h, p), []);

  it('shows bars, counts, speed and time left per table and for the whole copy while copying', () => {
    const view = progressView({ step: 'copy', state: 'running', progress: progress(4000, 1000) }, history);
    expect(view.tables[0]).toMatchObject({ table: 'pwb_prop_photos', percent: 40, rowsLabel: '4,000 / 10,000', rateLabel: '1,500 rows/s', etaLabel: '4.0 s' });
    expect(view.tables[1]).toMatchObject({ percent: 50, rateLabel: '500 rows/s', etaLabel: '2.0 s' });
    expect(view.total).toMatchObject({
      copiedRows: 5000,
      totalRows: 12_000,
      rowsLabel: '5,000 / 12,000',
      rateLabel: '2,000 rows/s',
      etaLabel: '3.5 s',
      done: false,
    });
  });

  it('says done for finished tables and shows no speed once the copy step is over', () => {
    const view = progressView({ step: 'verify', state: 'running', progress: progress(10_000, 2_000, true) }, history);
    expect(view.tables.map((t) => [t.percent, t.rateLabel, t.etaLabel])).toEqual([
      [100, '—', 'done'],
      [100, '—', 'done'],
    ]);
    expect(view.total).toMatchObject({ done: true, percent: 100, etaLabel: 'done' });
  });

  it('shows no guess for a failed copy, and a table with nothing to copy as full once done', () => {
    const failed = progressView({ step: 'copy', state: 'failed', progress: progress(4000, 1000) }, history);
    expect(failed.total.rateLabel).toBe('—');
    expect(failed.total.etaLabel).toBe('—');
    const empty = progressView({ step: 'copy', state: 'running', progress: [{ table: 'pwb_links', copiedRows: 0, totalRows: 0, done: true }] }, []);
    expect(empty.tables[0]).toMatchObject({ percent: 100, etaLabel: 'done' });
  });

  it('never shows 100 % for a table or the whole copy before it is done', () => {
    const almost = progressView(
      { step: 'copy', state: 'running', progress: [{ table: 'pwb_prop_photos', copiedRows: 999_600, totalRows: 1_000_000, done: false }] },
      [],
    );
    expect(almost.tables[0]!.percent).toBe(99.9);
    expect(almost.total.percent).toBe(99.9);
  });
});
