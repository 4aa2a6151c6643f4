#!/usr/bin/env node
// `npm test`: format check (cheap, fails fast), type-check (sources and tests), lint, then every test suite.
// Each suite writes {passed, failed, skipped} to $TEST_SUMMARY_FILE and must run at least its minimum
// number of tests: a suite that ran none (or far fewer than it has) fails instead of looking green.
// Ends with the plain line `N passed, N failed` (tests only; checks are reported separately) and exits
// non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The suites, in order. `minimum` is a floor well below the real count, so deleting or silently
 * skipping most of a suite fails the run. `skipEnv` lets a developer leave out a slow suite locally;
 * CI never sets it.
 */
const suites = [
  { name: 'vitest', command: 'npx', args: ['vitest', 'run', '--config', 'vitest.config.ts'], minimum: 450 },
  { name: 'glue', command: 'node', args: ['scripts/run-glue-tests.mjs'], minimum: 120, skipEnv: 'SKIP_GLUE_TESTS' },
  {
    name: 'cloud',
    command: 'npx',
    args: ['vitest', 'run', '--config', 'vitest.cloud.config.ts'],
    minimum: 18,
    skipEnv: 'SKIP_CLOUD_TESTS',
  },
  { name: 'e2e', command: 'npx', args: ['vitest', 'run', '--config', 'vitest.e2e.config.ts'], minimum: 8 },
  { name: 'web-cloud', command: 'npx', args: ['vitest', 'run', '--config', 'vitest.web-cloud.config.ts'], minimum: 4 },
  { name: 'amplify', command: 'npx', args: ['vitest', 'run', '--config', 'vitest.amplify.config.ts'], minimum: 45 },
];

const checks = [
  { name: 'typecheck', command: 'npx', args: ['tsc', '--noEmit', '-p', 'tsconfig.json'] },
  { name: 'typecheck:amplify', command: 'npx', args: ['tsc', '--noEmit', '-p', 'amplify/tsconfig.json'] },
  { name: 'lint', command: 'npx', args: ['eslint', '.'] },
];

const scratch = mkdtempSync(join(tmpdir(), 'au-test-'));
let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];

function step(name, command, args, env = {}) {
  console.log(`\n== ${name}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

if (!step('format', 'npm', ['run', '--silent', 'format:check'])) {
  console.log('!! format check failed: run `npm run format` and commit the result');
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}

for (const check of checks) {
  if (!step(check.name, check.command, check.args)) problems.push(`${check.name} failed`);
}

for (const suite of suites) {
  if (suite.skipEnv && process.env[suite.skipEnv] === '1') {
    console.log(`\n== ${suite.name}: skipped (${suite.skipEnv}=1)`);
    continue;
  }
  const summaryFile = join(scratch, `${suite.name}.json`);
  const ok = step(suite.name, suite.command, suite.args, { TEST_SUMMARY_FILE: summaryFile });
  if (!existsSync(summaryFile)) {
    failed += 1;
    problems.push(`${suite.name} wrote no summary (it crashed before running its tests)`);
    continue;
  }
  const counts = JSON.parse(readFileSync(summaryFile, 'utf8'));
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped;
  if (!ok && counts.failed === 0) {
    failed += 1;
    problems.push(`${suite.name} exited non-zero without a failing test`);
  }
  if (counts.passed + counts.failed < suite.minimum) {
    failed += 1;
    problems.push(
      `${suite.name} ran ${counts.passed + counts.failed} tests, fewer than its minimum of ${suite.minimum}`,
    );
  }
}

for (const problem of problems) console.log(`!! ${problem}`);
const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
console.log(`\n${line}`);
process.exit(failed === 0 && problems.length === 0 && passed > 0 ? 0 : 1);
