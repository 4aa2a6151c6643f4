import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: the web app in Debian's Chromium against the real `npm start` (tests/e2e).
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
});
