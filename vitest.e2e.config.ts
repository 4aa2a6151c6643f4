import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: the web app in Debian's Chromium against the real `npm start` (tests/e2e).
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // expect.poll waits for a condition; its 1 s default is a deadline Chromium plus the app can miss on a
    // loaded 2-core machine (the sign-in took 651 ms there).
    expect: { poll: { timeout: 15_000 } },
    pool: 'forks',
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
});
