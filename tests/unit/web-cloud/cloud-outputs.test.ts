// The rule that picks the local or the cloud service from the build's amplify_outputs.json.
import { describe, expect, it } from 'vitest';
import { serviceModeOf } from '../../../src/ui/services/cloud-outputs.ts';
import { readFixtureData } from '../../e2e-cloud/data-schema.ts';
import { outputsFor } from '../../e2e-cloud/fixtures.ts';

const deployed = outputsFor(
  'https://example.appsync-api.eu-west-1.amazonaws.com/graphql',
  readFixtureData().modelIntrospection,
);
const without = (section: string, key?: string) => {
  const copy = structuredClone(deployed) as Record<string, Record<string, unknown>>;
  if (key) delete copy[section]![key];
  else delete copy[section];
  return copy;
};

describe('service mode (cloud-outputs.ts)', () => {
  it('a deployment’s outputs (user pool, app client, Data API on Cognito user pools, introspection) → cloud', () => {
    const mode = serviceModeOf(deployed);
    expect(mode.mode).toBe('cloud');
    expect(mode.mode === 'cloud' && mode.outputs.data.url).toBe(
      'https://example.appsync-api.eu-west-1.amazonaws.com/graphql',
    );
  });

  it('no file, the placeholder, or a file without those sections → local', () => {
    expect(serviceModeOf(null)).toEqual({ mode: 'local', why: 'no amplify_outputs.json in this build' });
    expect(serviceModeOf({ ...deployed, custom: { placeholder: true } }).mode).toBe('local');
    expect(serviceModeOf({ ...deployed, custom: { audienceUploader: { placeholder: true } } }).mode).toBe('local');
    expect(serviceModeOf({ ...deployed, custom: { settings: { tiktokQps: 10 } } }).mode).toBe('cloud');
    expect(serviceModeOf(without('auth')).mode).toBe('local');
    expect(serviceModeOf(without('auth', 'user_pool_client_id')).mode).toBe('local');
    expect(serviceModeOf(without('data')).mode).toBe('local');
    expect(serviceModeOf(without('data', 'model_introspection')).mode).toBe('local');
    const apiKey = structuredClone(deployed) as { data: Record<string, unknown> };
    apiKey.data.default_authorization_type = 'API_KEY';
    expect(serviceModeOf(apiKey).mode).toBe('local');
  });
});
