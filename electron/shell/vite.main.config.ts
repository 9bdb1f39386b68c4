import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import pkg from '../../package.json' with { type: 'json' };

// The main process as one ESM file; dependencies stay external (electron-builder ships node_modules).
const external = ['electron', ...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies)];

export default defineConfig({
  build: {
    outDir: 'dist/electron/shell',
    emptyOutDir: false,
    target: 'node20',
    ssr: true,
    minify: false,
    rollupOptions: {
      input: { main: 'electron/shell/main.ts' },
      external: (id) => external.some((e) => id === e || id.startsWith(`${e}/`)),
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
