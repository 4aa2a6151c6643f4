import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalApp, type LocalApp } from '../../../src/local/local-app.ts';
import { isLoopbackHost } from '../../../src/server/basic-auth.ts';
import { createHttpApp } from '../../../src/server/http-app.ts';
import { localServerContext } from '../../../src/server/local-server-context.ts';
import { completed, fakeDestination, fakeStages } from '../local/fake-stages.ts';
import { closeServer, listenOnLoopback } from '../../helpers/loopback-server.ts';

let dataDir: string;
let app: LocalApp;
let server: Server;
let url: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'au-auth-'));
  app = openLocalApp({
    dataDir,
    worker: false,
    stages: () => fakeStages(async () => completed),
    destination: fakeDestination,
  });
  server = createHttpApp(localServerContext(app), { authPassword: 'correct horse battery' });
  url = await listenOnLoopback(server);
});
afterAll(async () => {
  await closeServer(server);
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('AUTH_PASSWORD', () => {
  it('needs the password on every request, as Basic (any user) or Bearer', async () => {
    for (const path of ['/api/health', '/api/jobs', '/', '/api/nope']) {
      const denied = await fetch(`${url}${path}`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(((await denied.json()) as { resolution: string }).resolution).toMatch(/Bearer/);
    }
    const basic = `Basic ${Buffer.from('anyone:correct horse battery').toString('base64')}`;
    expect((await fetch(`${url}/api/health`, { headers: { authorization: basic } })).status).toBe(200);
    expect(
      (await fetch(`${url}/api/health`, { headers: { authorization: 'Bearer correct horse battery' } })).status,
    ).toBe(200);
    expect((await fetch(`${url}/api/health`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(
      (
        await fetch(`${url}/api/health`, {
          headers: { authorization: `Basic ${Buffer.from('u:correct horse batter').toString('base64')}` },
        })
      ).status,
    ).toBe(401);
  });
});

describe('isLoopbackHost', () => {
  it('accepts only loopback addresses', () => {
    expect(['127.0.0.1', 'localhost', '::1', '127.1.2.3'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '192.168.1.5', '::', 'example.com'].map(isLoopbackHost)).toEqual([false, false, false, false]);
  });
});
