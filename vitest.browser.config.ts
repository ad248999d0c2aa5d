import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: headless Chromium (Debian's, unpacked into ~/.cache/firedrill by
 * test/browser/support/install-chromium.sh) against the pages `firedrill serve` renders.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.test.ts'],
    // A browser and a PostgreSQL per file: one file at a time on two cores.
    maxWorkers: 1,
    testTimeout: 120_000,
    // The first run unpacks Chromium (minutes) and starts a store.
    hookTimeout: 600_000,
  },
});
