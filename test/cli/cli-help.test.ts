import { expect, it } from 'vitest';
import { cliMain } from '../../electron/cli/cli-main.ts';

/* Help never opens a cluster: `help`, `help CMD`, `CMD --help` and `CMD -h`, whatever else is on the line. */

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await cliMain(args, { out: (text) => void (stdout += `${text}\n`), err: (text) => void (stderr += `${text}\n`) });
  return { code, stdout, stderr };
}

it("tells one command's usage for help CMD, CMD --help and CMD -h, even with arguments the command would refuse", async () => {
  for (const args of [
    ['help', 'move'],
    ['move', '--help'],
    ['move', '-h'],
    ['move', '1', '2', '-h'],
    ['--profile', 'p.json', 'move', '-h'],
  ]) {
    const result = await cli(args);
    expect(result.code, args.join(' ')).toBe(0);
    expect(result.stdout, args.join(' ')).toMatch(/^Usage: shard-console move ID --to SHARD/);
    expect(result.stdout, args.join(' ')).not.toContain('Exit codes:');
  }
  // Grouped with another short option, -h still only tells the usage: nothing runs.
  const grouped = await cli(['move', '42', '--to', 'shard_2', '-yh']);
  expect(grouped.code).toBe(0);
  expect(grouped.stdout).toMatch(/^Usage: shard-console move ID --to SHARD/);
  const shards = await cli(['shards', 'extra', '--help']);
  expect(shards.code).toBe(0);
  expect(shards.stdout).toMatch(/^Usage: shard-console shards/);
});

it('lists every command for help, -h and --help alone; an unknown topic is a wrong command line', async () => {
  for (const args of [['help'], ['-h'], ['--help']]) {
    const result = await cli(args);
    expect(result.code, args.join(' ')).toBe(0);
    expect(result.stdout, args.join(' ')).toContain('Exit codes:');
  }
  const unknown = await cli(['help', 'mvoe']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('Unknown command "mvoe". Run `shard-console help` for the list.');
});
