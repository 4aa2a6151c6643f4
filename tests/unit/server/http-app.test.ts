import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TikTokApiError } from '../../../src/destinations/tiktok/tiktok-errors.ts';
import { openLocalApp, type LocalApp, type LocalDestination } from '../../../src/local/local-app.ts';
import { createHttpApp } from '../../../src/server/http-app.ts';
import { localServerContext } from '../../../src/server/local-server-context.ts';
import type { CredentialsUpdate } from '../../../src/local/credentials.ts';
import { completed, fakeStages } from '../local/fake-stages.ts';
import { closeServer, listenOnLoopback } from '../../helpers/loopback-server.ts';

let tiktokDown = false;
const savedUpdates: CredentialsUpdate[] = [];
const destination: LocalDestination = {
  current: () => ({ kind: 'emulator', label: 'simulated TikTok' }),
  listAudiences: async () => {
    if (tiktokDown)
      throw new TikTokApiError({
        kind: 'retryable',
        code: 50000,
        requestId: 'r-9',
        tiktokMessage: 'Internal error',
        endpoint: '/dmp/custom_audience/list/',
      });
    return { advertiserId: '7000000000000000001', audiences: [{ audience_id: '1', name: 'A · EMAIL' }] };
  },
  credentialsStatus: async () => ({
    configured: false,
    source: 'none',
    tokenLast4: null,
    advertiserId: null,
    destination: { kind: 'emulator', label: 'simulated TikTok' },
  }),
  // Records what the server hands over; the masking itself is the real destination's (tiktok-destination.test.ts).
  saveCredentials: async (update) => {
    savedUpdates.push(update);
    return {
      configured: true,
      source: 'file',
      tokenLast4: 'wxyz',
      advertiserId: '42',
      destination: { kind: 'tiktok', label: 'TikTok' },
    };
  },
  close: async () => {},
};

let base: string;
let app: LocalApp;
let server: Server;
let url: string;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'au-http-'));
  const dataDir = join(base, 'data');
  mkdirSync(join(dataDir, 'audiences'), { recursive: true });
  writeFileSync(
    join(dataDir, 'audiences', 'people.csv'),
    'email,phone\n a@example.com ,+1 613 555 0100\nb@example.com,\n',
  );
  writeFileSync(join(base, 'secret.csv'), 'email\nsecret@example.com\n');
  symlinkSync(join(base, 'secret.csv'), join(dataDir, 'link-out.csv'));
  writeFileSync(join(dataDir, 'audiences', 'junk.parquet'), Buffer.from([0, 1, 2, 3, 0x7b, 0x7b, 0xff]));
  writeFileSync(join(dataDir, 'audiences', 'broken.jsonl.gz'), 'not gzip at all');
  app = openLocalApp({ dataDir, destination, stages: () => fakeStages(async () => completed), worker: false });
  server = createHttpApp(localServerContext(app), { maxBodyBytes: 64 * 1024 });
  url = await listenOnLoopback(server);
});
afterAll(async () => {
  await closeServer(server);
  await app.close();
  rmSync(base, { recursive: true, force: true });
});

const plan = {
  inputs: ['audiences/people.csv'],
  mapping: [{ column: 'email', type: 'EMAIL' }],
  audience: { name: 'Test', action: 'create' },
};

