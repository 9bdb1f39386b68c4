import { describe, expect, it } from 'vitest';
import { withRun } from './bench-docs.ts';

const run = (name: string, code: number, lines: string[]) => ({
  name,
  summary: `the ${name} bench`,
  args: ['1', '3'],
  code,
  lines,
  finishedAt: new Date('2026-12-05T14:20:00Z'),
});
const PAGE = '# Benchmarks\n\nintro\n\n<!-- bench-summary -->\n<!-- /bench-summary -->\n\n## Last runs\n';

describe('docs/benchmarks.md', () => {
  it('adds a section per bench with what it printed, and a summary row per section', () => {
    const once = withRun(PAGE, run('move', 0, ['default move 0.96x of the pipes (target <= 1.0x): met']));
    expect(once).toContain('<!-- bench:move -->\n### move\n\nthe move bench.\n\nLast run: 2026-12-05 14:20 UTC · `npm run bench -- move 1 3` · targets met ·');
    expect(once).toContain('```\ndefault move 0.96x of the pipes (target <= 1.0x): met\n```\n<!-- /bench:move -->');
    expect(once).toContain('| [move](#move) | 2026-12-05 14:20 UTC | `npm run bench -- move 1 3` | targets met |');

    const twice = withRun(withRun(once, run('backup', 1, ['reader 1.62x of pg_restore (target <= 1.5x): NOT met'])), run('move', 0, ['default move 1.00x']));
    expect(twice.match(/<!-- bench:move -->/g)).toHaveLength(1);
    expect(twice).not.toContain('0.96x');
    expect(twice).toContain('default move 1.00x');
    expect(twice).toContain('| [backup](#backup) | 2026-12-05 14:20 UTC | `npm run bench -- backup 1 3` | a target NOT met |');
    expect(twice.indexOf('intro')).toBeLessThan(twice.indexOf('<!-- bench-summary -->'));
  });
});
