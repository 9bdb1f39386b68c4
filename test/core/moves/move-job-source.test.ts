import { expect, it } from 'vitest';
import type { MoveJob } from '../../../shared/contract.ts';
import { moveToJob } from '../../../electron/core/moves/move-job-source.ts';

/*
 * A move started here reads planned in its record until its run saves the first step. Listed then, the
 * Jobs page showed it planned and never followed it (it follows running jobs here): the row stayed
 * planned, and the pages it changed were not read again when it ended.
 */
it('a move this console runs is running on the Jobs page, whatever its record says yet; one nobody runs keeps its state', () => {
  const move = {
    jobId: 'j',
    websiteId: 7,
    source: 'shard_1',
    target: 'default',
    state: 'planned',
    live: false,
    step: 'preflight',
    progress: [],
    plan: null,
    actions: ['start'],
  } as unknown as MoveJob;
  expect(moveToJob(move, true)).toMatchObject({ state: 'running', here: true, live: true });
  expect(moveToJob(move, false)).toMatchObject({ state: 'planned', here: false });
  expect(moveToJob({ ...move, state: 'running', live: false }, false)).toMatchObject({ state: 'interrupted' });
});

it("a move's progress as read from its record never shows more rows done than its total", () => {
  const move = {
    jobId: 'j',
    websiteId: 7,
    source: 'shard_1',
    target: 'default',
    state: 'running',
    live: true,
    step: 'copy',
    progress: [{ table: 'pwb_props', copiedRows: 1200, totalRows: 1000, done: true }],
    plan: { totalRows: 1000 },
    actions: [],
  } as unknown as MoveJob;
  expect(moveToJob(move, false).progress).toMatchObject({ done: 1200, total: 1200 });
});
