// Issue 10 scope 6: the BUILT web app in cloud mode, in Debian's Chromium. The backend is synthesized
// once (its schema and model introspection), the app is built with vite against a generated
// amplify_outputs.json whose Data API is this test's server, and the test plays AWS: Cognito (the SRP
// sign-in the Authenticator sends, password checked), Cognito identity, and AppSync (GraphQL over
// HTTP on the test server, the realtime WebSocket through page.routeWebSocket). Every GraphQL
// document the app sends is validated against the synthesized schema. Nothing leaves 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { discoverSchema } from '../../src/core/schema/discover-schema.ts';
import { serviceModeOf } from '../../src/ui/services/cloud-outputs.ts';
import { previewMapping } from '../../src/core/schema/preview-mapping.ts';
import { jobPlanSchema } from '../../src/core/plan.ts';
import { memoryByteSource } from '../../src/core/readers/memory-byte-source.ts';
import { collectConsole, launchChromium } from '../e2e/app-under-test.ts';
import { appSyncSchema, readFixtureData, repoRoot, synthesizeData, type SynthesizedData } from './data-schema.ts';
import { AppSyncError, FakeAppSync, type Caller, type RealtimeSocket } from './fake-appsync.ts';
import { claimsOf, FakeCognito, type User } from './fake-cognito.ts';
import { DATA_BUCKET, DESTINATION, guarded, jobRow, outputsFor, POOL, type JobRow } from './fixtures.ts';

const SAMPLE = join(repoRoot, 'tests', 'fixtures', 'clean-rooms-sample.jsonl');
const SAMPLE_KEY = 'samples/clean-rooms-sample.jsonl';
const UPLOADED_KEY = 'samples/uploaded-audience.jsonl';
const SCREENSHOTS = join(repoRoot, 'test-results', 'e2e-cloud');
const USER: User = {
  email: 'ada@example.org',
  password: 'Correct-Horse-42!',
  sub: '5f0c7a1e-0000-4000-8000-00000000ada1',
  groups: ['Uploaders'],
};

let scratch = '';
let synthesized: SynthesizedData;
let server: Server;
let origin = '';
let browser: Browser;
let page: Page;
const consoleProblems: string[] = [];
const strayRequests: string[] = [];
const jobs = new Map<string, JobRow>();
/** The data bucket: keys under uploads/ (Amplify storage's prefix) → bytes. */
const bucket = new Map<string, Buffer>([[`uploads/${SAMPLE_KEY}`, readFileSync(SAMPLE)]]);
const s3Requests: Array<{ method: string; key: string; query: string; authorization: string }> = [];
let cognito: FakeCognito;
let appsync: FakeAppSync;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The test server: the built app (SPA fallback) and AppSync's GraphQL endpoint at /graphql. */
function startServer(distDir: () => string): Promise<string> {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/graphql' && request.method === 'POST') {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        void appsync.http(body, request.headers.authorization).then((answer) => {
          response.writeHead(answer.status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(answer.body));
        });
      });
      return;
    }
    const root = distDir();
    let file = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)),
  );
}

