// The cloud service over the real Amplify Data client (generateClient with the synthesized model
// introspection), with the network as the boundary: `fetch` and `WebSocket` go to a fake AppSync that
// validates every document against the synthesized schema (tests/fixtures/amplify-data, checked
// against a fresh synth by the cloud web-app suite). Storage is passed in as fakes.
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/data';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Schema } from '../../../amplify/data/resource.ts';
import { createCloudService, type CloudStorage } from '../../../src/ui/services/cloud-service.ts';
import { ServiceError, type AudienceUploaderService, type Problem } from '../../../src/ui/services/service.ts';
import type { Job, JobPlan } from '../../../src/ui/services/types.ts';
import { appSyncSchema, readFixtureData } from '../../e2e-cloud/data-schema.ts';
import { AppSyncError, FakeAppSync, type Caller, type Resolver } from '../../e2e-cloud/fake-appsync.ts';
import { jwt } from '../../e2e-cloud/fake-cognito.ts';
import { DESTINATION, guarded, jobRow, outputsFor } from '../../e2e-cloud/fixtures.ts';

const DATA_URL = 'https://abcdefghijklmnopqrstuvwxyz.appsync-api.eu-west-1.amazonaws.com/graphql';
const { sdl, modelIntrospection } = readFixtureData();
const schema = appSyncSchema(sdl);
const NOW = Date.parse('2026-12-01T09:00:00Z');

const uploader = { username: 'user-1', groups: ['Uploaders'] };
const outsider = { username: 'user-2', groups: [] as string[] };
const tokens = new Map<string, Caller>();
function tokenFor(caller: Caller): string {
  const token = jwt({
    sub: caller.username,
    'cognito:groups': caller.groups,
    token_use: 'access',
    exp: NOW / 1000 + 3600,
  });
  tokens.set(token, caller);
  return token;
}
let currentToken = tokenFor(uploader);

let resolvers: Record<string, Resolver> = {};
const appsync = new FakeAppSync(
  schema,
  new Proxy({} as Record<string, Resolver>, { get: (_, field: string) => resolvers[field] }),
  (token) => (token ? tokens.get(token) : undefined),
);
let fetchFails = false;

/** A browser WebSocket on the fake AppSync's realtime protocol. */
class FakeWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly url: string;
  readonly protocol: string;
  readyState = FakeWebSocket.CONNECTING;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  private readonly receive: (message: string) => void;
  constructor(url: string, protocols: string[]) {
    this.url = url;
    this.protocol = protocols[0] ?? '';
    const header = protocols.find((p) => p.startsWith('header-'))?.slice('header-'.length);
    const connectHeader = header
      ? (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>)
      : {};
    this.receive = appsync.connect(
      { send: (message) => queueMicrotask(() => this.onmessage?.({ data: message })) },
      connectHeader,
    );
    setTimeout(() => {
      this.readyState = FakeWebSocket.OPEN;
      this.onopen?.({});
    }, 0);
  }
  send(message: string): void {
    this.receive(message);
  }
  close(code = 1000): void {
    this.readyState = FakeWebSocket.CLOSED;
    appsync.disconnect(this as never);
    this.onclose?.({ code });
  }
}

const storage = {
  list: vi.fn(),
  uploadData: vi.fn(),
  isCancelError: (error: unknown) => (error as Error)?.name === 'CanceledError',
};
let service: AudienceUploaderService;

beforeAll(() => {
  vi.stubGlobal('WebSocket', FakeWebSocket);
  vi.stubGlobal('fetch', async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url !== DATA_URL) throw new Error(`unexpected request to ${url}`);
    if (fetchFails) throw new TypeError('Failed to fetch');
    const headers = new Headers(init?.headers);
    const answer = await appsync.http(String(init?.body), headers.get('authorization') ?? undefined);
    return new Response(JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  });
  Amplify.configure(outputsFor(DATA_URL, modelIntrospection) as never, {
    Auth: {
      tokenProvider: {
        getTokens: async () => ({
          accessToken: { payload: { sub: 'user-1' }, toString: () => currentToken },
          idToken: { payload: { sub: 'user-1' }, toString: () => currentToken },
        }),
      },
    },
  });
});

