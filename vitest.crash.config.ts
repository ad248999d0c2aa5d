import { defineConfig } from 'vitest/config';

/** The crash suites: real firedrill processes killed at every state of a run (run by .ci/run). */
export default defineConfig({
  test: {
    include: ['test/crash/**/*.test.ts'],
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
