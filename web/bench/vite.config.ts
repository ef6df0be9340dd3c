// Builds the benchmark page into web/dist/bench-page (only for `npm run bench`; not part of the app's build).
import { defineConfig } from 'vite';
import { resolve } from 'node:path';

export default defineConfig({
  root: resolve(__dirname),
  base: './',
  logLevel: 'warn',
  build: { outDir: resolve(__dirname, '..', 'dist', 'bench-page'), emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0, chunkSizeWarningLimit: 8000 },
  worker: { format: 'es' },
});
