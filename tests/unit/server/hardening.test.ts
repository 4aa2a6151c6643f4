import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobPlanSchema } from '../../../src/core/plan.ts';
import { openLocalApp, type LocalApp } from '../../../src/local/local-app.ts';
import { openTikTokDestination } from '../../../src/local/tiktok-destination.ts';
import { createHttpApp } from '../../../src/server/http-app.ts';
import { localServerContext } from '../../../src/server/local-server-context.ts';
import { completed, fakeStages, waitFor } from '../local/fake-stages.ts';
import { closeServer, listenOnLoopback } from '../../helpers/loopback-server.ts';
import { rawRequest } from '../../helpers/raw-http.ts';

let base: string;
let app: LocalApp;
let server: Server;
let url: string;
let port: number;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'au-hardening-'));
  const dataDir = join(base, 'data');
  // The real credentials store of local mode: a write lands in <data>/.config/tiktok-credentials.json.
  const destination = openTikTokDestination({ dataDir, env: {} });
  app = openLocalApp({ dataDir, destination, stages: () => fakeStages(async () => completed), worker: false });
  writeFileSync(join(dataDir, 'people.csv'), 'email\na@example.com\n');
  server = createHttpApp(localServerContext(app), {
    events: { pollMs: 20, keepAliveMs: 150 },
  });
  url = await listenOnLoopback(server);
  port = Number(new URL(url).port);
});
afterAll(async () => {
  await closeServer(server);
  await app.close();
  rmSync(base, { recursive: true, force: true });
});

const plan = {
  inputs: ['people.csv'],
  mapping: [{ column: 'email', type: 'EMAIL' }],
  audience: { name: 'Test', action: 'create' },
};

function expectProblem(answer: { status: number; headers: Record<string, unknown>; json: Record<string, unknown> }) {
  expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
  expect(answer.json).toMatchObject({
    title: expect.any(String),
    detail: expect.any(String),
    resolution: expect.any(String),
  });
}

