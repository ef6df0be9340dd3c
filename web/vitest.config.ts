import { defineConfig } from 'vitest/config';

// Unit tests (test/unit) run in Node; browser tests (test/browser) drive headless Chromium against web/dist,
// one file at a time so two Chromiums never compete for the machine's two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