function build(outputsFile: string, outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--outDir',
        outDir,
        '--emptyOutDir',
        '--logLevel',
        'warn',
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, AMPLIFY_OUTPUTS: outputsFile },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build failed (${code}):\n${stderr.slice(-3000)}`)),
    );
  });
}

const issued = new Set<string>();
/** AppSync's user-pool check: an access token this Cognito issued, with its groups. */
function authorize(token: string | undefined): Caller | undefined {
  if (!token || !issued.has(token)) return undefined;
  const claims = claimsOf(token)!;
  if (claims.token_use !== 'access' || Number(claims.exp) * 1000 < Date.now()) return undefined;
  return { username: String(claims.username), groups: (claims['cognito:groups'] as string[]) ?? [] };
}

/** The data-source function's answers, computed by the same core over the test's copy of the file. */
const sources = (inputs: unknown) =>
  (inputs as string[]).map((input) => {
    const bytes = bucket.get(`uploads/${input}`);
    if (!bytes)
      throw new AppSyncError(
        'UserError',
        JSON.stringify({
          code: 'input_not_found',
          title: 'Input not found',
          detail: 'No such file.',
          resolution: 'Pick a file from the list.',
          field: 'inputs',
        }),
      );
    return memoryByteSource(input, bytes);
  });

function resolvers() {
  return guarded({
    credentialsStatus: () => ({
      configured: true,
      source: 'secret',
      tokenLast4: '9f3a',
      advertiserId: '7000000006789',
      destination: JSON.stringify(DESTINATION),
    }),
    listSourceFiles: (args) => {
      // One level under the prefix, as the data-source function lists it (folders end with "/").
      const prefix = String(args.prefix ?? '');
      const folders = new Set<string>();
      const files: Array<Record<string, unknown>> = [];
      for (const [key, bytes] of bucket) {
        const path = key.slice('uploads/'.length);
        if (!path.startsWith(prefix)) continue;
        const rest = path.slice(prefix.length);
        if (rest.includes('/')) folders.add(`${prefix}${rest.split('/')[0]}/`);
        else files.push({ path, kind: 'file', size: bytes.length, lastModified: '2026-11-30T12:00:00.000Z' });
      }
      return {
        prefix,
        entries: [...[...folders].map((path) => ({ path, kind: 'folder', size: null, lastModified: null })), ...files],
        nextToken: null,
      };
    },
    discoverSchema: async (args) =>
      JSON.stringify({ path: (args.inputs as string[])[0], ...(await discoverSchema(sources(args.inputs))) }),
    previewMapping: async (args) =>
      JSON.stringify(
        await previewMapping(sources(args.inputs), {
          mapping: JSON.parse(String(args.mapping)) as never,
          ...(args.options ? { options: JSON.parse(String(args.options)) as never } : {}),
        }),
      ),
    listAudiences: () => JSON.stringify({ advertiserId: '7000000006789', audiences: [] }),
    startUpload: (args, caller) => {
      // The job-control function's first check: the plan, with local mode's zod schema.
      const plan = jobPlanSchema.parse(JSON.parse(String(args.plan)));
      const id = `0c5e1f4a-0000-4000-8000-${String(jobs.size + 1).padStart(12, '0')}`;
      const now = new Date().toISOString();
      const row = jobRow(id, plan, now, { createdBy: caller.username });
      jobs.set(id, row);
      return row;
    },
    getJob: (args) => jobs.get(String(args.id)) ?? null,
    listJobs: () => ({ items: [...jobs.values()], nextToken: null }),
  });
}

/** AWS outside 127.0.0.1: Cognito and Cognito identity answered here, anything else refused and recorded. */
async function routeAws(target: Page): Promise<void> {
  await target.context().route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
    strayRequests.push(`${route.request().method()} ${url}`);
    return route.abort();
  });
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-headers': '*',
    'access-control-allow-methods': 'POST, OPTIONS',
  };
  const answer = async (
    route: Route,
    handle: (action: string, body: Record<string, unknown>) => { status: number; body: unknown },
  ) => {
    const request = route.request();
    if (request.method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
    const action = (request.headers()['x-amz-target'] ?? '').split('.').pop() ?? '';
    const result = handle(action, JSON.parse(request.postData() ?? '{}') as Record<string, unknown>);
    return route.fulfill({
      status: result.status,
      headers: { ...cors, 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify(result.body),
    });
  };
  await target.context().route(`https://cognito-idp.${POOL.region}.amazonaws.com/`, (route) =>
    answer(route, (action, body) => {
      const result = cognito.handle(action, body);
      const tokens = (result.body as { AuthenticationResult?: { AccessToken: string } }).AuthenticationResult;
      if (tokens) issued.add(tokens.AccessToken);
      return result;
    }),
  );
  await target.context().route(`https://cognito-identity.${POOL.region}.amazonaws.com/`, (route) =>
    answer(route, (action) => {
      const identityId = `${POOL.region}:0f8b0000-0000-4000-8000-0000000000a1`;
      if (action === 'GetId') return { status: 200, body: { IdentityId: identityId } };
      if (action === 'GetCredentialsForIdentity')
        return {
          status: 200,
          body: {
            IdentityId: identityId,
            Credentials: {
              AccessKeyId: 'ASIATESTTESTTEST',
              SecretKey: 'test-secret',
              SessionToken: 'test-session',
              Expiration: Math.floor(Date.now() / 1000) + 3600,
            },
          },
        };
      return { status: 400, body: { __type: 'InvalidParameterException', message: `fake identity: ${action}` } };
    }),
  );
  // S3 (Storage list and uploadData, signed with the identity pool's credentials), virtual-hosted style.
  await target.context().route(`https://${DATA_BUCKET}.s3.${POOL.region}.amazonaws.com/**`, async (route) => {
    const request = route.request();
    const headers = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': '*',
      'access-control-allow-methods': 'GET, PUT, POST, HEAD, OPTIONS',
      'access-control-expose-headers': 'ETag, x-amz-request-id',
    };
    if (request.method() === 'OPTIONS') return route.fulfill({ status: 204, headers });
    const url = new URL(request.url());
    const key = decodeURIComponent(url.pathname.slice(1));
    s3Requests.push({
      method: request.method(),
      key,
      query: url.search,
      authorization: request.headers()['authorization'] ?? '',
    });
    if (request.method() === 'GET' && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const max = Number(url.searchParams.get('max-keys') ?? 1000);
      const keys = [...bucket.keys()]
        .filter((k) => k.startsWith(prefix))
        .sort()
        .slice(0, max);
      const contents = keys
        .map(
          (k) =>
            `<Contents><Key>${k}</Key><LastModified>2026-11-30T12:00:00.000Z</LastModified><ETag>"e"</ETag><Size>${bucket.get(k)!.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
        )
        .join('');
      const body = `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${DATA_BUCKET}</Name><Prefix>${prefix}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`;
      return route.fulfill({ status: 200, headers: { ...headers, 'content-type': 'application/xml' }, body });
    }
    // PutObject (`?x-id=PutObject`): a small file is one request, not a multipart upload.
    if (request.method() === 'PUT' && !url.searchParams.has('uploadId')) {
      bucket.set(key, request.postDataBuffer() ?? Buffer.alloc(0));
      return route.fulfill({ status: 200, headers: { ...headers, etag: '"0123456789abcdef"' }, body: '' });
    }
    return route.fulfill({
      status: 501,
      headers,
      body: `fake S3: ${request.method()} ${url.search} is not part of this test`,
    });
  });
  // AppSync realtime: wss://<host>/graphql/realtime (Amplify's URL for a custom domain).
  await target.routeWebSocket(/\/graphql\/realtime/, (ws) => {
    const socket: RealtimeSocket = { send: (message) => ws.send(message) };
    const receive = appsync.connect(socket, 'unseen');
    ws.onMessage((message) => receive(String(message)));
    ws.onClose(() => appsync.disconnect(socket));
  });
}

const opsOf = (field: string) => appsync.operations.filter((op) => op.fields.includes(field));
const state = () => page.getByTestId('job-state').innerText();

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'au-web-cloud-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  synthesized = synthesizeData(join(scratch, 'cdk.out'));
  appsync = new FakeAppSync(appSyncSchema(synthesized.sdl), resolvers(), authorize);
  cognito = new FakeCognito(POOL, [USER], Date.now);
  const dist = join(scratch, 'dist');
  origin = await startServer(() => dist);
  const outputsFile = join(scratch, 'amplify_outputs.json');
  const outputs = outputsFor(`${origin}/graphql`, synthesized.modelIntrospection);
  writeFileSync(outputsFile, JSON.stringify(outputs, null, 2));
  await build(outputsFile, dist);
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  collectConsole(page, consoleProblems);
  await routeAws(page);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the web app in cloud mode (built, in Chromium) against Cognito and AppSync played by the test', () => {
  it('the unit tests’ copy of the schema and introspection equals this synth (else: npx tsx tests/e2e-cloud/refresh-fixtures.ts)', () => {
    const fixture = readFixtureData();
    expect(fixture.sdl).toBe(synthesized.sdl);
    expect(fixture.modelIntrospection).toEqual(synthesized.modelIntrospection);
  });

  it('the placeholder amplify_outputs.json the backend writes for offline builds means local mode', () => {
    const out = join(scratch, 'placeholder-outputs.json');
    const run = spawnSync(
      process.execPath,
      [
        ...['--import', 'tsx', 'scripts/synth-outputs.ts', '--cdk-out', join(scratch, 'cdk.out'), '--out', out],
        ...['--region', POOL.region, '--data-url', `${origin}/graphql`],
      ],
      {
        cwd: repoRoot,
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const placeholder = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    expect(serviceModeOf(placeholder)).toEqual({ mode: 'local', why: 'amplify_outputs.json is the placeholder' });
    // …while the same file without its mark would be taken for a deployment.
    expect(serviceModeOf({ ...placeholder, custom: {} }).mode).toBe('cloud');
    // Apart from its ids and its mark, it is the outputs this test builds the app with: one builder.
    const fixture = outputsFor(`${origin}/graphql`, synthesized.modelIntrospection);
    const idsOf = (o: Record<string, unknown>) => {
      const { auth, storage } = o as { auth: Record<string, string>; storage: { bucket_name: string } };
      return [auth.identity_pool_id, auth.user_pool_id, auth.user_pool_client_id, storage.bucket_name] as string[];
    };
    const anonymous = (o: Record<string, unknown>) =>
      JSON.parse(idsOf(o).reduce((text, id, i) => text.replaceAll(id, `<id ${i}>`), JSON.stringify(o))) as unknown;
    const { placeholder: mark, ...custom } = placeholder.custom as Record<string, unknown>;
    expect(mark).toBe(true);
    expect(anonymous({ ...placeholder, custom })).toEqual(anonymous(fixture));
  });

  it('signs in (invited users only: no sign-up), takes the sample through the five steps and follows the job live', async () => {
    onTestFailed(async () => {
      // What the page and the fakes saw, to tell a broken app from a broken fake.
      await page.screenshot({ path: join(SCREENSHOTS, 'failure.png'), fullPage: true }).catch(() => {});
      console.log(
        JSON.stringify(
          {
            console: consoleProblems,
            stray: strayRequests,
            cognito: cognito.calls,
            graphql: appsync.operations.map((op) => [op.transport, op.fields, op.invalid]),
          },
          null,
          1,
        ),
      );
    });
    await page.goto(`${origin}/upload`);
    // The Authenticator, without a "Create Account" tab.
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('tab', { name: /create account/i }).count()).toBe(0);
    await page.getByLabel('Email').fill(USER.email);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Incorrect username or password.').waitFor();
    expect(cognito.signIns).toBe(0);
    // That refusal is the one console error allowed (Chromium logs the 400 of the Cognito call).
    expect(consoleProblems).toEqual([expect.stringContaining('400 (Bad Request)')]);
    consoleProblems.length = 0;
    await page.getByLabel('Password', { exact: true }).fill(USER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('signed-in-as').innerText()).toBe(USER.email);
    expect(cognito.signIns).toBe(1);
    expect(cognito.calls).toEqual(expect.arrayContaining(['InitiateAuth', 'RespondToAuthChallenge']));
    await expect.poll(() => page.getByTestId('destination').innerText()).toContain('advertiser …6789');

    // 1 · Select data: the bucket's folders and files, through listSourceFiles.
    await page.waitForURL('**/upload/data');
    await page.getByTestId('open-samples').click();
    await page.getByLabel('Use clean-rooms-sample.jsonl').waitFor();
    // Upload a file from this computer into the folder (Storage: list, then uploadData): it is then the selection.
    const upload = readFileSync(SAMPLE);
    await page
      .getByTestId('upload-file')
      .setInputFiles({ name: 'uploaded-audience.jsonl', mimeType: 'application/jsonl', buffer: upload });
    await page.getByLabel('Use uploaded-audience.jsonl').waitFor();
    await expect.poll(() => page.getByLabel('Use uploaded-audience.jsonl').isChecked()).toBe(true);
    expect(bucket.get(`uploads/${UPLOADED_KEY}`)?.equals(upload)).toBe(true);
    const put = s3Requests.find((r) => r.method === 'PUT');
    expect(put?.key).toBe(`uploads/${UPLOADED_KEY}`);
    // Signed (SigV4) with the identity pool's credentials, as the bucket policy wants.
    expect(put?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIATESTTESTTEST\//);
    expect(s3Requests.filter((r) => r.method === 'GET').map((r) => new URLSearchParams(r.query).get('prefix'))).toEqual(
      [`uploads/${UPLOADED_KEY}`],
    );
    await page.getByTestId('schema-summary').waitFor();
    expect(await page.getByTestId('schema-summary').innerText()).toContain('JSON Lines');
    await page.screenshot({ path: join(SCREENSHOTS, '1-select-data.png'), fullPage: true });
    await page.getByTestId('next').click();

    // 2 · Audience.
    await page.waitForURL('**/upload/audience');
    await page.getByTestId('audience-name').fill('Cloud Sample');
    await page.getByTestId('next').click();

    // 3 · Columns: the live check on the sample, through previewMapping.
    await page.waitForURL('**/upload/columns');
    await expect.poll(() => page.getByTestId('check-e-mail').innerText()).toMatch(/\d+% valid email addresses/);
    await expect
      .poll(() => page.getByTestId('check-phone_number').innerText())
      .toMatch(/\d+% valid phone numbers \(region US\)/);
    await page.getByTestId('phone-region').fill('GB');
    await expect.poll(() => page.getByTestId('check-phone_number').innerText()).toContain('(region GB)');
    await page.getByTestId('phone-region').fill('US');
    await expect.poll(() => page.getByTestId('check-phone_number').innerText()).toContain('(region US)');
    await page.screenshot({ path: join(SCREENSHOTS, '3-columns.png'), fullPage: true });
    await page.getByTestId('next').click();

    // 4 · Confirm, then start: startUpload with the plan.
    await page.waitForURL('**/upload/confirm');
    expect(await page.getByTestId('summary').innerText()).toContain('Cloud Sample · EMAIL');
    await page.getByTestId('start').click();

    // 5 · Monitor: every change below reaches the page only through the subscription.
    await page.waitForURL('**/upload/monitor/**');
    const [jobId] = [...jobs.keys()];
    const planSent = JSON.parse(String(opsOf('startUpload')[0]?.variables.plan)) as {
      inputs: string[];
      audience: { name: string };
    };
    expect(planSent.inputs).toEqual([UPLOADED_KEY]);
    expect(planSent.audience.name).toBe('Cloud Sample');
    await expect.poll(() => appsync.subscribers('onUpdateJob')).toBe(1);
    await expect.poll(state).toBe('Queued');
    const reads = opsOf('getJob').length;
    const push = async (changes: Partial<JobRow>) => {
      const row = { ...jobs.get(jobId!)!, ...changes, updatedAt: new Date().toISOString() };
      jobs.set(jobId!, row);
      expect(await appsync.publish('onUpdateJob', row as never)).toBe(1);
    };
    await push({
      state: 'transforming',
      reason: 'Hashing the identifiers.',
      progress: JSON.stringify({
        stage: 'transform',
        recordsRead: 2000,
        bytesRead: 300_000,
        totalBytes: 600_000,
        percent: 25,
      }),
    });
    await expect.poll(state).toBe('Hashing');
    expect(await page.getByText('Hashing: 2,000 records read').count()).toBe(1);
    await expect.poll(() => page.getByTestId('job-progress').getAttribute('value')).toBe('25');
    await push({
      state: 'uploading',
      reason: 'Uploading the hashed files to TikTok.',
      progress: JSON.stringify({ stage: 'upload', filesUploaded: 1, filesTotal: 3, percent: 70 }),
    });
    await expect.poll(state).toBe('Uploading');
    await expect.poll(() => page.getByTestId('job-progress').getAttribute('value')).toBe('70');
    const counts = {
      valid: 3990,
      prehashed: 0,
      empty: 10,
      rejected: { invalid_email: 5 },
      duplicates: 1994,
      unique: 1996,
    };
    await push({
      state: 'completed',
      reason: 'All audiences were updated.',
      finishedAt: new Date().toISOString(),
      progress: JSON.stringify({ stage: 'processing', percent: 100 }),
      result: JSON.stringify({
        transform: { recordsRead: 4005, malformedRecords: 0, rejects: 5, types: { EMAIL: counts } },
        upload: {
          advertiserId: '7000000006789',
          action: 'create',
          idsSent: 1996,
          audiences: [
            { type: 'EMAIL', audienceId: '1800000000000042', audienceName: 'Cloud Sample · EMAIL', idsSent: 1996 },
          ],
        },
      }),
    });
    await expect.poll(state).toBe('Completed');
    await expect.poll(() => page.getByTestId('audience-id').allInnerTexts()).toEqual(['1800000000000042']);
    expect((await page.getByTestId('records-read').innerText()).replace(/,/g, '')).toContain('4005 records read');
    // The page learnt all of that from the pushes: it read the job no more over HTTP meanwhile.
    expect(opsOf('getJob').length).toBe(reads);
    // Finished: the app stops its subscriptions.
    await expect.poll(() => appsync.subscribers('onUpdateJob')).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, '5-monitor.png'), fullPage: true });
  });

  it('every GraphQL operation the app sent is valid against the synthesized schema, and nothing else left 127.0.0.1', () => {
    const sentFields = new Set(appsync.operations.flatMap((op) => op.fields));
    for (const field of [
      'credentialsStatus',
      'listSourceFiles',
      'discoverSchema',
      'previewMapping',
      'startUpload',
      'getJob',
      'onUpdateJob',
      'onDeleteJob',
      'onCreateJobEvent',
    ])
      expect(sentFields, field).toContain(field);
    expect(appsync.operations.filter((op) => op.transport === 'websocket').length).toBeGreaterThanOrEqual(3);
    expect(appsync.invalidOperations().map((op) => `${op.fields.join(',')}: ${op.invalid.join('; ')}`)).toEqual([]);
    expect(strayRequests).toEqual([]);
    expect(consoleProblems).toEqual([]);
  });
});
