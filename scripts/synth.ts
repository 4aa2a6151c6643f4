// `npm run synth`: synthesizes the Amplify backend offline, as `ampx` would, into .amplify/artifacts/cdk.out
// (no AWS account needed). Exits non-zero with the message of a bad deploy-time setting or a synth error.
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CDK_OUT = resolve('.amplify/artifacts/cdk.out');

export const SYNTH_CONTEXT = {
  'amplify-backend-namespace': 'local',
  'amplify-backend-name': 'dev',
  'amplify-backend-type': 'sandbox',
  // Circular references between nested stacks fail synth instead of warning.
  '@aws-cdk/core:validateAgainstDefaultRules': true,
};

rmSync(CDK_OUT, { recursive: true, force: true });
mkdirSync(CDK_OUT, { recursive: true });
process.env.CDK_OUTDIR = CDK_OUT;
process.env.CDK_CONTEXT_JSON = JSON.stringify(SYNTH_CONTEXT);

try {
  const { backend } = (await import(
    pathToFileURL(resolve('amplify/backend.ts')).href
  )) as typeof import('../amplify/backend.ts');
  const { App } = await import('aws-cdk-lib');
  const assembly = App.of(backend.stack)?.node.root as InstanceType<typeof App>;
  const out = assembly.synth();
  console.log(`Synthesized ${out.stacks.length} stack(s) into ${CDK_OUT}`);
} catch (error) {
  console.error(error);
  process.exit(1);
}
