import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cdkOut, templateJson } from './assembly.ts';

/** amplify.yml parsed by a real YAML parser (PyYAML, from the pinned Python tools). */
function loadYaml(file: string): Record<string, unknown> {
  const parsed = spawnSync(
    '.venv/bin/python',
    ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', file],
    {
      encoding: 'utf8',
    },
  );
  if (parsed.status !== 0) throw new Error(parsed.stderr);
  return JSON.parse(parsed.stdout) as Record<string, unknown>;
}

describe('amplify.yml (Amplify Hosting)', () => {
  const spec = loadYaml('amplify.yml') as {
    version: number;
    backend: { phases: { build: { commands: string[] } } };
    frontend: {
      phases: { build: { commands: string[] } };
      artifacts: { baseDirectory: string; files: string[] };
      cache: { paths: string[] };
    };
  };

  it('deploys the backend of this branch with ampx pipeline-deploy after a clean install', () => {
    const commands = spec.backend.phases.build.commands;
    const install = commands.findIndex((c) => /^npm ci\b/.test(c));
    const deploy = commands.indexOf('npx ampx pipeline-deploy --branch $AWS_BRANCH --app-id $AWS_APP_ID');
    expect(install).toBeGreaterThanOrEqual(0);
    expect(deploy).toBeGreaterThan(install);
  });

  it('builds the web app with vite into dist/ui and publishes that folder', () => {
    expect(spec.version).toBe(1);
    expect(spec.frontend.phases.build.commands).toContain('npm run build:ui');
    const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(packageJson.scripts['build:ui']).toMatch(/^vite build/);
    expect(readFileSync('vite.config.ts', 'utf8')).toMatch(/outDir: 'dist\/ui'/);
    expect(spec.frontend.artifacts).toEqual({ baseDirectory: 'dist/ui', files: ['**/*'] });
  });

  it('caches npm’s cache and node_modules between builds', () => {
    expect(spec.frontend.cache.paths).toEqual(expect.arrayContaining(['.npm/**/*', 'node_modules/**/*']));
    expect(spec.backend.phases.build.commands.find((c) => c.startsWith('npm ci'))).toContain('--cache .npm');
  });

  it('has npm scripts for the offline synth and a sandbox', () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.synth).toBe('tsx scripts/synth.ts');
    expect(scripts.sandbox).toBe('ampx sandbox');
  });
});

describe('placeholder amplify_outputs.json', () => {
  const run = (out: string) =>
    spawnSync('npx', ['tsx', 'scripts/synth-outputs.ts', '--cdk-out', cdkOut(), '--out', out], { encoding: 'utf8' });

  it('is written from the synthesized model introspection when no real one exists', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'au-outputs-')), 'amplify_outputs.json');
    expect(run(out).status).toBe(0);
    const outputs = JSON.parse(readFileSync(out, 'utf8')) as {
      version: string;
      data: {
        url: string;
        model_introspection: {
          models: Record<string, unknown>;
          queries?: Record<string, unknown>;
          mutations?: Record<string, unknown>;
        };
      };
      auth: { groups: unknown[] };
      custom: { placeholder: boolean; settings: { tiktokQps: number; outputRetentionDays: number } };
    };
    expect(outputs.version).toBe('1.4');
    expect(Object.keys(outputs.data.model_introspection.models).sort()).toEqual(['Job', 'JobEvent']);
    expect(Object.keys(outputs.data.model_introspection.mutations ?? {})).toEqual(
      expect.arrayContaining(['startUpload', 'cancelJob', 'retryJob', 'removeJob', 'setCredentials']),
    );
    expect(Object.keys(outputs.data.model_introspection.queries ?? {})).toEqual(
      expect.arrayContaining([
        'listSourceFiles',
        'discoverSchema',
        'previewMapping',
        'listAudiences',
        'credentialsStatus',
      ]),
    );
    expect(outputs.custom.placeholder).toBe(true);
    expect(outputs.custom.settings).toMatchObject({ tiktokQps: 10, outputRetentionDays: 7 });
    // Run again: a placeholder may be refreshed.
    const again = run(out);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('Wrote placeholder');
  });

  it('says what the synthesized backend publishes for a deployment’s amplify_outputs.json (auth, Data API, storage, settings)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'au-outputs-')), 'amplify_outputs.json');
    expect(run(out).status).toBe(0);
    const placeholder = JSON.parse(readFileSync(out, 'utf8')) as {
      auth: Record<string, unknown>;
      data: Record<string, unknown>;
      storage: { buckets: Array<{ name: string; paths: unknown }> };
      custom: { settings: unknown };
    };
    // The stack outputs Amplify's client-config turns into amplify_outputs.json (version 1.4).
    const root = templateJson(/amplify-local-dev-sandbox-[0-9a-f]+\.template\.json$/) as unknown as {
      Outputs: Record<string, { Value: unknown }>;
    };
    const output = (name: string) => root.Outputs[name]?.Value as string;
    const list = (name: string) => JSON.parse(output(name)) as string[];
    const requirements = list('passwordPolicyRequirements');
    expect(placeholder.auth).toMatchObject({
      password_policy: {
        min_length: Number(output('passwordPolicyMinLength')),
        require_lowercase: requirements.includes('REQUIRES_LOWERCASE'),
        require_numbers: requirements.includes('REQUIRES_NUMBERS'),
        require_symbols: requirements.includes('REQUIRES_SYMBOLS'),
        require_uppercase: requirements.includes('REQUIRES_UPPERCASE'),
      },
      mfa_configuration: output('mfaConfiguration'),
      mfa_methods: list('mfaTypes'),
      standard_required_attributes: list('signupAttributes'),
      username_attributes: list('usernameAttributes'),
      user_verification_types: list('verificationMechanisms'),
      groups: JSON.parse(output('groups')),
      unauthenticated_identities_enabled: output('allowUnauthenticatedIdentities') === 'true',
    });
    expect(placeholder.data).toMatchObject({
      default_authorization_type: output('awsAppsyncAuthenticationType'),
      authorization_types: output('awsAppsyncAdditionalAuthenticationTypes').split(','),
    });
    // `buckets` is a JSON list of JSON objects joined around the bucket's name and region (tokens).
    const joined = root.Outputs.buckets?.Value as { 'Fn::Join': [string, unknown[]] };
    const buckets = (
      JSON.parse(joined['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'token')).join('')) as string[]
    ).map((bucket) => JSON.parse(bucket) as { name: string; paths: unknown });
    expect(placeholder.storage.buckets.map(({ name, paths }) => ({ name, paths }))).toEqual(
      buckets.map(({ name, paths }) => ({ name, paths })),
    );
    const custom = JSON.parse(output('customOutputs')) as { custom: { settings: unknown } };
    expect(placeholder.custom.settings).toEqual(custom.custom.settings);
  });

  it('never overwrites a real deployment’s outputs', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'au-outputs-')), 'amplify_outputs.json');
    const real = JSON.stringify({
      version: '1.4',
      data: { url: 'https://example.appsync-api.eu-west-1.amazonaws.com/graphql' },
    });
    writeFileSync(out, real);
    const result = run(out);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('left as it is');
    expect(readFileSync(out, 'utf8')).toBe(real);
  });

  it('is git-ignored', () => {
    const ignored = spawnSync('git', ['check-ignore', 'amplify_outputs.json'], { encoding: 'utf8' });
    expect(ignored.status).toBe(0);
  });
});
