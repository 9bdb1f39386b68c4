import { expect, it } from 'vitest';
import type { JobProgressEvent } from '../../shared/contract.ts';
import { refetchOnPhase } from '../../renderer/src/api/job-hooks.ts';

/*
 * A job page reads the job again when it reaches a new phase, and about once a second within one: a
 * restore's load reports every batch of rows, and the page used to read the job on each of them.
 */

const event = (phase: string): JobProgressEvent => ({ type: 'progress', jobId: 'j', kind: 'restore', phase, done: 1, total: 2, unit: 'rows' });

it('reads on every new phase, and at most once a second within one', () => {
  let clock = 0;
  let reads = 0;
  const onEvent = refetchOnPhase(
    () => reads++,
    1000,
    () => clock,
  );
  onEvent(event('load'));
  expect(reads).toBe(1);
  for (let i = 0; i < 50; i++) {
    clock += 10;
    onEvent(event('load'));
  }
  expect(reads).toBe(1);
  clock += 500;
  onEvent(event('load'));
  expect(reads).toBe(2);
  clock += 1;
  onEvent(event('verify'));
  onEvent(event('load'));
  expect(reads).toBe(4);
});
