import { defineConfig } from 'vitest/config';

// The Amplify backend, proven offline: one synth (global setup) shared by every file here.
export default defineConfig({
  test: {
    include: ['tests/amplify/**/*.test.ts'],
    globalSetup: ['tests/amplify/synth-once.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    pool: 'forks',
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
});
