import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalApp, type LocalApp } from '../../../src/local/local-app.ts';
import { openTikTokDestination } from '../../../src/local/tiktok-destination.ts';
import { createHttpApp } from '../../../src/server/http-app.ts';
import { localServerContext } from '../../../src/server/local-server-context.ts';
import { completed, fakeStages } from '../local/fake-stages.ts';
import { closeServer, listenOnLoopback } from '../../helpers/loopback-server.ts';

let base: string;
let app: LocalApp;
let server: Server;
let url: string;
const INDEX = '<!doctype html><div id="app"></div><script type="module" src="/assets/app-1234.js"></script>';

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'au-static-'));
  const uiDir = join(base, 'ui');
  mkdirSync(join(uiDir, 'assets'), { recursive: true });
  writeFileSync(join(uiDir, 'index.html'), INDEX);
  writeFileSync(join(uiDir, 'assets', 'app-1234.js'), 'console.log("simulated")');
  writeFileSync(join(uiDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(base, 'secret.txt'), 'not for the browser');
  const dataDir = join(base, 'data');
  app = openLocalApp({
    dataDir,
    destination: openTikTokDestination({ dataDir, env: {} }),
    stages: () => fakeStages(async () => completed),
    worker: false,
  });
  server = createHttpApp(localServerContext(app), { uiDir });
  url = await listenOnLoopback(server);
});
afterAll(async () => {
  await closeServer(server);
  await app.close();
  rmSync(base, { recursive: true, force: true });
});

describe('the web app', () => {
  it('serves built files with their types; hashed assets are immutable, the page is revalidated', async () => {
    const page = await fetch(`${url}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toBe(INDEX);
    const asset = await fetch(`${url}/assets/app-1234.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toContain('simulated');
    expect((await fetch(`${url}/favicon.svg`)).headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  });

  it("answers the app's own routes with index.html (reload and deep links), never the API's", async () => {
    for (const path of ['/jobs', '/jobs/ce8cbbbc-0000-0000-0000-000000000000', '/new/columns', '/settings?tab=1']) {
      const answer = await fetch(`${url}${path}`);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(await answer.text()).toBe(INDEX);
    }
    const api = await fetch(`${url}/api/nothing`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const post = await fetch(`${url}/jobs`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${url}/jobs`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('never serves anything outside the build folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const text = await (await fetch(`${url}${path}`)).text();
      expect(text, path).not.toContain('not for the browser');
    }
  });
});
