import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import pkg from '../../package.json' with { type: 'json' };

// The CLI as one ESM file: starting it skips transpiling the TypeScript sources on every run, which
// matters for runbooks and for the crash tests that start it dozens of times. Dependencies stay external.
const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies)];

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
});
