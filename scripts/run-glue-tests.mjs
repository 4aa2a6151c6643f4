#!/usr/bin/env node
// `npm run test:glue`: the Glue job's pytest suite on local PySpark (tests/glue), in .venv.
// Writes {passed, failed, skipped} to $TEST_SUMMARY_FILE (read by scripts/run-tests.mjs), prints
// `glue: N passed, N failed`, and exits non-zero on a failure or when no test ran.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const python = join(root, '.venv', 'bin', 'python');

const setup = spawnSync(process.execPath, [join(root, 'scripts', 'setup-python.mjs')], { stdio: 'inherit', cwd: root });
if (setup.status !== 0) {
  finish({ passed: 0, failed: 1, skipped: 0 }, 'the Python environment could not be set up (see above)');
}

const scratch = mkdtempSync(join(tmpdir(), 'glue-tests-'));
const junit = join(scratch, 'junit.xml');
const result = spawnSync(
  python,
  ['-m', 'pytest', 'tests/glue', '-q', '-p', 'no:cacheprovider', '--junitxml', junit, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  },
);

const counts = existsSync(junit) ? countsFromJunit(readFileSync(junit, 'utf8')) : { passed: 0, failed: 0, skipped: 0 };
rmSync(scratch, { recursive: true, force: true });
// pytest exit codes: 0 all passed, 1 failures, 5 no test collected; anything else is a crash.
if (result.status !== 0 && counts.failed === 0) counts.failed = 1;
finish(counts, result.status === 5 ? 'no test ran' : null);

function countsFromJunit(xml) {
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const match of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
    const attribute = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(match[1])?.[1] ?? 0);
    tests += attribute('tests');
    failures += attribute('failures');
    errors += attribute('errors');
    skipped += attribute('skipped');
  }
  return { passed: tests - failures - errors - skipped, failed: failures + errors, skipped };
}

function finish(counts, problem) {
  if (process.env.TEST_SUMMARY_FILE) writeFileSync(process.env.TEST_SUMMARY_FILE, JSON.stringify(counts));
  if (problem) console.log(`glue: ${problem}`);
  console.log(
    `glue: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`,
  );
  process.exit(counts.failed === 0 && counts.passed > 0 && !problem ? 0 : 1);
}