beforeEach(() => {
  currentToken = tokenFor(uploader);
  fetchFails = false;
  resolvers = {};
  appsync.operations.length = 0;
  storage.list.mockReset();
  storage.uploadData.mockReset();
  service = createCloudService({
    client: generateClient<Schema>(),
    storage: storage as unknown as CloudStorage,
    now: () => NOW,
  });
});

afterEach(() => {
  // Whatever a test did, the app sent nothing AppSync would refuse.
  expect(appsync.invalidOperations().map((op) => `${op.fields.join(',')}: ${op.invalid.join('; ')}`)).toEqual([]);
});

afterAll(() => {
  vi.unstubAllGlobals();
});

const sent = (field: string) => appsync.operations.filter((op) => op.fields.includes(field));
async function problemOf(promise: Promise<unknown>): Promise<Problem> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceError);
  return (error as ServiceError).problem;
}

const PLAN: JobPlan = {
  inputs: ['samples/clean-rooms-sample.jsonl'],
  mapping: [{ column: 'email', type: 'EMAIL' }],
  options: { phoneRegion: 'US' },
  audience: { name: 'Winter', action: 'create' },
};
const CREATED = '2026-12-01T08:59:00.000Z';

describe('cloud service: data bucket and sample', () => {
  it('lists a folder through listSourceFiles (prefix with a slash, every page) as the wizard’s entries', async () => {
    resolvers = guarded({
      listSourceFiles: (args) =>
        args.nextToken === 'page-2'
          ? {
              prefix: 'samples/',
              entries: [{ path: 'samples/b.csv', kind: 'file', size: 12, lastModified: CREATED }],
              nextToken: null,
            }
          : {
              prefix: 'samples/',
              entries: [
                { path: 'samples/parts/', kind: 'folder', size: null, lastModified: null },
                { path: 'samples/a.jsonl', kind: 'file', size: 2048, lastModified: CREATED },
              ],
              nextToken: 'page-2',
            },
    });
    const listing = await service.listFiles('samples');
    expect(sent('listSourceFiles').map((op) => op.variables)).toEqual([
      { prefix: 'samples/' },
      { prefix: 'samples/', nextToken: 'page-2' },
    ]);
    expect(listing).toEqual({
      path: 'samples',
      entries: [
        { name: 'parts', path: 'samples/parts', kind: 'folder', size: 0, modifiedAt: '' },
        { name: 'a.jsonl', path: 'samples/a.jsonl', kind: 'file', size: 2048, modifiedAt: CREATED },
        { name: 'b.csv', path: 'samples/b.csv', kind: 'file', size: 12, modifiedAt: CREATED },
      ],
    });
  });

  it('discovers the schema of the inputs (AWSJSON answer parsed)', async () => {
    const discovered = {
      path: 'samples/a.jsonl',
      format: { format: 'jsonl', compression: 'none' },
      sampledRows: 3,
      columns: [{ name: 'email', fillRate: 1, examples: ['j***@e***.com'], suggestedType: 'EMAIL', confidence: 1 }],
      suggestedMapping: [{ column: 'email', type: 'EMAIL' }],
    };
    resolvers = guarded({ discoverSchema: () => JSON.stringify(discovered) });
    expect(await service.discoverSchema(['samples/a.jsonl'])).toEqual(discovered);
    expect(sent('discoverSchema').map((op) => op.variables)).toEqual([{ inputs: ['samples/a.jsonl'] }]);
  });

  it('previews a mapping: mapping and options sent as JSON text; counts read as the wizard shows them', async () => {
    resolvers = guarded({
      previewMapping: () =>
        JSON.stringify({
          sampledRows: 200,
          columns: [
            { column: 'email', type: 'EMAIL', ok: 180, prehashed: 5, empty: 10, rejected: { invalid_email: 5 } },
            { column: 'email2', type: 'EMAIL', ok: 20, prehashed: 0, empty: 180, rejected: {} },
          ],
          rows: [],
        }),
      credentialsStatus: () => ({
        configured: true,
        source: 'secret',
        tokenLast4: '9f3a',
        advertiserId: '123456789',
        destination: JSON.stringify(DESTINATION),
      }),
    });
    const options = { phoneRegion: 'GB', phoneFormat: 'e164', emailDots: 'keep', prehashed: 'accept' } as const;
    const preview = await service.preview({
      inputs: ['samples/a.jsonl'],
      mapping: [
        { column: 'email', type: 'EMAIL' },
        { column: 'email2', type: 'EMAIL' },
      ],
      options,
    });
    const [variables] = sent('previewMapping').map((op) => op.variables);
    expect(JSON.parse(String(variables?.mapping))).toEqual([
      { column: 'email', type: 'EMAIL' },
      { column: 'email2', type: 'EMAIL' },
    ]);
    expect(JSON.parse(String(variables?.options))).toEqual(options);
    expect(preview.sampleRows).toBe(200);
    expect(preview.columns[0]).toEqual({
      column: 'email',
      type: 'EMAIL',
      valid: 180,
      prehashed: 5,
      empty: 10,
      rejected: { invalid_email: 5 },
    });
    expect(preview.types.EMAIL).toEqual({
      valid: 200,
      prehashed: 5,
      empty: 190,
      rejected: { invalid_email: 5 },
      unique: 200,
    });
    expect(preview.destination).toEqual(DESTINATION);
  });
});