async function call(method: string, path: string, body?: string | object, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    headers: response.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

function expectProblem(answer: Awaited<ReturnType<typeof call>>, status: number, field?: string): void {
  expect(answer.status).toBe(status);
  expect(answer.type).toMatch(/^application\/problem\+json/);
  expect(answer.json).toMatchObject({
    status,
    title: expect.any(String),
    detail: expect.any(String),
    resolution: expect.any(String),
  });
  if (field !== undefined) expect(answer.json.field).toBe(field);
}

describe('JSON API', () => {
  it('answers health with the destination, labelled simulated', async () => {
    const answer = await call('GET', '/api/health');
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ status: 'ok', destination: { kind: 'emulator', label: 'simulated TikTok' } });
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('lists the data folder without hidden entries or links leading outside', async () => {
    const answer = await call('GET', '/api/files?path=');
    expect((answer.json.entries as Array<{ path: string }>).map((e) => e.path)).toEqual(['audiences']);
  });

  it('discovers a schema with masked examples only', async () => {
    const answer = await call('GET', '/api/schema?path=audiences/people.csv');
    expect(answer.status).toBe(200);
    expect(answer.json.suggestedMapping).toEqual(expect.arrayContaining([{ column: 'email', type: 'EMAIL' }]));
    const text = JSON.stringify(answer.json);
    expect(text).not.toContain('a@example.com');
    expect(text).not.toContain('613 555 0100');
    expectProblem(await call('GET', '/api/schema'), 422, 'path');
    expectProblem(await call('GET', '/api/schema?path=link-out.csv'), 422, 'path');
  });

  it('creates, lists, gets, cancels, retries and deletes jobs', async () => {
    const created = await call('POST', '/api/jobs', plan);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      state: 'queued',
      destination: { label: 'simulated TikTok' },
      plan: { inputs: ['audiences/people.csv'], options: { phoneRegion: 'US' } },
    });
    const id = created.json.id as string;
    expect((await call('GET', `/api/jobs/${id}`)).json.id).toBe(id);
    const list = await call('GET', '/api/jobs?limit=5');
    expect((list.json.jobs as Array<{ id: string }>).map((j) => j.id)).toContain(id);
    expect((await call('POST', `/api/jobs/${id}/cancel`)).json.state).toBe('cancelled');
    expectProblem(await call('POST', `/api/jobs/${id}/cancel`), 409, 'id');
    expect((await call('POST', `/api/jobs/${id}/retry`)).json.state).toBe('queued');
    expectProblem(await call('POST', `/api/jobs/${id}/retry`), 409, 'id');
    expect((await call('DELETE', `/api/jobs/${id}`)).json).toMatchObject({ deleted: true });
    expectProblem(await call('GET', `/api/jobs/${id}`), 404, 'id');
  });

  it('validates plans with the shared schema and names the offending field', async () => {
    expectProblem(
      await call('POST', '/api/jobs', { ...plan, mapping: [{ column: 'email', type: 'EMAILS' }] }),
      422,
      'mapping[0].type',
    );
    expectProblem(await call('POST', '/api/jobs', { ...plan, audience: { action: 'create' } }), 422, 'audience.name');
    expectProblem(await call('POST', '/api/jobs', { ...plan, inputs: [] }), 422, 'inputs');
    expectProblem(await call('POST', '/api/jobs', { ...plan, inputs: ['../secret.csv'] }), 422, 'inputs[0]');
    expectProblem(await call('POST', '/api/jobs', { ...plan, inputs: ['/etc/passwd'] }), 422, 'inputs[0]');
    expectProblem(await call('POST', '/api/jobs', { ...plan, inputs: ['gone.csv'] }), 422, 'inputs[0]');
    expectProblem(await call('POST', '/api/jobs', '{"inputs": ['), 400, '(body)');
    expectProblem(await call('POST', '/api/jobs', ''), 400);
    expectProblem(await call('POST', '/api/jobs', 'inputs=a', { 'content-type': 'text/plain' }), 415);
    expectProblem(await call('POST', '/api/jobs', { ...plan, padding: 'x'.repeat(70 * 1024) }), 413);
  });

  it('answers 404 for unknown routes and ids, 405 with Allow for wrong methods', async () => {
    expectProblem(await call('GET', '/api/nope'), 404);
    expectProblem(await call('GET', '/api/jobs/not-a-job'), 404, 'id');
    expectProblem(await call('GET', '/api/jobs/00000000-0000-0000-0000-000000000000'), 404, 'id');
    const wrong = await call('PATCH', '/api/jobs');
    expectProblem(wrong, 405);
    // Every GET route answers HEAD too.
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
    expectProblem(await call('GET', '/api/files?path=../..'), 422, 'path');
    expectProblem(await call('GET', '/api/files?path=nothing-here'), 404, 'path');
  });

  it('lists audiences and keeps credentials write-only', async () => {
    expect((await call('GET', '/api/audiences')).json).toMatchObject({
      destination: { label: 'simulated TikTok' },
      advertiserId: '7000000000000000001',
    });
    expect((await call('GET', '/api/credentials')).json).toMatchObject({
      configured: false,
      destination: { kind: 'emulator' },
    });
    const saved = await call('PUT', '/api/credentials', { accessToken: 'tok-1234567890-abcd', advertiserId: '42' });
    expect(savedUpdates).toEqual([{ accessToken: 'tok-1234567890-abcd', advertiserId: '42' }]);
    expect(saved.json).toMatchObject({ configured: true, tokenLast4: 'wxyz', advertiserId: '42' });
    expect(JSON.stringify(saved.json)).not.toContain('tok-1234567890');
    expectProblem(await call('PUT', '/api/credentials', { accessToken: 'x' }), 422, 'accessToken');
    expectProblem(await call('PUT', '/api/credentials', { advertiserId: 'abc' }), 422, 'advertiserId');
    expectProblem(await call('PUT', '/api/credentials', { other: 1 }), 422);
  });

  it('answers unreadable files with 422 and TikTok failures with 502, never 500', async () => {
    for (const path of ['audiences/junk.parquet', 'audiences/broken.jsonl.gz']) {
      const answer = await call('GET', `/api/schema?path=${path}`);
      expectProblem(answer, 422, 'path');
      // Paths are said relative to the data folder: the browser never learns where the server keeps it.
      expect(JSON.stringify(answer.json), path).not.toContain(base);
      expect(answer.json.detail, path).toContain(path);
    }
    tiktokDown = true;
    try {
      const answer = await call('GET', '/api/audiences');
      expectProblem(answer, 502);
      expect(answer.json.detail).toContain('request_id r-9');
    } finally {
      tiktokDown = false;
    }
  });

  it('refuses state-changing requests from another site', async () => {
    expectProblem(await call('POST', '/api/jobs', plan, { origin: 'https://evil.example' }), 403);
  });

  it('streams job events (SSE) until the job ends', async () => {
    const { job } = app.jobs.create(
      app.jobStore.get((await call('POST', '/api/jobs', plan)).json.id as string)!.plan,
      'api',
    );
    app.jobs.cancel(job.id);
    const response = await fetch(`${url}/api/jobs/${job.id}/events`);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    expect(text).toMatch(/event: state\n/);
    expect(text).toMatch(/event: job\ndata: \{"id":"/);
    expect(text).toMatch(/event: end\ndata: \{"state":"cancelled"\}/);
  });
});

describe('bad input fuzz', () => {
  it('answers thousands of malformed requests with 4xx problem documents and stays up', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const junkValues = [
      null,
      1,
      -1,
      1.5,
      true,
      'x',
      '',
      [],
      {},
      [null],
      { a: 1 },
      'EMAIL',
      '../../etc/passwd',
      '\u0000',
      'é'.repeat(300),
    ];
    const makeBody = (): string | object => {
      const kind = Math.floor(random() * 6);
      if (kind === 0) return pick(['{', '[', '{"inputs":', 'nul', '{"a":1,}', '\u0000\u0001', '{"inputs": ["a"]', '"']);
      if (kind === 1) return pick(junkValues) as object;
      if (kind === 2)
        return { ...plan, [pick(['inputs', 'mapping', 'audience', 'options', 'maxFileBytes'])]: pick(junkValues) };
      if (kind === 3)
        return {
          ...plan,
          inputs: [
            pick([
              '../secret.csv',
              '/etc/passwd',
              '.jobs/x',
              'audiences/../../secret.csv',
              'link-out.csv',
              'missing.csv',
              'C:\\x',
            ]),
          ],
        };
      if (kind === 4)
        return {
          ...plan,
          audience: {
            ...plan.audience,
            [pick(['name', 'action', 'audienceId', 'advertiserId', 'retentionInDays'])]: pick(junkValues),
          },
        };
      return { ...plan, mapping: [{ column: pick(junkValues), type: pick(['EMAIL', 'email', 'SSN', 1, null]) }] };
    };
    const makeRequest = (): [string, string, (string | object)?] => {
      const kind = Math.floor(random() * 7);
      if (kind <= 2) return ['POST', '/api/jobs', makeBody()];
      if (kind === 3)
        return [
          pick(['GET', 'POST', 'DELETE']),
          `/api/jobs/${pick(['x', '../../etc', '%00', '00000000-0000-0000-0000-000000000000', 'a'.repeat(200), '%E0%A4%A'])}${pick(['', '/cancel', '/retry', '/events'])}`,
        ];
      if (kind === 4)
        return [
          'GET',
          `/api/files?path=${encodeURIComponent(pick(['..', '../', '/', '/etc', '.config', 'a/../../b', '%2e%2e', 'missing', 'audiences/people.csv']))}`,
        ];
      if (kind === 5)
        return [
          'GET',
          `/api/schema?path=${encodeURIComponent(pick(['..', '/etc/passwd', '', 'missing.csv', '.jobs', 'link-out.csv']))}${pick(['', '&sampleRows=0', '&sampleRows=abc', '&sampleRows=99999999'])}`,
        ];
      return [
        pick(['PUT', 'PATCH', 'DELETE']),
        pick(['/api/health', '/api/jobs', '/api/credentials', '/api/audiences', '/api/files']),
      ];
    };
    const statuses = new Map<number, number>();
    const requests = Array.from({ length: 2500 }, makeRequest);
    for (let i = 0; i < requests.length; i += 25) {
      await Promise.all(
        requests.slice(i, i + 25).map(async ([method, path, body]) => {
          const answer = await call(method, path, body);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status >= 400) {
            expect(answer.status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 200)}`).toBeLessThan(500);
            expect(answer.type).toMatch(/^application\/problem\+json/);
            expect(answer.json.resolution).toEqual(expect.any(String));
          } else {
            // The only successes are valid plans drawn by chance (PUT credentials with junk never passes).
            expect([200, 201]).toContain(answer.status);
          }
        }),
      );
    }
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
    expect((await call('GET', '/api/health')).status).toBe(200);
  });
});
