import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cloud assembly written by scripts/synth.ts for these tests. */
    cdkOut: string;
    /** cdk-nag's report of the same synth. */
    nagReport: string;
  }
}

/** Synthesizes the backend once (the slow part: ~15 s of CPU, bundling included) for every test file. */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'au-amplify-'));
  const cdkOut = join(dir, 'cdk.out');
  const nagReport = join(dir, 'nag.json');
  // Deploy-time settings come from the environment: synthesize with the defaults, whatever the shell has.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AU_')));
  const synth = spawnSync('npx', ['tsx', 'scripts/synth.ts', '--out', cdkOut, '--nag-report', nagReport], {
    env,
    encoding: 'utf8',
  });
  if (synth.status !== 0) throw new Error(`npm run synth failed:\n${synth.stdout}\n${synth.stderr}`);
  project.provide('cdkOut', cdkOut);
  project.provide('nagReport', nagReport);
  return () => rmSync(dir, { recursive: true, force: true });
}
