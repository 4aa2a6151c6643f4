// `npm run synth`: synthesizes the Amplify backend offline, as `ampx` would, into .amplify/artifacts/cdk.out
// (no AWS account needed). Exits non-zero with the message of a bad deploy-time setting or a synth error.
//   --out <dir>         write the cloud assembly there instead (tests use a temporary folder)
//   --nag-report <file> also run cdk-nag's AwsSolutions checks on the construct tree and write the
//                       violations (rule, construct path, acknowledged or not) as JSON
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

export const DEFAULT_CDK_OUT = '.amplify/artifacts/cdk.out';

export const SYNTH_CONTEXT = {
  'amplify-backend-namespace': 'local',
  'amplify-backend-name': 'dev',
  'amplify-backend-type': 'sandbox',
  // Circular references between nested stacks fail synth instead of warning.
  '@aws-cdk/core:validateAgainstDefaultRules': true,
};

const { values } = parseArgs({ options: { out: { type: 'string' }, 'nag-report': { type: 'string' } } });
const outDir = resolve(values.out ?? DEFAULT_CDK_OUT);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
process.env.CDK_OUTDIR = outDir;
process.env.CDK_CONTEXT_JSON = JSON.stringify(SYNTH_CONTEXT);

try {
  const { backend } = (await import(
    pathToFileURL(resolve('amplify/backend.ts')).href
  )) as typeof import('../amplify/backend.ts');
  const app = backend.stack.node.root as import('aws-cdk-lib').App;
  const assembly = app.synth();
  console.log(`Synthesized ${assembly.stacks.length} stack(s) into ${outDir}`);
  if (values['nag-report']) {
    const { AwsSolutionsChecks } = await import('cdk-nag');
    const { Validations } = await import('aws-cdk-lib');
    const { NAG_ACKNOWLEDGEMENTS, OUR_CONSTRUCTS } = await import('../amplify/nag-acknowledgements.ts');
    const findingsOf = () =>
      new AwsSolutionsChecks().validateScope(app).violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => ({
          rule: violation.ruleName,
          path: resource.constructPath ?? '',
          description: violation.description.slice(0, 300),
        })),
      );
    // The reviewed list becomes CDK acknowledgements on the exact findings it covers; then check again.
    const acknowledged = [];
    for (const finding of findingsOf()) {
      const entry = NAG_ACKNOWLEDGEMENTS.find((ack) => ack.rule.test(finding.rule) && ack.path.test(finding.path));
      const node = entry ? app.node.findAll().find((c) => c.node.path === finding.path) : undefined;
      if (!entry || !node) continue;
      Validations.of(node).acknowledge({ id: finding.rule, reason: entry.reason });
      acknowledged.push({ ...finding, reason: entry.reason });
    }
    const remaining = findingsOf().map((finding) => ({
      ...finding,
      owner: OUR_CONSTRUCTS.test(finding.path) ? 'ours' : 'amplify',
    }));
    writeFileSync(resolve(values['nag-report']), JSON.stringify({ acknowledged, remaining }, null, 1));
    const ours = remaining.filter((finding) => finding.owner === 'ours');
    console.log(
      `cdk-nag AwsSolutions: ${ours.length} unacknowledged finding(s) in our constructs, ` +
        `${acknowledged.length} acknowledged by amplify/nag-acknowledgements.ts, ` +
        `${remaining.length - ours.length} in Amplify-managed constructs → ${values['nag-report']}`,
    );
    for (const finding of ours) console.log(`  ${finding.rule} at ${finding.path}`);
  }
} catch (error) {
  console.error(error instanceof Error && error.name === 'DeploySettingsError' ? error.message : error);
  process.exit(1);
}
