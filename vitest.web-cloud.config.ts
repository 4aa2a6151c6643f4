import { defineConfig } from 'vitest/config';

// `npm run test:web-cloud`: the built web app in cloud mode, in Debian's Chromium, with Cognito and
// AppSync played by the test (tests/e2e-cloud).
export default defineConfig({
  test: {
    include: ['tests/e2e-cloud/**/*.e2e.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    pool: 'forks',
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
});