describe('cloud service: jobs', () => {
  it('starts an upload with the plan as JSON text and maps the Job record', async () => {
    let received: unknown;
    resolvers = guarded({
      startUpload: (args) => {
        received = JSON.parse(String(args.plan));
        return jobRow('job-1', received, CREATED, {
          state: 'transforming',
          transformRunId: 'jr_1',
          progress: JSON.stringify({ stage: 'transform', percent: 5 }),
        });
      },
    });
    const job = await service.createJob(PLAN);
    expect(received).toEqual(PLAN);
    expect(job).toEqual<Job>({
      id: 'job-1',
      state: 'transforming',
      reason: 'Waiting for the transform to start.',
      resolution: null,
      destination: DESTINATION as Job['destination'],
      plan: PLAN,
      progress: { stage: 'transform', percent: 5 },
      result: null,
      cancelRequested: false,
      createdAt: CREATED,
      updatedAt: CREATED,
      finishedAt: null,
      output: { expiresAt: null, deleted: false },
    });
  });

  it('reads one job by id, and says so when there is none', async () => {
    resolvers = guarded({
      getJob: (args) => (args.id === 'job-1' ? jobRow('job-1', PLAN, CREATED, { outputDeletedAt: CREATED }) : null),
    });
    expect((await service.getJob('job-1')).output).toEqual({ expiresAt: null, deleted: true });
    const problem = await problemOf(service.getJob('job-9'));
    expect(problem).toMatchObject({ title: 'Job not found', status: 404 });
    expect(sent('getJob').map((op) => op.variables)).toEqual([{ id: 'job-1' }, { id: 'job-9' }]);
  });

  it('lists jobs filtered by state, newest first, following the scan’s pages', async () => {
    resolvers = guarded({
      listJobs: (args) =>
        args.nextToken
          ? { items: [jobRow('old', PLAN, '2026-11-30T10:00:00.000Z', { state: 'failed' })], nextToken: null }
          : { items: [jobRow('new', PLAN, '2026-12-01T08:00:00.000Z', { state: 'failed' })], nextToken: 'more' },
      credentialsStatus: () => ({
        configured: false,
        source: 'none',
        tokenLast4: null,
        advertiserId: null,
        destination: JSON.stringify(DESTINATION),
      }),
    });
    const list = await service.listJobs({ state: 'failed', limit: 5 });
    expect(list.jobs.map((job) => job.id)).toEqual(['new', 'old']);
    expect(list.total).toBe(2);
    const calls = sent('listJobs').map((op) => op.variables);
    expect(calls[0]).toMatchObject({ filter: { state: { eq: 'failed' } } });
    expect(calls[1]).toMatchObject({ filter: { state: { eq: 'failed' } }, nextToken: 'more' });
  });

  it('cancel, retry and delete call cancelJob, retryJob and removeJob with the id', async () => {
    resolvers = guarded({
      cancelJob: (args) =>
        jobRow(String(args.id), PLAN, CREATED, { state: 'cancelled', cancelRequested: true, finishedAt: CREATED }),
      retryJob: (args) => jobRow(String(args.id), PLAN, CREATED, { state: 'queued' }),
      removeJob: (args) => ({ id: args.id, deleted: true }),
    });
    expect((await service.cancelJob('job-1')).state).toBe('cancelled');
    expect((await service.retryJob('job-1')).state).toBe('queued');
    await service.deleteJob('job-1');
    expect(appsync.operations.map((op) => [op.fields[0], op.variables])).toEqual([
      ['cancelJob', { id: 'job-1' }],
      ['retryJob', { id: 'job-1' }],
      ['removeJob', { id: 'job-1' }],
    ]);
    expect(await service.rejectsDownload('job-1')).toBeNull();
  });

  it('follows a job live: onUpdateJob/onDeleteJob/onCreateJobEvent filtered on the id, updates in order, stops when it ends', async () => {
    let row = jobRow('job-1', PLAN, CREATED, { state: 'transforming' });
    resolvers = guarded({ getJob: () => row });
    const seen: Job[] = [];
    const errors: Problem[] = [];
    const stop = service.watchJob('job-1', { next: (job) => seen.push(job), error: (p) => errors.push(p) });
    await vi.waitFor(() =>
      expect(appsync.subscribers('onUpdateJob') + appsync.subscribers('onCreateJobEvent')).toBe(2),
    );
    const subscriptions = appsync.operations.filter((op) => op.transport === 'websocket');
    expect(subscriptions.map((op) => [op.fields[0], op.variables.filter])).toEqual(
      expect.arrayContaining([
        ['onUpdateJob', { id: { eq: 'job-1' } }],
        ['onDeleteJob', { id: { eq: 'job-1' } }],
        ['onCreateJobEvent', { jobId: { eq: 'job-1' } }],
      ]),
    );
    // Another job's update reaches nobody; this job's does.
    await appsync.publish('onUpdateJob', jobRow('job-2', PLAN, CREATED, { state: 'uploading' }) as never);
    row = {
      ...row,
      state: 'uploading',
      updatedAt: '2026-12-01T09:00:01.000Z',
      progress: JSON.stringify({ stage: 'upload', filesUploaded: 1, filesTotal: 4 }),
    };
    await appsync.publish('onUpdateJob', row as never);
    await vi.waitFor(() => expect(seen.at(-1)?.progress).toEqual({ stage: 'upload', filesUploaded: 1, filesTotal: 4 }));
    expect(seen.every((job) => job.id === 'job-1')).toBe(true);
    // An event (written with a change of the job) makes the service read the job.
    row = { ...row, state: 'completed', updatedAt: '2026-12-01T09:00:05.000Z', finishedAt: '2026-12-01T09:00:05.000Z' };
    const reads = sent('getJob').length;
    await appsync.publish('onCreateJobEvent', {
      id: 'e1',
      jobId: 'job-1',
      seq: 1,
      type: 'state',
      data: '{}',
      createdAt: CREATED,
      updatedAt: CREATED,
    } as never);
    await vi.waitFor(() => expect(seen.at(-1)?.state).toBe('completed'));
    expect(sent('getJob').length).toBe(reads + 1);
    // Finished: the subscriptions are stopped, later pushes change nothing.
    await vi.waitFor(() => expect(appsync.subscribers('onUpdateJob')).toBe(0));
    const count = seen.length;
    await appsync.publish('onUpdateJob', { ...row, state: 'failed', updatedAt: '2026-12-01T09:01:00.000Z' } as never);
    expect(seen.length).toBe(count);
    expect(errors).toEqual([]);
    stop();
  });

  it('a deleted job ends the subscription with a problem', async () => {
    const row = jobRow('job-1', PLAN, CREATED, { state: 'uploading' });
    resolvers = guarded({ getJob: () => row });
    const errors: Problem[] = [];
    service.watchJob('job-1', { next: () => {}, error: (p) => errors.push(p) });
    await vi.waitFor(() => expect(appsync.subscribers('onDeleteJob')).toBe(1));
    await appsync.publish('onDeleteJob', row as never);
    await vi.waitFor(() => expect(errors.map((p) => p.title)).toEqual(['Job deleted']));
  });
});

