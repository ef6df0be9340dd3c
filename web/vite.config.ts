// The app: index.html, the UI, the web worker and the wasm files it needs, all under dist/ with relative URLs so
// the build works at any path: served by the Hearth server at /, or as a static site with no server at all.
// shell-manifest.json lists every emitted file for the service worker to cache (sw.js is built by vite.sw.config.ts).
import { defineConfig, type Plugin } from 'vite';

function shellManifest(): Plugin {
  return {
    name: 'hearth-shell-manifest',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((f) => !f.endsWith('.map')).sort();
      this.emitFile({ type: 'asset', fileName: 'shell-manifest.json', source: JSON.stringify(files, null, 1) });
    },
  };
}

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    target: 'es2022',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 8000,
  },
  worker: { format: 'es' },
  plugins: [shellManifest()],
});
