// Writes a placeholder amplify_outputs.json for builds and tests, from the synthesized backend's
// model introspection, ONLY when no real one exists (a deploy or `ampx sandbox` writes the real one).
//   npx tsx scripts/synth-outputs.ts [--cdk-out <dir>] [--out <file>] [--data-url <url>] [--region <r>]
// Synthesizes first when the cloud assembly is missing. The file is git-ignored.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isPlaceholder } from '../src/ui/services/cloud-outputs.ts';
import { amplifyOutputs } from './amplify-outputs.ts';

/** Marks a file as ours (`custom.placeholder`, the web app's rule too): never taken for a deployment's outputs, safe to rewrite. */
export const PLACEHOLDER_MARK = { placeholder: true };

const { values } = parseArgs({
  options: {
    'cdk-out': { type: 'string', default: '.amplify/artifacts/cdk.out' },
    out: { type: 'string', default: 'amplify_outputs.json' },
    'data-url': { type: 'string', default: 'http://127.0.0.1:20002/graphql' },
    region: { type: 'string', default: 'us-east-1' },
  },
});
const out = resolve(values.out as string);
const cdkOut = resolve(values['cdk-out'] as string);

function isPlaceholderFile(file: string): boolean {
  try {
    return isPlaceholder(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return false;
  }
}

if (existsSync(out) && !isPlaceholderFile(out)) {
  console.log(`${out} exists and is a real deployment's outputs: left as it is.`);
  process.exit(0);
}

function findIntrospection(): string | undefined {
  if (!existsSync(cdkOut)) return undefined;
  for (const name of readdirSync(cdkOut)) {
    const candidate = join(cdkOut, name, 'modelIntrospectionSchema.json');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

let introspection = findIntrospection();
if (!introspection) {
  const synth = spawnSync('npx', ['tsx', 'scripts/synth.ts', '--out', cdkOut], { stdio: 'inherit' });
  if (synth.status !== 0) process.exit(synth.status ?? 1);
  introspection = findIntrospection();
}
if (!introspection) {
  console.error(`No modelIntrospectionSchema.json in ${cdkOut}: did the synth include amplify/data?`);
  process.exit(1);
}

const region = values.region as string;
const outputs = amplifyOutputs({
  region,
  userPoolId: `${region}_PLACEHOLD`,
  userPoolClientId: 'placeholderclientid000000',
  identityPoolId: `${region}:00000000-0000-0000-0000-000000000000`,
  dataUrl: values['data-url'] as string,
  modelIntrospection: JSON.parse(readFileSync(introspection, 'utf8')) as unknown,
  bucketName: 'placeholder-audience-data',
  custom: PLACEHOLDER_MARK,
});
writeFileSync(out, `${JSON.stringify(outputs, null, 2)}\n`);
console.log(`Wrote placeholder ${out} (data API at ${values['data-url']}; no AWS resources behind it).`);
