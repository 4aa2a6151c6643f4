// Shared by the unit tests of the cloud service and the Chromium test: an amplify_outputs.json of a
// pretend deployment, job records as the Data API returns them, and resolvers over a tiny data bucket.
import { amplifyOutputs, type OutputsInputs } from '../../scripts/amplify-outputs.ts';
import type { Caller, Resolver } from './fake-appsync.ts';
import { AppSyncError } from './fake-appsync.ts';

export const POOL = { userPoolId: 'eu-west-1_TestPool1', clientId: 'testclient1234567890abcdef', region: 'eu-west-1' };

/** Amplify storage's bucket of the pretend deployment (the Chromium test plays S3 at its address). */
export const DATA_BUCKET = 'audience-data-test-bucket';

/** amplify_outputs.json of a deployment whose Data API is at `dataUrl` (the placeholder's builder, with this pool). */
export function outputsFor(dataUrl: string, modelIntrospection: Record<string, unknown>): Record<string, unknown> {
  return amplifyOutputs(deploymentOf(dataUrl, modelIntrospection));
}

/** The inputs of outputsFor, for tests that build the same outputs another way. */
export function deploymentOf(dataUrl: string, modelIntrospection: Record<string, unknown>): OutputsInputs {
  return {
    region: POOL.region,
    userPoolId: POOL.userPoolId,
    userPoolClientId: POOL.clientId,
    identityPoolId: `${POOL.region}:00000000-0000-4000-8000-000000000001`,
    dataUrl,
    modelIntrospection,
    bucketName: DATA_BUCKET,
  };
}

export const MEMBERS = ['Admins', 'Uploaders'];

/** The schema's `allow.groups([Admins, Uploaders])`, which AppSync enforces in its resolvers. */
export function requireMember(caller: Caller, field: string): void {
  if (!caller.groups.some((group) => MEMBERS.includes(group)))
    throw new AppSyncError('Unauthorized', `Not Authorized to access ${field} on type Query`);
}

export interface JobRow {
  id: string;
  origin: string;
  state: string;
  reason: string | null;
  resolution: string | null;
  plan: string;
  progress: string | null;
  result: string | null;
  destination: string;
  cancelRequested: boolean;
  runGeneration: number;
  transformRunId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  outputExpiresAt: string | null;
  outputDeletedAt: string | null;
}

export const DESTINATION = { kind: 'tiktok', label: 'TikTok · advertiser …6789' };

/** A Job record as the job-control function writes it (AWSJSON as JSON text). */
export function jobRow(id: string, plan: unknown, at: string, changes: Partial<JobRow> = {}): JobRow {
  return {
    id,
    origin: 'cloud',
    state: 'queued',
    reason: 'Waiting for the transform to start.',
    resolution: null,
    plan: JSON.stringify(plan),
    progress: JSON.stringify({}),
    result: null,
    destination: JSON.stringify(DESTINATION),
    cancelRequested: false,
    runGeneration: 0,
    transformRunId: null,
    createdBy: 'user-1',
    createdAt: at,
    updatedAt: at,
    finishedAt: null,
    outputExpiresAt: null,
    outputDeletedAt: null,
    ...changes,
  };
}

/** Resolvers that only check membership and hand back what a test put in `answers`. */
export function guarded(answers: Record<string, Resolver>): Record<string, Resolver> {
  return Object.fromEntries(
    Object.entries(answers).map(([field, resolver]) => [
      field,
      (args: Record<string, unknown>, caller: Caller) => {
        requireMember(caller, field);
        return resolver(args, caller);
      },
    ]),
  );
}
