import { defineConfig } from 'vitest/config';

/** `npm run test:e2e`: suites that install and start their own heavy servers (Synapse). */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 900_000,
  },
});
