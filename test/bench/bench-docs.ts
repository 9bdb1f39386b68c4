import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';

/*
 * docs/benchmarks.md keeps the last run of each bench: a section per bench between markers, rewritten
 * by `npm run bench` (not with --no-docs), and a summary table built from the sections' headers. What
 * is written is what the bench printed, so the page never holds a figure no run produced.
 */

export interface BenchRun {
  readonly name: string;
  readonly summary: string;
  readonly args: readonly string[];
  readonly code: number;
  readonly lines: readonly string[];
  readonly finishedAt: Date;
}

const start = (name: string) => `<!-- bench:${name} -->`;
const end = (name: string) => `<!-- /bench:${name} -->`;
const SUMMARY_START = '<!-- bench-summary -->';
const SUMMARY_END = '<!-- /bench-summary -->';

function machine(): string {
  const cores = cpus();
  return `${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.versions.node}`;
}

function verdict(code: number): string {
  return code === 0 ? 'targets met' : code === 1 ? 'a target NOT met' : `failed (exit ${code})`;
}

export function sectionOf(run: BenchRun): string {
  const when = `${run.finishedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return [
    start(run.name),
    `### ${run.name}`,
    '',
    `${run.summary}.`,
    '',
    `Last run: ${when} · \`npm run bench -- ${[run.name, ...run.args].join(' ')}\` · ${verdict(run.code)} · ${machine()}`,
    '',
    '```',
    ...run.lines,
    '```',
    end(run.name),
  ].join('\n');
}

/** The page with `run`'s section replaced (or added at the end) and the summary rebuilt. */
export function withRun(page: string, run: BenchRun): string {
  const section = sectionOf(run);
  const a = page.indexOf(start(run.name));
  const b = page.indexOf(end(run.name));
  const updated = a >= 0 && b > a ? `${page.slice(0, a)}${section}${page.slice(b + end(run.name).length)}` : `${page.trimEnd()}\n\n${section}\n`;
  return withSummary(updated);
}

function withSummary(page: string): string {
  const rows = [...page.matchAll(/<!-- bench:([\w-]+) -->\n### [\w-]+\n\n[^\n]*\n\nLast run: ([^·]+)· `([^`]+)` · ([^·]+)·/g)].map(
    ([, name, when, command, result]) => `| [${name}](#${name}) | ${when!.trim()} | \`${command}\` | ${result!.trim()} |`,
  );
  const table = [SUMMARY_START, '| bench | last run | command | result |', '| --- | --- | --- | --- |', ...rows, SUMMARY_END].join('\n');
  const a = page.indexOf(SUMMARY_START);
  const b = page.indexOf(SUMMARY_END);
  return a >= 0 && b > a ? `${page.slice(0, a)}${table}${page.slice(b + SUMMARY_END.length)}` : page;
}

export async function recordRun(file: string, run: BenchRun): Promise<void> {
  const page = await readFile(file, 'utf8').catch(() => `# Benchmarks\n\n${SUMMARY_START}\n${SUMMARY_END}\n`);
  await writeFile(file, withRun(page, run));
}
