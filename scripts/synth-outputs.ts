// Writes a placeholder amplify_outputs.json for builds and tests, from the synthesized backend's
// model introspection, ONLY when no real one exists (a deploy or `ampx sandbox` writes the real one).
//   npx tsx scripts/synth-outputs.ts [--cdk-out <dir>] [--out <file>] [--data-url <url>] [--region <r>]
// Synthesizes first when the cloud assembly is missing. The file is git-ignored.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

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

function isPlaceholder(file: string): boolean {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
      custom?: { audienceUploader?: { placeholder?: boolean } };
    };
    return parsed.custom?.audienceUploader?.placeholder === true;
  } catch {
    return false;
  }
}

if (existsSync(out) && !isPlaceholder(out)) {
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
const outputs = {
  $schema:
    'https://raw.githubusercontent.com/aws-amplify/amplify-backend/main/packages/client-config/src/client-config-schema/schema_v1.4.json',
  version: '1.4',
  auth: {
    aws_region: region,
    user_pool_id: `${region}_PLACEHOLD`,
    user_pool_client_id: 'placeholderclientid000000',
    identity_pool_id: `${region}:00000000-0000-0000-0000-000000000000`,
    mfa_methods: ['TOTP'],
    mfa_configuration: 'OPTIONAL',
    standard_required_attributes: ['email'],
    username_attributes: ['email'],
    user_verification_types: ['email'],
    groups: [{ Admins: { precedence: 0 } }, { Uploaders: { precedence: 1 } }],
    password_policy: {
      min_length: 14,
      require_lowercase: true,
      require_numbers: true,
      require_symbols: true,
      require_uppercase: true,
    },
    unauthenticated_identities_enabled: false,
  },
  data: {
    url: values['data-url'],
    aws_region: region,
    default_authorization_type: 'AMAZON_COGNITO_USER_POOLS',
    authorization_types: ['AWS_IAM'],
    model_introspection: JSON.parse(readFileSync(introspection, 'utf8')) as unknown,
  },
  storage: {
    aws_region: region,
    bucket_name: 'placeholder-audience-data',
    buckets: [
      {
        name: 'audienceData',
        bucket_name: 'placeholder-audience-data',
        aws_region: region,
        paths: {
          'uploads/*': {
            groupsAdmins: ['get', 'list', 'write', 'delete'],
            groupsUploaders: ['get', 'list', 'write', 'delete'],
          },
        },
      },
    ],
  },
  custom: {
    ...PLACEHOLDER_MARK,
    settings: { targetPlatform: 'tiktok', tiktokQps: 10, outputRetentionDays: 7, existingDataBucket: false },
  },
};
writeFileSync(out, `${JSON.stringify(outputs, null, 2)}\n`);
console.log(`Wrote placeholder ${out} (data API at ${values['data-url']}; no AWS resources behind it).`);