describe('cloud service: problems', () => {
  it('a function’s UserError arrives as its title, detail, resolution and field', async () => {
    resolvers = guarded({
      startUpload: () => {
        throw new AppSyncError(
          'UserError',
          JSON.stringify({
            code: 'invalid_request',
            title: 'Invalid request',
            detail: 'audience.name: Name the audience',
            resolution: 'Correct the highlighted field and try again.',
            field: 'audience.name',
          }),
        );
      },
    });
    expect(await problemOf(service.createJob(PLAN))).toEqual({
      title: 'Invalid request',
      detail: 'audience.name: Name the audience',
      resolution: 'Correct the highlighted field and try again.',
      field: 'audience.name',
      code: 'invalid_request',
    });
  });

  it('someone outside the groups is told to ask an Admin; an unknown failure never shows its raw text', async () => {
    currentToken = tokenFor(outsider);
    resolvers = guarded({ discoverSchema: () => '{}' });
    expect(await problemOf(service.discoverSchema(['a.csv']))).toMatchObject({ title: 'Not allowed', status: 403 });
    currentToken = tokenFor(uploader);
    resolvers = guarded({
      discoverSchema: () => {
        throw new Error('row 7: jane@example.com is not valid');
      },
    });
    const problem = await problemOf(service.discoverSchema(['a.csv']));
    expect(problem.title).toBe('Something went wrong');
    expect(JSON.stringify(problem)).not.toContain('jane@example.com');
  });

  it('no network: a problem about the connection', async () => {
    fetchFails = true;
    expect(await problemOf(service.getJob('job-1'))).toMatchObject({ title: 'The cloud back end is not reachable' });
  });
});

