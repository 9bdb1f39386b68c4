import { describe, expect, it } from 'vitest';
import { MOVE_STEPS, type MoveStep } from '../../../shared/methods/move-methods.ts';
import { overallProgress } from '../../../electron/core/jobs/overall-progress.ts';
import type { ProgressReport, RunningJob } from '../../../electron/core/jobs/job-registry.ts';
import { moveProgressReporter } from '../../../electron/core/moves/move-runner.ts';
import { MODE_STEPS, RESTORE_STEP_WEIGHTS } from '../../../electron/core/restore/restore-job-store.ts';

/* One measure for a job's bar across phases counted in different units: it never runs back. */

describe('overallProgress', () => {
  it('weighs the steps, counts the step under way by its fraction, and stays within 0..1', () => {
    const steps = ['a', 'b', 'c', 'd'] as const;
    expect(overallProgress(steps, 'a', 0)).toBe(0);
    expect(overallProgress(steps, 'b', 0.5)).toBe(1.5 / 4);
    expect(overallProgress(steps, 'c', 0, { b: 6 })).toBe(7 / 9);
    expect(overallProgress(steps, 'd', 2)).toBe(1);
    expect(overallProgress(steps, 'b', Number.NaN)).toBe(0.25);
    expect(overallProgress(steps, 'x' as 'a', 0.5)).toBe(0);
  });

  it("a restore's steps, forward and done, end at 1", () => {
    for (const steps of Object.values(MODE_STEPS)) expect(overallProgress(steps, 'done', 0, RESTORE_STEP_WEIGHTS)).toBe(1);
  });
});

describe("a move's progress events", () => {
  it('carry one overall figure that only grows: through the steps, the copy by its rows, and to 1 at the end', () => {
    const reports: ProgressReport[] = [];
    const job = { id: 'j', kind: 'move', signal: new AbortController().signal, progress: (r: ProgressReport) => reports.push(r) } as RunningJob;
    const report = moveProgressReporter(job, { plan: { totalRows: 1000 } } as never);
    const step = (s: MoveStep) => report({ jobId: 'j', step: s } as never);
    step('preflight');
    step('fence');
    step('copy');
    for (const copiedRows of [100, 400, 600]) report({ jobId: 'j', step: 'copy', progress: { table: 'pwb_props', copiedRows, totalRows: 600 } } as never);
    report({ jobId: 'j', step: 'copy', progress: { table: 'pwb_photos', copiedRows: 400, totalRows: 400 } } as never);
    for (const s of MOVE_STEPS.slice(MOVE_STEPS.indexOf('sequences'))) step(s);
    const overall = reports.map((r) => r.overall!);
    expect(overall.every((v, i) => i === 0 || v >= overall[i - 1]!)).toBe(true);
    expect(overall.at(-1)).toBe(1);
    // The copy's last rows and the next step meet: no drop from a full bar of rows to a share of steps.
    const lastCopy = reports.findLastIndex((r) => r.unit === 'rows');
    expect(reports[lastCopy]).toMatchObject({ done: 1000, total: 1000 });
    expect(reports[lastCopy + 1]!.overall).toBeCloseTo(reports[lastCopy]!.overall!, 10);
    // About half the bar is the copy (the bench's share of the time).
    expect(reports[lastCopy]!.overall! - reports[2]!.overall!).toBeGreaterThan(0.4);
  });
});
