import { defineConfig } from 'vitest/config';

/** The HA suite: real `firedrill serve` replicas on one store, the leader killed mid-drill (run by .ci/run). */
export default defineConfig({
  test: {
    include: ['test/ha/**/*.test.ts'],
    // Each test runs two or three serve processes: one test at a time on two cores.
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
