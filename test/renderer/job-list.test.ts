import { describe, expect, it } from 'vitest';
import type { Job, JobProgressEvent } from '../../shared/contract.ts';
import { jobRow, listNeedsPolling, MAX_WATCHED_JOBS, needsPolling, nextProgress, progressView, watchedJobIds } from '../../renderer/src/view/job-list.ts';

const event = (done: number, total: number | null, phase = 'copy', unit: JobProgressEvent['unit'] = 'rows'): JobProgressEvent => ({
  type: 'progress',
  jobId: 'j',
  kind: 'move',
  phase,
  done,
  total,
  unit,
});

describe('job progress view', () => {
  it('shows how far, how fast and how long still, from two events a known time apart', () => {
    const view = progressView(event(3_000, 10_000), { event: event(1_000, 10_000), at: 1_000 }, 3_000);
    expect(view).toEqual({ percent: 30, label: '3,000 / 10,000 rows · copy', rateLabel: '1,000 rows/s', etaLabel: '7.0 s' });
  });

  it('takes the rate between the two events as they arrived: each sample keeps its own arrival time', () => {
    let samples = nextProgress({ progress: null, progressAt: null, earlier: null }, event(1_000, 10_000), 10_000);
    expect(samples.earlier).toBeNull();
    samples = nextProgress(samples, event(6_000, 10_000), 15_000);
    expect(samples.earlier).toEqual({ event: event(1_000, 10_000), at: 10_000 });
    expect(progressView(samples.progress, samples.earlier ?? undefined, samples.progressAt!)).toMatchObject({ rateLabel: '1,000 rows/s', etaLabel: '4.0 s' });
  });

  it("shows the whole job's share on the bar when the event gives it, the phase's own figures beside it", () => {
    expect(progressView({ ...event(4, 9, 'verify', 'steps'), overall: 0.72 })).toMatchObject({ percent: 72, label: '4 / 9 steps · verify' });
  });

  it('has an indeterminate bar and no time left when the total is unknown, and no rate across phases', () => {
    expect(progressView(event(5, null, 'sizes', 'bytes'))).toEqual({ percent: null, label: '5 B · sizes', rateLabel: '—', etaLabel: '—' });
    // Never 100 % before the work is done: 995 of 1,000 is 99 %.
    expect(progressView(event(995, 1000, 'copy', 'rows'))?.percent).toBe(99);
    expect(progressView(event(1000, 1000, 'copy', 'rows'))?.percent).toBe(100);
    // Whole shares stay whole (0.29 * 100 is 28.999… in floating point).
    for (const done of [29, 57, 58]) expect(progressView(event(done, 100, 'copy', 'rows'))?.percent).toBe(done);
    expect(progressView(event(5, 10, 'verify'), { event: event(1, 10, 'copy'), at: 0 }, 1000)?.rateLabel).toBe('—');
    expect(progressView(null)).toBeNull();
  });
});

describe('job rows', () => {
  const job: Job = {
    jobId: '3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f',
    kind: 'migration',
    title: 'Migrations on every database',
    state: 'running',
    live: true,
    here: true,
    progress: null,
    actions: ['stop'],
    startedBy: 'ui',
    createdAt: '2026-12-05T10:00:00.000Z',
    updatedAt: '2026-12-05T10:00:01.000Z',
    finishedAt: null,
    error: null,
    href: '#/migrations?run=3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f',
  };

  it('says where a job runs, and polls only a job another console runs', () => {
    expect(jobRow(job)).toMatchObject({
      shortId: '3f2b8c1e',
      kind: 'Migration run',
      stateLabel: 'running here',
      where: 'this console',
      createdLabel: '2026-12-05 10:00 UTC',
    });
    expect(needsPolling(job)).toBe(false);
    expect(needsPolling({ ...job, here: false })).toBe(true);
    expect(needsPolling({ ...job, here: false, live: false, state: 'interrupted' })).toBe(false);
    expect(jobRow({ ...job, here: false, live: false, state: 'interrupted' })).toMatchObject({ stateLabel: 'interrupted', where: '—' });
  });
});

describe('jobs followed by their event streams', () => {
  it('are the newest running here, three at most; more running here make the list read again', () => {
    const job = (id: string, here: boolean, state: 'running' | 'succeeded' = 'running') => ({ jobId: id, here, state, live: state === 'running' });
    const three = [job('a', true), job('b', false), job('c', true, 'succeeded'), job('d', true), job('e', true)];
    expect([...watchedJobIds(three)]).toEqual(['a', 'd', 'e']);
    expect(listNeedsPolling(three.filter((j) => j.here))).toBe(false);
    const four = [...three, job('f', true)];
    expect([...watchedJobIds(four)]).toHaveLength(MAX_WATCHED_JOBS);
    expect(listNeedsPolling(four.filter((j) => j.here))).toBe(true);
  });
});