describe('Host allowlist (DNS rebinding)', () => {
  it('refuses PUT /api/credentials from a rebinding page (Host and Origin rebind.example) and keeps the token', async () => {
    const answer = await rawRequest(url, {
      method: 'PUT',
      path: '/api/credentials',
      headers: {
        host: `rebind.example:${port}`,
        origin: `http://rebind.example:${port}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ accessToken: 'attacker-token-9999', advertiserId: '666' }),
    });
    expect(answer.status).toBe(403);
    expectProblem(answer);
    expect(answer.json.code).toBe('host_not_allowed');
    expect(existsSync(join(app.dataDir, '.config', 'tiktok-credentials.json'))).toBe(false);
    const status = await rawRequest(url, { path: '/api/credentials', headers: { host: `127.0.0.1:${port}` } });
    expect(status.json).toMatchObject({ configured: false, tokenLast4: null });
  });

  it('refuses other hosts for pages, API reads and event streams alike, before routing', async () => {
    const { job } = app.jobs.create(jobPlanSchema.parse(plan), 'api');
    for (const path of [
      '/',
      '/api/health',
      '/api/jobs',
      `/api/jobs/${job.id}/events`,
      '/api/nope',
      '/wizard/columns',
    ]) {
      for (const host of [`rebind.example:${port}`, `127.0.0.1:${port + 1}`, 'localhost', `evil.localhost:${port}`]) {
        const answer = await rawRequest(url, { path, headers: { host } });
        expect(answer.status, `${host} ${path}`).toBe(403);
        expectProblem(answer);
      }
    }
  });

  it('answers its own names: 127.0.0.1, localhost and [::1] with its port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const answer = await rawRequest(url, { path: '/api/health', headers: { host } });
      expect(answer.status, host).toBe(200);
    }
  });

  it('answers the configured HOST name too', async () => {
    const named = createHttpApp(localServerContext(app), { allowedHosts: ['uploader.lan'] });
    const namedUrl = await listenOnLoopback(named);
    try {
      const namedPort = new URL(namedUrl).port;
      expect(
        (await rawRequest(namedUrl, { path: '/api/health', headers: { host: `uploader.lan:${namedPort}` } })).status,
      ).toBe(200);
      expect(
        (await rawRequest(namedUrl, { path: '/api/health', headers: { host: `other.lan:${namedPort}` } })).status,
      ).toBe(403);
    } finally {
      await closeServer(named);
    }
  });
});

describe('malformed JSON', () => {
  it('never quotes the body back', async () => {
    const secret = 'abcdef-secret-token-0042';
    const answer = await rawRequest(url, {
      method: 'PUT',
      path: '/api/credentials',
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      body: `{"accessToken": ${secret}, "advertiserId": "1"}`,
    });
    expect(answer.status).toBe(400);
    expectProblem(answer);
    expect(answer.json.field).toBe('(body)');
    expect(answer.text).not.toContain('abcdef');
    expect(answer.text).not.toContain('0042');
    expect(answer.text).not.toContain('advertiserId');
  });
});

/** Opens an event stream and collects its text until `until` holds or the stream ends. */
function openStream(
  base: string,
  path: string,
): {
  text: () => string;
  status: Promise<number>;
  ended: Promise<void>;
  close: () => void;
} {
  let text = '';
  let close = () => {};
  let resolveStatus: (status: number) => void = () => {};
  const status = new Promise<number>((resolve) => {
    resolveStatus = resolve;
  });
  const ended = new Promise<void>((resolve) => {
    const req = request(new URL(path, base), { headers: { host: new URL(base).host }, agent: false }, (response) => {
      resolveStatus(response.statusCode ?? 0);
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
      });
      response.on('end', () => resolve());
      response.on('error', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
    close = () => req.destroy();
  });
  return { text: () => text, status, ended, close };
}

describe('event streams', () => {
  it('send a keep-alive comment when nothing else was written for keepAliveMs', async () => {
    const { job } = app.jobs.create(jobPlanSchema.parse(plan), 'api');
    const stream = openStream(url, `/api/jobs/${job.id}/events`);
    try {
      expect(await stream.status).toBe(200);
      // The queued job does not change, so after the first events only keep-alives may arrive.
      await waitFor(() => (stream.text().includes(': keep-alive') ? true : undefined), 5_000);
      const afterFirst = stream.text().split(': keep-alive').length;
      await waitFor(() => (stream.text().split(': keep-alive').length > afterFirst ? true : undefined), 5_000);
    } finally {
      stream.close();
      await stream.ended;
    }
  });

  it('are capped: the stream over the limit gets 429, and a closed stream frees its place', async () => {
    const capped = createHttpApp(localServerContext(app), { events: { pollMs: 20, maxStreams: 2 } });
    const cappedUrl = await listenOnLoopback(capped);
    const { job } = app.jobs.create(jobPlanSchema.parse(plan), 'api');
    const path = `/api/jobs/${job.id}/events`;
    // HEAD answers without opening a stream (it would never be read, and would hold a place for good).
    for (let i = 0; i < 3; i += 1)
      expect(
        (await rawRequest(cappedUrl, { method: 'HEAD', path, headers: { host: new URL(cappedUrl).host } })).status,
      ).toBe(200);
    const first = openStream(cappedUrl, path);
    const second = openStream(cappedUrl, path);
    try {
      expect(await first.status).toBe(200);
      expect(await second.status).toBe(200);
      const third = await rawRequest(cappedUrl, { path, headers: { host: new URL(cappedUrl).host } });
      expect(third.status).toBe(429);
      expectProblem(third);
      expect(third.json.code).toBe('too_many_streams');
      first.close();
      await first.ended;
      // The server sees the close at its next poll; until then a new stream may still be refused.
      let accepted = false;
      for (let attempt = 0; attempt < 100 && !accepted; attempt += 1) {
        const next = openStream(cappedUrl, path);
        accepted = (await next.status) === 200;
        next.close();
        await next.ended;
        if (!accepted) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(accepted).toBe(true);
    } finally {
      first.close();
      second.close();
      await Promise.all([first.ended, second.ended]);
      await closeServer(capped);
    }
  });

  it('end after their lifetime with event: timeout', async () => {
    const short = createHttpApp(localServerContext(app), { events: { pollMs: 20, maxLifetimeMs: 200 } });
    const shortUrl = await listenOnLoopback(short);
    try {
      const { job } = app.jobs.create(jobPlanSchema.parse(plan), 'api');
      const answer = await rawRequest(shortUrl, {
        path: `/api/jobs/${job.id}/events`,
        headers: { host: new URL(shortUrl).host },
      });
      expect(answer.status).toBe(200);
      expect(answer.text).toMatch(/event: job\n/);
      expect(answer.text).toMatch(/event: timeout\ndata: \{"reconnect":true\}\n\n$/);
    } finally {
      await closeServer(short);
    }
  });
});
