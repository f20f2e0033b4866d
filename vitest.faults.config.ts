import { defineConfig } from 'vitest/config';

/** `npm run test:faults`: real processes, and faults that restart Postgres and Redis: one file at a time, never beside other tests. */
export default defineConfig({
  test: {
    include: ['tests/faults/**/*.test.ts'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
