import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding the app's package.json: found by walking up from this module, so the same code
 * works from the TypeScript sources, the bundled CLI in dist/ and a packaged desktop app.
 */
function findAppRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'shard-console') return dir;
      } catch {
        // not ours: keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Shard Console cannot find its own package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const APP_ROOT = findAppRoot();
export const MIGRATIONS_DIR = join(APP_ROOT, 'migrations');
export const RENDERER_DIR = join(APP_ROOT, 'dist', 'renderer');
