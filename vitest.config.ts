import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The fault suite restarts Postgres and Redis: it runs alone, with `npm run test:faults`.
    exclude: ['tests/faults/**', 'node_modules/**'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file has its own database, Redis prefix and SMTP server, so files run in parallel.
    fileParallelism: true,
    // Vitest's default is one worker fewer than the cores: a single one on CI's two, where the files,
    // which mostly wait on Postgres, Redis, a worker or the browser, then ran one after another
    // (573 s for the suite on a slow day; 346 s with three).
    maxWorkers: Math.max(3, os.availableParallelism()),
  },
});
