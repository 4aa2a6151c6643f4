#!/usr/bin/env node
// Creates `.venv` (python3 -m venv) and installs the Glue job's pinned requirements for its tests.
// Idempotent: skipped when `.venv/.requirements-stamp` holds the hash of the requirement files.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.venv');
const python = join(venv, 'bin', 'python');
const stampFile = join(venv, '.requirements-stamp');
// tests/glue/requirements.txt includes the job's runtime requirements; both go into the hash.
const requirementFiles = ['tests/glue/requirements.txt', 'amplify/custom/glue-transform/job/requirements.txt'];

function requirementsHash() {
  const hash = createHash('sha256');
  for (const file of requirementFiles) hash.update(`${file}\n`).update(readFileSync(join(root, file)));
  return hash.digest('hex');
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root });
  if (result.error) throw new Error(`Could not run ${command}: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

function main() {
  const wanted = requirementsHash();
  if (existsSync(python) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === wanted) {
    console.log('setup-python: .venv is up to date');
    return 0;
  }
  if (!existsSync(python)) {
    console.log('setup-python: creating .venv');
    run('python3', ['-m', 'venv', venv]);
  }
  run(python, [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '-r',
    join(root, 'tests/glue/requirements.txt'),
  ]);
  writeFileSync(stampFile, `${wanted}\n`);
  console.log('setup-python: .venv ready');
  return 0;
}

try {
  process.exit(main());
} catch (error) {
  console.error(`setup-python failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error(
    'Fix: install python3 with the venv module (Debian: apt-get install python3-venv) and make sure pip can reach PyPI.',
  );
  process.exit(1);
}
