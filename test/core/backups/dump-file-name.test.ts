import { expect, it } from 'vitest';
import { dumpFileBase } from '../../../electron/core/backups/create-backup.ts';

/*
 * Each database's archive gets a name of its own in the backup folder, one the manifest's file pattern
 * takes: names that differ only in case would be one file on macOS and Windows, and a Rails shard name
 * may hold any character.
 */

const MANIFEST_FILE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\/?$/;

it("keeps a plain database name, and gives names one file system would merge, or any name the manifest's pattern refuses, one of their own", () => {
  expect(dumpFileBase('shard_1', ['default', 'shard_1', 'shard_2'])).toBe('shard_1');
  const upper = dumpFileBase('Shard_A', ['Shard_A', 'shard_a']);
  const lower = dumpFileBase('shard_a', ['Shard_A', 'shard_a']);
  expect(upper.toLowerCase()).not.toBe(lower.toLowerCase());
  expect(upper).toMatch(/^Shard_A-[0-9a-f]{8}$/);
  for (const name of ['shard 1', 'tenant+eu', 'ŝardo', '.hidden', `${'x'.repeat(120)}`]) {
    const base = dumpFileBase(name, [name, 'shard_1']);
    expect(`${base}.dump`, name).toMatch(MANIFEST_FILE);
    expect(base, name).not.toBe(dumpFileBase(`${name}2`, [`${name}2`]));
  }
  // Made plain, a name keeps telling apart from the plain one it resembles.
  expect(dumpFileBase('shard 1', ['shard 1', 'shard_1'])).not.toBe(dumpFileBase('shard_1', ['shard 1', 'shard_1']));
});
