import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/*
 * The renderer is loaded from file:// by Electron and from the loopback HTTP bridge in browser mode,
 * so every asset URL is relative (`base: './'`). The CSP forbids inline scripts: Vite's modulepreload
 * polyfill is one, so it stays off (Chromium supports modulepreload natively).
 * No `node:` imports even here: `import.meta.dirname` is provided by Vite's config loader.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
});
