import { expect, it } from 'vitest';
import type { RunningJob } from '../../../electron/core/jobs/job-registry.ts';
import { moveProgressReporter } from '../../../electron/core/moves/move-runner.ts';
import type { StoredJob } from '../../../electron/core/moves/move-job-store.ts';

/*
 * A move's copy reports rows estimated from bytes while a table streams, then the table's real count.
 * The plan counted the rows when it was made: rows deleted since made the bar step back when a table
 * ended, rows added showed "1,200 of 1,000 rows".
 */
it("a move's copy progress never steps back and never passes its total", () => {
  const reports: Array<{ done: number; total: number | null }> = [];
  const job = { id: 'j', kind: 'move', signal: new AbortController().signal, progress: (r) => reports.push({ done: r.done, total: r.total }) } as RunningJob;
  const report = moveProgressReporter(job, { plan: { totalRows: 10 } } as unknown as Pick<StoredJob, 'plan'>);
  const copy = (table: string, copiedRows: number, done: boolean) =>
    report({ jobId: 'j', step: 'copy', progress: { table, copiedRows, totalRows: 10, done } as never });
  copy('pwb_props', 10, false);
  // Two rows were deleted since the plan: the table ends with 8.
  copy('pwb_props', 8, true);
  copy('pwb_photos', 4, false);
  expect(reports.map((r) => r.done)).toEqual([10, 10, 12]);
  for (const r of reports) expect(r.done).toBeLessThanOrEqual(r.total!);
  expect(reports.at(-1)!.total).toBe(12);
});
