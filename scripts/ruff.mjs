#!/usr/bin/env node
// Runs the pinned Ruff from `.venv` (created by scripts/setup-python.mjs) over the Python sources.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ruff = join(root, '.venv', 'bin', 'ruff');
if (!existsSync(ruff)) {
  console.error(
    'ruff: .venv/bin/ruff is missing. Run `node scripts/setup-python.mjs` first (it installs the pinned Ruff).',
  );
  process.exit(2);
}
const result = spawnSync(ruff, [...process.argv.slice(2), 'amplify', 'tests/glue', 'tests/cloud', 'bench'], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
