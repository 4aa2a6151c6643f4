// The test's Cognito speaks SRP as Cognito does: Amplify's own sign-in (its SRP client) against it
// succeeds with the right password and is refused with a wrong one — so the Chromium test's sign-in
// proves the password typed into the Authenticator went through the real protocol.
import { Amplify } from 'aws-amplify';
import { signIn, signOut } from 'aws-amplify/auth';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { claimsOf, FakeCognito } from '../../e2e-cloud/fake-cognito.ts';
import { POOL } from '../../e2e-cloud/fixtures.ts';

const user = { email: 'ada@example.org', password: 'Correct-Horse-42!', sub: 'sub-ada', groups: ['Uploaders'] };
const cognito = new FakeCognito(POOL, [user], () => Date.parse('2026-12-01T09:00:00Z'));
let issued: string | undefined;

beforeAll(() => {
  vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
    const action = (new Headers(init.headers).get('x-amz-target') ?? '').split('.').pop() ?? '';
    const answer = cognito.handle(action, JSON.parse(String(init.body)) as Record<string, unknown>);
    issued ??= (answer.body as { AuthenticationResult?: { AccessToken: string } }).AuthenticationResult?.AccessToken;
    return new Response(JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
    });
  });
  Amplify.configure({ Auth: { Cognito: { userPoolId: POOL.userPoolId, userPoolClientId: POOL.clientId } } });
});

afterAll(() => {
  vi.unstubAllGlobals();
});

describe('fake Cognito (SRP)', () => {
  it('a wrong password is refused, the right one signs in with Cognito-shaped tokens', async () => {
    await expect(signIn({ username: user.email, password: 'Correct-Horse-43!' })).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
    expect(cognito.signIns).toBe(0);
    const result = await signIn({ username: user.email, password: user.password });
    expect(result.isSignedIn).toBe(true);
    expect(cognito.signIns).toBe(1);
    expect(claimsOf(issued)).toMatchObject({ token_use: 'access', sub: 'sub-ada', 'cognito:groups': ['Uploaders'] });
    expect(cognito.calls.filter((call) => call === 'InitiateAuth')).toHaveLength(2);
    await signOut().catch(() => undefined);
  });
});