describe('cloud service: TikTok and settings', () => {
  it('lists audiences: searched by name, expiring a week ahead, with the jobs that touched them', async () => {
    resolvers = guarded({
      listAudiences: (args) =>
        JSON.stringify({
          advertiserId: args.advertiserId ?? '123456789',
          audiences: [
            {
              audienceId: 'a1',
              name: 'Winter · EMAIL',
              calculateType: 'EMAIL',
              coverNum: 5000,
              isValid: true,
              expiredTime: '2026-12-05 00:00:00',
            },
            {
              audienceId: 'a2',
              name: 'Summer · PHONE',
              calculateType: 'PHONE',
              coverNum: null,
              isValid: false,
              expiredTime: '2027-06-01 00:00:00',
            },
          ],
        }),
      listJobs: () => ({
        items: [
          jobRow('job-1', PLAN, CREATED, {
            result: JSON.stringify({
              upload: {
                audiences: [{ type: 'EMAIL', audienceId: 'a1', audienceName: 'Winter · EMAIL', idsSent: 10 }],
              },
            }),
          }),
        ],
        nextToken: null,
      }),
      credentialsStatus: () => ({
        configured: true,
        source: 'secret',
        tokenLast4: '9f3a',
        advertiserId: '123456789',
        destination: JSON.stringify(DESTINATION),
      }),
    });
    const list = await service.listAudiences({ q: 'winter', advertiserId: '555' });
    expect(sent('listAudiences').map((op) => op.variables)).toEqual([{ advertiserId: '555' }]);
    expect(list.advertiserId).toBe('555');
    expect(list.audiences).toEqual([
      {
        id: 'a1',
        name: 'Winter · EMAIL',
        size: 5000,
        type: 'EMAIL',
        status: 'valid',
        expiry: '2026-12-05 00:00:00',
        expiringSoon: true,
        jobs: ['job-1'],
      },
    ]);
    const all = await service.listAudiences({});
    expect(all.audiences.map((a) => [a.id, a.status, a.expiringSoon])).toEqual([
      ['a1', 'valid', true],
      ['a2', 'calculating', false],
    ]);
  });

  it('credentials: status from credentialsStatus; saving sends only the fields given', async () => {
    let saved: Record<string, unknown> = {};
    resolvers = guarded({
      credentialsStatus: () => ({
        configured: false,
        source: 'none',
        tokenLast4: null,
        advertiserId: null,
        destination: JSON.stringify({ kind: 'tiktok', label: 'TikTok' }),
      }),
      setCredentials: (args) => {
        saved = args;
        return {
          configured: true,
          source: 'secret',
          tokenLast4: 'wxyz',
          advertiserId: null,
          destination: JSON.stringify(DESTINATION),
        };
      },
    });
    expect(await service.credentials()).toMatchObject({ configured: false, tokenLast4: null });
    const status = await service.saveCredentials({ accessToken: 'abcdefghijklmnopqrstuvwxyz' });
    expect(saved).toEqual({ accessToken: 'abcdefghijklmnopqrstuvwxyz' });
    expect(status).toMatchObject({ configured: true, tokenLast4: 'wxyz' });
    expect((await service.health()).destination).toEqual(DESTINATION);
  });

  it('settings are deploy-time in the cloud: read from the outputs when published, never saved', async () => {
    expect(await problemOf(service.settings())).toMatchObject({ code: 'deploy_time_setting' });
    expect(await problemOf(service.saveSettings({ tiktokQps: 5 }))).toMatchObject({ title: 'Set at deploy time' });
    const published = createCloudService({
      client: generateClient<Schema>(),
      settings: { tiktokQps: 10, outputRetentionDays: 7 },
    });
    expect(await published.settings()).toEqual({ tiktokQps: 10, outputRetentionDays: 7 });
  });
});

