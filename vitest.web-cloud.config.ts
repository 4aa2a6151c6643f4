import { defineConfig } from 'vitest/config';

// `npm run test:web-cloud`: the built web app in cloud mode, in Debian's Chromium, with Cognito and
// AppSync played by the test (tests/e2e-cloud).
export default defineConfig({
  test: {
    include: ['tests/e2e-cloud/**/*.e2e.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    // expect.poll waits for a condition; its 1 s default is a deadline Chromium plus the app can miss on a
    // loaded 2-core machine (the sign-in took 651 ms there).
    expect: { poll: { timeout: 15_000 } },
    pool: 'forks',
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
});
