// The service worker: one classic script, dist/sw.js, at the root of the app so its scope covers the app.
// Asset URLs resolve against the service worker's own location (there is no document and no import.meta there).
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 8000,
    copyPublicDir: false,
    rollupOptions: {
      input: 'src/sw.ts',
      output: { format: 'iife', entryFileNames: 'sw.js', inlineDynamicImports: true },
    },
  },
  experimental: {
    renderBuiltUrl: (filename) => ({ runtime: `new URL(${JSON.stringify(filename)}, self.location.href).href` }),
  },
});
