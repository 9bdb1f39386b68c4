import { describe, expect, it } from 'vitest';
import { MOVE_STEPS, isPastSwitch } from '../../shared/contract.ts';
import { jobSummary, shouldPoll, stepTimeline } from '../../renderer/src/view/move-timeline.ts';

const statuses = (job: Parameters<typeof stepTimeline>[0]) => stepTimeline(job).map((s) => `${s.step}:${s.status}`);

describe('stepTimeline', () => {
  it('lists the ten steps of a move in the order the core runs them', () => {
    expect(MOVE_STEPS).toEqual(['preflight', 'fence', 'copy', 'sequences', 'verify', 'switch', 'refresh', 'cleanup', 'unfence', 'done']);
  });

  it('marks earlier steps done, the current one running and later ones to do', () => {
    expect(statuses({ state: 'running', step: 'copy', timings: { fence: 12 } })).toEqual([
      'preflight:done',
      'fence:done',
      'copy:current',
      'sequences:pending',
      'verify:pending',
      'switch:pending',
      'refresh:pending',
      'cleanup:pending',
      'unfence:pending',
      'done:pending',
    ]);
  });

  it('marks the step a failed job stopped at, and the next step of a planned job', () => {
    expect(statuses({ state: 'failed', step: 'verify', timings: {} })[4]).toBe('verify:failed');
    expect(statuses({ state: 'planned', step: 'fence', timings: {} }).slice(0, 3)).toEqual(['preflight:done', 'fence:next', 'copy:pending']);
  });

  it('shows every step done for a finished move, and where a rolled-back one stopped', () => {
    expect(stepTimeline({ state: 'succeeded', step: 'done', timings: {} }).every((s) => s.status === 'done')).toBe(true);
    expect(statuses({ state: 'rolled_back', step: 'copy', timings: {} })[2]).toBe('copy:stopped');
    // Rolled back after the switch: the move ran to its end first, then a new job moved the website back.
    expect(stepTimeline({ state: 'rolled_back', step: 'done', timings: {} }).every((s) => s.status === 'done')).toBe(true);
    expect(statuses({ state: 'cancelled', step: 'fence', timings: {} })[1]).toBe('fence:stopped');
  });

  it('gives each step the time it took, when it took any', () => {
    const timeline = stepTimeline({ state: 'running', step: 'verify', timings: { fence: 40, copy: 2500, sequences: 0 } });
    expect(timeline.find((s) => s.step === 'copy')).toMatchObject({ durationMs: 2500, durationLabel: '2.5 s' });
    expect(timeline.find((s) => s.step === 'sequences')).toMatchObject({ durationMs: 0, durationLabel: '0 ms' });
    expect(timeline.find((s) => s.step === 'preflight')).toMatchObject({ durationMs: null, durationLabel: '' });
  });
});

describe('isPastSwitch', () => {
  it('is true only once the switch committed (the job then stands at refresh or later)', () => {
    expect(isPastSwitch('verify')).toBe(false);
    expect(isPastSwitch('switch')).toBe(false);
    expect(isPastSwitch('refresh')).toBe(true);
    expect(isPastSwitch('done')).toBe(true);
  });
});

describe('jobSummary and shouldPoll', () => {
  const base = { websiteId: 7, source: 'shard_1', target: 'shard_2' } as const;

  it('says where the website lives, and calls a running job no console holds interrupted', () => {
    expect(jobSummary({ ...base, state: 'running', step: 'copy', live: true })).toBe('Running: copy rows (step 3 of 10).');
    expect(jobSummary({ ...base, state: 'running', step: 'copy', live: false })).toMatch(/^Interrupted at copy rows/);
    expect(jobSummary({ ...base, state: 'failed', step: 'verify', live: false })).toContain('still lives on shard_1');
    expect(jobSummary({ ...base, state: 'failed', step: 'cleanup', live: false })).toContain('already lives on shard_2');
    expect(jobSummary({ ...base, state: 'succeeded', step: 'done', live: false })).toBe('Website 7 now lives on shard_2.');
  });

  it('polls while a console runs the job or it says it is running, and stops when it ends', () => {
    expect(shouldPoll(undefined)).toBe(false);
    expect(shouldPoll({ state: 'planned', live: true })).toBe(true);
    expect(shouldPoll({ state: 'running', live: false })).toBe(true);
    expect(shouldPoll({ state: 'failed', live: false })).toBe(false);
    expect(shouldPoll({ state: 'succeeded', live: false })).toBe(false);
  });
});
