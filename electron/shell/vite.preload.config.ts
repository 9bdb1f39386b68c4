import { defineConfig } from 'vite';

// A sandboxed preload can require nothing but `electron`: everything else is bundled into one CJS file.
export default defineConfig({
  build: {
    outDir: 'dist/electron/shell',
    emptyOutDir: false,
    target: 'node20',
    ssr: true,
    minify: false,
    rollupOptions: {
      input: { preload: 'electron/shell/preload.ts' },
      external: ['electron'],
      output: { format: 'cjs', entryFileNames: '[name].cjs' },
    },
  },
  ssr: { noExternal: true },
});