describe('cloud service: uploads (Storage)', () => {
  const file = (name: string, text = 'email\njane@example.com\n') => new File([text], name, { type: 'text/csv' });

  it('uploads into uploads/<folder>/ with progress, after checking the name is free', async () => {
    storage.list.mockResolvedValue({ items: [{ path: 'uploads/samples/new.csv.bak' }] });
    storage.uploadData.mockImplementation(
      (input: { options: { onProgress: (e: { transferredBytes: number; totalBytes: number }) => void } }) => {
        input.options.onProgress({ transferredBytes: 10, totalBytes: 23 });
        input.options.onProgress({ transferredBytes: 23, totalBytes: 23 });
        return { result: Promise.resolve({ path: 'uploads/samples/new.csv' }), cancel: vi.fn() };
      },
    );
    const progress: number[][] = [];
    const uploaded = await service.uploadFile({
      folder: 'samples',
      file: file('new.csv'),
      onProgress: (sent, total) => progress.push([sent, total]),
    });
    expect(storage.list).toHaveBeenCalledWith({ path: 'uploads/samples/new.csv', options: { pageSize: 1 } });
    expect(storage.uploadData).toHaveBeenCalledWith(
      expect.objectContaining({
        path: 'uploads/samples/new.csv',
        options: expect.objectContaining({ contentType: 'text/csv' }),
      }),
    );
    expect(progress).toEqual([
      [10, 23],
      [23, 23],
    ]);
    expect(uploaded).toEqual({ path: 'samples/new.csv', size: 23 });
  });

  it('never overwrites silently: an existing name is a 409 on the name (the wizard offers to replace)', async () => {
    storage.list.mockResolvedValue({ items: [{ path: 'uploads/new.csv' }] });
    expect(await problemOf(service.uploadFile({ folder: '', file: file('new.csv') }))).toMatchObject({
      status: 409,
      field: 'name',
      code: 'file_exists',
    });
    expect(storage.uploadData).not.toHaveBeenCalled();
    storage.uploadData.mockReturnValue({ result: Promise.resolve({}), cancel: vi.fn() });
    await service.uploadFile({ folder: '', file: file('new.csv'), overwrite: true });
    expect(storage.uploadData).toHaveBeenCalledTimes(1);
  });

  it('refuses unsafe names; a cancelled upload says so; no storage means no uploads', async () => {
    expect(await problemOf(service.uploadFile({ folder: '', file: file('.hidden.csv') }))).toMatchObject({
      field: 'name',
      code: 'unsafe_file_name',
    });
    storage.list.mockResolvedValue({ items: [] });
    const cancelled = Object.assign(new Error('canceled'), { name: 'CanceledError' });
    const cancel = vi.fn();
    storage.uploadData.mockReturnValue({ result: Promise.reject(cancelled), cancel });
    const abort = new AbortController();
    const pending = service.uploadFile({ folder: '', file: file('a.csv'), signal: abort.signal });
    expect((await problemOf(pending)).title).toBe('Upload cancelled');
    const readOnly = createCloudService({ client: generateClient<Schema>() });
    expect(await problemOf(readOnly.uploadFile({ folder: '', file: file('a.csv') }))).toMatchObject({
      code: 'uploads_disabled',
    });
  });
});
