import { describe, expect, it } from 'vitest';
import { nextSlot, resolveSlots } from '../../../electron/core/migrations/sequence-slots.ts';

const targets = (...names: string[]) => names.map((name, i) => ({ name, role: i === 0 ? ('primary' as const) : ('shard' as const) }));

describe('sequence slots', () => {
  it('takes each recorded slot as it is, whatever the order of the profile', () => {
    const slots = resolveSlots(
      targets('default', 'shard_2', 'shard_1'),
      new Map([
        ['shard_1', 1],
        ['shard_2', 2],
      ]),
    );
    expect(Object.fromEntries(slots)).toEqual({ default: 0, shard_2: 2, shard_1: 1 });
  });

  it('gives a shard with none its place in the profile, or the first free slot above all when a recorded one took that place', () => {
    const stored = new Map<string, number | null>([
      ['shard_1', 1],
      ['shard_2', null],
    ]);
    expect(Object.fromEntries(resolveSlots(targets('default', 'shard_1', 'shard_2'), stored))).toEqual({ default: 0, shard_1: 1, shard_2: 2 });
    expect(Object.fromEntries(resolveSlots(targets('default', 'shard_2', 'shard_1'), stored))).toEqual({ default: 0, shard_2: 3, shard_1: 1 });
    // Two shards without one, both places taken: each gets a slot of its own.
    const two = resolveSlots(
      targets('default', 'a', 'b', 'c'),
      new Map([
        ['c', 1],
        ['x', 2],
      ]),
    );
    expect(new Set(two.values()).size).toBe(4);
    expect(two.get('c')).toBe(1);
  });

  it("gives a new shard the first slot above every other database's, never below their count", () => {
    expect(
      nextSlot(
        new Map([
          ['default', 0],
          ['shard_1', 1],
          ['shard_2', 2],
        ]),
      ),
    ).toBe(3);
    expect(
      nextSlot(
        new Map([
          ['default', 0],
          ['shard_2', 2],
          ['shard_3', 3],
        ]),
      ),
    ).toBe(4);
    expect(nextSlot(new Map([['default', 0]]))).toBe(1);
  });
});
