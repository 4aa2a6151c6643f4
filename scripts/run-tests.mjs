#!/usr/bin/env node
// `npm test`: format check (cheap, fails fast), type-check (sources and tests), lint, the vitest suites,
// then the Glue (pytest) suite.
// Ends with the plain line `N passed, N failed` and exits non-zero on any failure or when no test ran.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratch = mkdtempSync(join(tmpdir(), 'au-test-'));
let passed = 0;
let failed = 0;
let skipped = 0;

function step(name, command, args, env = {}) {
  console.log(`\n== ${name}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

function check(name, ok) {
  if (ok) passed += 1;
  else {
    failed += 1;
    console.log(`!! ${name} failed`);
  }
}

if (!step('format', 'npm', ['run', '--silent', 'format:check'])) {
  console.log('!! format check failed: run `npm run format` and commit the result');
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}

check('typecheck', step('typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']));
check('lint', step('lint', 'npx', ['eslint', '.']));

const vitestSummary = join(scratch, 'vitest.json');
const vitestOk = step('vitest', 'npx', ['vitest', 'run', ...process.argv.slice(2)], {
  TEST_SUMMARY_FILE: vitestSummary,
});
if (existsSync(vitestSummary)) {
  const counts = JSON.parse(readFileSync(vitestSummary, 'utf8'));
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped;
  if (!vitestOk && counts.failed === 0) failed += 1;
} else failed += 1;

if (process.env.SKIP_GLUE_TESTS === '1') console.log('\n== glue: skipped (SKIP_GLUE_TESTS=1)');
else {
  const glueSummary = join(scratch, 'glue.json');
  const glueOk = step('glue', 'node', ['scripts/run-glue-tests.mjs'], { TEST_SUMMARY_FILE: glueSummary });
  if (existsSync(glueSummary)) {
    const counts = JSON.parse(readFileSync(glueSummary, 'utf8'));
    passed += counts.passed;
    failed += counts.failed;
    skipped += counts.skipped;
    if (!glueOk && counts.failed === 0) failed += 1;
  } else failed += 1;
}

const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
console.log(`\n${line}`);
process.exit(failed === 0 && passed > 2 ? 0 : 1);
