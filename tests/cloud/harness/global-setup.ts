import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPythonService, REPO, type PythonService } from './python-service.ts';

/** Fake credentials and a region: moto accepts any, and nothing here may ever reach a real account. */
export const FAKE_AWS = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SESSION_TOKEN: 'testing',
} as const;

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
    glueRunnerUrl: string;
    /** The synthesized assembly, or '' when synth failed (then `synthError` says why). */
    cdkOut: string;
    synthError: string;
  }
}

/** `npm run synth` (offline), so the tests deploy what the backend code synthesizes now. */
function synthesize(): Promise<string> {
  const cdkOut = join(REPO, '.amplify', 'artifacts', 'cdk.out');
  // Local iteration only (CI never sets it): reuse the last synth when the backend code is unchanged.
  if (process.env.CLOUD_TESTS_REUSE_SYNTH === '1' && existsSync(cdkOut)) return Promise.resolve(cdkOut);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'scripts', 'synth.ts')], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(cdkOut) : reject(new Error(`npm run synth failed (${code}):\n${output.slice(-4000)}`)),
    );
  });
}

const services: PythonService[] = [];

/**
 * Once per `npm run test:cloud`: the pinned Python environment, moto on 127.0.0.1 (a free port), and
 * the Glue runner (one Spark session for the whole run; it starts while the test files load).
 */
export async function setup(project: TestProject): Promise<void> {
  const python = spawnSync(process.execPath, [join(REPO, 'scripts', 'setup-python.mjs')], { stdio: 'inherit' });
  if (python.status !== 0) throw new Error('The Python environment could not be set up (see above).');
  const synth = synthesize();
  synth.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const moto = await startPythonService('moto_server.py', FAKE_AWS, 60_000);
  services.push(moto);
  const awsEndpoint = `http://127.0.0.1:${moto.port}`;
  // First run on a clean machine downloads hadoop-aws and the AWS Java SDK bundle (~280 MB) from Maven.
  const glue = await startPythonService('glue_runner.py', { ...FAKE_AWS, AWS_ENDPOINT_URL: awsEndpoint }, 600_000);
  services.push(glue);
  project.provide('awsEndpoint', awsEndpoint);
  project.provide('glueRunnerUrl', `http://127.0.0.1:${glue.port}`);
  // A synth failure fails the tests that deploy the backend, not the ones that need only moto and Spark.
  const synthesized = await synth.then(
    (cdkOut) => ({ cdkOut, error: '' }),
    (error: Error) => ({ cdkOut: '', error: error.message }),
  );
  project.provide('cdkOut', synthesized.cdkOut);
  project.provide('synthError', synthesized.error);
}

export async function teardown(): Promise<void> {
  await Promise.all(services.splice(0).map((service) => service.stop()));
}
