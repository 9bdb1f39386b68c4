import { describe, expect, it } from 'vitest';
import { actionButtons, rollbackExplanation } from '../../renderer/src/view/move-actions.ts';

describe('actionButtons', () => {
  it('offers exactly the actions the core lists, in a fixed order', () => {
    expect(actionButtons({ actions: ['rollback', 'resume'] }).map((b) => b.action)).toEqual(['resume', 'rollback']);
    expect(actionButtons({ actions: ['cancel', 'run'] }).map((b) => b.action)).toEqual(['run', 'cancel']);
  });

  it('offers nothing for a live job or a finished one (the core lists no action)', () => {
    expect(actionButtons({ actions: [] })).toEqual([]);
  });

  it('runs and resumes through moves.resume, and asks before a rollback only', () => {
    const buttons = Object.fromEntries(actionButtons({ actions: ['run', 'resume', 'rollback', 'cancel'] }).map((b) => [b.action, b]));
    expect(buttons.run).toMatchObject({ method: 'moves.resume', confirm: false, tone: 'primary' });
    expect(buttons.resume).toMatchObject({ method: 'moves.resume', confirm: false });
    expect(buttons.rollback).toMatchObject({ method: 'moves.rollback', confirm: true, tone: 'danger', label: 'Roll back…' });
    expect(buttons.cancel).toMatchObject({ method: 'moves.cancel', confirm: false });
  });
});

describe('rollbackExplanation', () => {
  const job = { websiteId: 7, source: 'shard_1', target: 'shard_2' };

  it('before the switch: the copy on the target is dropped and the source untouched', () => {
    const text = rollbackExplanation({ ...job, step: 'verify' });
    expect(text.title).toBe('Before the switch');
    expect(text.paragraphs.join(' ')).toContain('still lives on shard_1');
    expect(text.paragraphs.join(' ')).toContain('deletes the rows this job copied to shard_2');
  });

  it('after the switch: the website is moved back with a new job', () => {
    const text = rollbackExplanation({ ...job, step: 'cleanup' });
    expect(text.title).toBe('After the switch');
    expect(text.paragraphs.join(' ')).toContain('already lives on shard_2');
    expect(text.paragraphs.join(' ')).toContain('moves the website back to shard_1 with a new move job');
  });
});
