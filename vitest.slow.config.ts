import { defineConfig } from 'vitest/config';

/**
 * `npm run test:slow`: integration tests on real servers that take more than seconds (a
 * 1.5 M-row table), run by .ci/run after `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/slow/**/*.test.ts'],
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
