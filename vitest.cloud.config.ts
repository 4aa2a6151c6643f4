import { defineConfig } from 'vitest/config';

// `npm run test:cloud`: the cloud pipeline against AWS emulation (moto on 127.0.0.1, local Spark as Glue,
// the TikTok emulator). One moto and one Spark session for the whole run; files run one at a time
// because they share them (and the machine has 2 cores).
export default defineConfig({
  test: {
    include: ['tests/cloud/**/*.test.ts'],
    globalSetup: ['tests/cloud/harness/global-setup.ts'],
    setupFiles: ['tests/cloud/harness/setup-env.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
});
