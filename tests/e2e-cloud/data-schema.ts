// The Data API's schema as AppSync would serve it, from an offline synth of amplify/backend.ts (the
// same context as scripts/synth.ts, into a scratch folder, without bundling the functions: only the
// schema and the model introspection are needed), and a graphql-js schema to validate documents.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, GraphQLScalarType, type GraphQLSchema } from 'graphql';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const FIXTURE_DIR = join(repoRoot, 'tests', 'fixtures', 'amplify-data');

export interface SynthesizedData {
  /** The AppSync schema (the transformer's output: models, inputs, subscriptions, custom operations). */
  sdl: string;
  /** What amplify_outputs.json carries as data.model_introspection. */
  modelIntrospection: Record<string, unknown>;
}

const SYNTH = `
const { resolve } = await import('node:path');
const { pathToFileURL } = await import('node:url');
const { backend } = await import(pathToFileURL(resolve('amplify/backend.ts')).href);
const { App } = await import('aws-cdk-lib');
App.of(backend.stack).node.root.synth();
`;

/** Synthesizes the backend into `outDir` (~10 s of CPU) and reads the schema files from it. */
export function synthesizeData(outDir: string): SynthesizedData {
  const context = {
    'amplify-backend-namespace': 'local',
    'amplify-backend-name': 'dev',
    'amplify-backend-type': 'sandbox',
    '@aws-cdk/core:validateAgainstDefaultRules': true,
    // No stack's assets are bundled: the functions' code plays no part in the schema.
    'aws:cdk:bundling-stacks': [],
  };
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SYNTH], {
    cwd: repoRoot,
    env: { ...process.env, CDK_OUTDIR: outDir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`synth failed (${run.status}):\n${run.stderr.slice(-3000)}`);
  return readSynthesizedData(outDir);
}

/** Finds the schema asset (`asset.<hash>.graphql`) and the introspection asset in a cdk.out folder. */
export function readSynthesizedData(cdkOut: string): SynthesizedData {
  let sdl: string | undefined;
  let modelIntrospection: Record<string, unknown> | undefined;
  for (const name of readdirSync(cdkOut)) {
    const path = join(cdkOut, name);
    if (name.startsWith('asset.') && name.endsWith('.graphql')) {
      const text = readFileSync(path, 'utf8');
      if (/^type (Query|Mutation)\b/m.test(text)) sdl = text;
    } else if (name.startsWith('asset.') && statSync(path).isDirectory()) {
      const file = join(path, 'modelIntrospectionSchema.json');
      try {
        modelIntrospection = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      } catch {
        // not this asset
      }
    }
  }
  if (!sdl || !modelIntrospection) throw new Error(`no Data schema or model introspection in ${cdkOut}`);
  return { sdl, modelIntrospection };
}

/** The copies the unit tests use (a clean clone has no synth output); this suite checks they are current. */
export function readFixtureData(): SynthesizedData {
  return {
    sdl: readFileSync(join(FIXTURE_DIR, 'schema.graphql'), 'utf8'),
    modelIntrospection: JSON.parse(readFileSync(join(FIXTURE_DIR, 'model-introspection.json'), 'utf8')) as Record<
      string,
      unknown
    >,
  };
}

/** AppSync's own scalars and directives, which its schema uses without declaring them. */
const APPSYNC_PRELUDE = `
scalar AWSDate
scalar AWSTime
scalar AWSDateTime
scalar AWSTimestamp
scalar AWSEmail
scalar AWSJSON
scalar AWSURL
scalar AWSPhone
scalar AWSIPAddress
directive @aws_iam on OBJECT | FIELD_DEFINITION | INPUT_OBJECT | INTERFACE | UNION | ENUM
directive @aws_api_key on OBJECT | FIELD_DEFINITION | INPUT_OBJECT | INTERFACE | UNION | ENUM
directive @aws_oidc on OBJECT | FIELD_DEFINITION | INPUT_OBJECT | INTERFACE | UNION | ENUM
directive @aws_lambda on OBJECT | FIELD_DEFINITION | INPUT_OBJECT | INTERFACE | UNION | ENUM
directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION | INPUT_OBJECT | INTERFACE | UNION | ENUM
directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
`;

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}(:\d{2})?)$/;

/**
 * A graphql-js schema of the AppSync schema, with AppSync's rules for the scalars the app uses:
 * AWSJSON variables must be JSON text (AppSync parses them), AWSDateTime values ISO 8601.
 */
export function appSyncSchema(sdl: string): GraphQLSchema {
  const schema = buildSchema(`${APPSYNC_PRELUDE}\n${sdl}`);
  const strict = (name: string, check: (value: unknown) => boolean, what: string) => {
    const type = schema.getType(name);
    if (!(type instanceof GraphQLScalarType)) throw new Error(`no scalar ${name}`);
    const parse = (value: unknown) => {
      if (!check(value)) throw new TypeError(`${name} must be ${what}, got ${JSON.stringify(value)?.slice(0, 80)}`);
      return value;
    };
    Object.assign(type, { parseValue: parse, serialize: parse });
  };
  strict(
    'AWSJSON',
    (value) => {
      if (typeof value !== 'string') return false;
      try {
        JSON.parse(value);
        return true;
      } catch {
        return false;
      }
    },
    'JSON text',
  );
  strict('AWSDateTime', (value) => typeof value === 'string' && ISO_DATE_TIME.test(value), 'an ISO 8601 date-time');
  return schema;
}
