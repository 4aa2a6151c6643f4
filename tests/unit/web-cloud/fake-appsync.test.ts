// The test's AppSync refuses what AppSync would: documents the synthesized schema does not allow, and
// AWSJSON variables that are not JSON text — so "every operation valid" in the other tests means something.
import { describe, expect, it } from 'vitest';
import { appSyncSchema, readFixtureData } from '../../e2e-cloud/data-schema.ts';
import { FakeAppSync } from '../../e2e-cloud/fake-appsync.ts';

const appsync = new FakeAppSync(
  appSyncSchema(readFixtureData().sdl),
  { startUpload: () => null, getJob: () => null },
  (token) => (token === 'ok' ? { username: 'u', groups: ['Uploaders'] } : undefined),
);
const post = (query: string, variables: Record<string, unknown> = {}, token = 'ok') =>
  appsync.http(JSON.stringify({ query, variables }), token);

describe('fake AppSync', () => {
  it('flags a field, an argument or an operation the schema does not have', async () => {
    expect((await post('query { getJob(id: "j") { id nope } }')).status).toBe(400);
    expect((await post('query { getJob(jobId: "j") { id } }')).status).toBe(400);
    expect((await post('mutation { startUploads(plan: "{}") { id } }')).status).toBe(400);
    expect(appsync.invalidOperations().map((op) => op.invalid[0])).toEqual([
      expect.stringContaining('Cannot query field "nope" on type "Job"'),
      expect.stringContaining('Unknown argument "jobId"'),
      expect.stringContaining('Cannot query field "startUploads"'),
    ]);
  });

  it('AWSJSON must be JSON text; a valid document runs; a bad token is refused', async () => {
    const mutation = 'mutation Start($plan: AWSJSON!) { startUpload(plan: $plan) { id } }';
    const asObject = await post(mutation, { plan: { inputs: [] } });
    expect(JSON.stringify(asObject.body)).toContain('AWSJSON must be JSON text');
    expect(await post(mutation, { plan: '{"inputs":[]}' })).toEqual({
      status: 200,
      body: { data: { startUpload: null } },
    });
    expect((await post('query { getJob(id: "j") { id } }', {}, 'forged')).status).toBe(401);
  });
});
