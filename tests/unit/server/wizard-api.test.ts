import { UNFENCED } from '../../../src/core/jobs/run-fence.ts';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobPlanSchema } from '../../../src/core/plan.ts';
import { openLocalApp, type LocalApp, type LocalDestination } from '../../../src/local/local-app.ts';
import { openTikTokDestination } from '../../../src/local/tiktok-destination.ts';
import { processRequestRateLimiter } from '../../../src/destinations/tiktok/request-rate-limiter.ts';
import { createHttpApp } from '../../../src/server/http-app.ts';
import { localServerContext } from '../../../src/server/local-server-context.ts';
import { completed, fakeStages, waitFor } from '../local/fake-stages.ts';
import { closeServer, listenOnLoopback } from '../../helpers/loopback-server.ts';
import { rawRequest, type RawAnswer } from '../../helpers/raw-http.ts';

const DAY = 24 * 60 * 60 * 1000;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
/** TikTok's list time format, UTC. */
const tiktokTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

const now = Date.now();
const audiences = [
  {
    audienceId: '111',
    name: 'Spring buyers · EMAIL',
    calculateType: 'EMAIL_SHA256',
    coverNum: 1200,
    isValid: true,
    isCreator: true,
    createTime: tiktokTime(now - 30 * DAY),
    expiredTime: tiktokTime(now + 3 * DAY),
  },
  {
    audienceId: '222',
    name: 'spring BUYERS · PHONE',
    calculateType: 'PHONE_SHA256',
    coverNum: null,
    isValid: false,
    isCreator: true,
    createTime: tiktokTime(now - DAY),
    expiredTime: tiktokTime(now + 300 * DAY),
  },
  {
    audienceId: '333',
    name: 'Autumn',
    calculateType: 'IDFA_SHA256',
    coverNum: 5,
    isValid: null,
    isCreator: false,
    createTime: null,
    expiredTime: null,
  },
];

const destination: LocalDestination = {
  current: () => ({ kind: 'emulator', label: 'simulated TikTok' }),
  listAudiences: async () => ({ advertiserId: '7000000000000000001', audiences }),
  credentialsStatus: async () => ({
    configured: false,
    source: 'none',
    tokenLast4: null,
    advertiserId: '7000000000000000001',
    destination: { kind: 'emulator', label: 'simulated TikTok' },
  }),
  saveCredentials: async () => {
    throw new Error('unused');
  },
  close: async () => {},
};

let base: string;
let dataDir: string;
let app: LocalApp;
let server: Server;
let url: string;
let host: string;
const env: NodeJS.ProcessEnv = { TIKTOK_QPS: '20' };

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'au-wizard-api-'));
  dataDir = join(base, 'data');
  mkdirSync(join(dataDir, 'audiences'), { recursive: true });
  app = openLocalApp({ dataDir, destination, stages: () => fakeStages(async () => completed), worker: false });
  server = createHttpApp(localServerContext(app, { env }), { maxBodyBytes: 64 * 1024, uploadMaxBytes: 1024 * 1024 });
  url = await listenOnLoopback(server);
  host = new URL(url).host;
});
afterAll(async () => {
  await closeServer(server);
  await app.close();
  rmSync(base, { recursive: true, force: true });
});

const call = (method: string, path: string, body?: string | Buffer | Readable, headers: Record<string, string> = {}) =>
  rawRequest(url, { method, path, headers: { host, ...headers }, ...(body === undefined ? {} : { body }) });
const callJson = (method: string, path: string, body: unknown) =>
  call(method, path, JSON.stringify(body), { 'content-type': 'application/json' });

function expectProblem(answer: RawAnswer, status: number, field?: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
  expect(answer.json).toMatchObject({
    title: expect.any(String),
    detail: expect.any(String),
    resolution: expect.any(String),
  });
  if (field !== undefined) expect(answer.json.field).toBe(field);
}

const leftovers = (folder: string) => readdirSync(folder).filter((name) => name.startsWith('.upload-'));

describe('POST /api/uploads', () => {
  it('stores the raw body under a safe name and answers its path and size', async () => {
    const content = 'email\nalice@example.com\n';
    const answer = await call('POST', '/api/uploads?folder=audiences&name=people.csv', content, {
      'content-type': 'text/csv',
    });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.json).toEqual({ path: 'audiences/people.csv', size: Buffer.byteLength(content) });
    expect(readFileSync(join(dataDir, 'audiences', 'people.csv'), 'utf8')).toBe(content);
    expect(leftovers(join(dataDir, 'audiences'))).toEqual([]);
    const listed = await call('GET', '/api/files?path=audiences');
    expect((listed.json.entries as Array<{ path: string }>).map((e) => e.path)).toEqual(['audiences/people.csv']);
    // The top folder is the default; any content type (or none) is fine.
    const top = await call('POST', `/api/uploads?name=${encodeURIComponent('Données clients.jsonl.gz')}`, 'x');
    expect(top.json).toEqual({ path: 'Données clients.jsonl.gz', size: 1 });
  });

  it('never overwrites silently: 409 unless overwrite=true', async () => {
    await call('POST', '/api/uploads?name=twice.csv', 'first');
    const again = await call('POST', '/api/uploads?name=twice.csv', 'second');
    expectProblem(again, 409, 'name');
    expect(again.json.resolution).toMatch(/another name|overwrite/);
    expect(readFileSync(join(dataDir, 'twice.csv'), 'utf8')).toBe('first');
    const replaced = await call('POST', '/api/uploads?name=twice.csv&overwrite=true', 'second!');
    expect(replaced.status).toBe(201);
    expect(replaced.json.size).toBe(7);
    expect(readFileSync(join(dataDir, 'twice.csv'), 'utf8')).toBe('second!');
    expectProblem(await call('POST', '/api/uploads?name=audiences', 'x'), 400, 'name');
    expectProblem(await call('POST', '/api/uploads?name=twice.csv&overwrite=yes', 'x'), 400, 'overwrite');
  });

  it('refuses unsafe names with field "name"', async () => {
    const bad = [
      '',
      '../escape.csv',
      'a/b.csv',
      'a\\b.csv',
      '.hidden.csv',
      'tool.exe',
      'data.csv.zip',
      'bell\u0007.csv',
      'new\nline.csv',
      'evil\u202ecsv.exe.csv',
      `${'a'.repeat(197)}.csv`,
    ];
    for (const name of bad) {
      const answer = await call('POST', `/api/uploads?name=${encodeURIComponent(name)}`, 'x');
      expectProblem(answer, 400, 'name');
    }
    for (const name of [
      'ok.tsv',
      'ok.txt',
      'ok.ndjson',
      'ok.json',
      'ok.parquet',
      'OK.CSV.GZ',
      `${'b'.repeat(196)}.csv`,
    ]) {
      expect((await call('POST', `/api/uploads?name=${encodeURIComponent(name)}`, 'x')).status, name).toBe(201);
    }
    expect(readdirSync(base)).toEqual(['data']);
  });

  it('checks the folder like every data-folder path', async () => {
    expectProblem(await call('POST', '/api/uploads?folder=nowhere&name=a.csv', 'x'), 404, 'folder');
    expectProblem(await call('POST', '/api/uploads?folder=..&name=a.csv', 'x'), 422, 'folder');
    expectProblem(await call('POST', '/api/uploads?folder=.jobs&name=a.csv', 'x'), 422, 'folder');
    expectProblem(await call('POST', '/api/uploads?folder=twice.csv&name=a.csv', 'x'), 422, 'folder');
    expectProblem(await call('POST', '/api/uploads?name=empty.csv', ''), 400, '(body)');
    expect(existsSync(join(dataDir, 'empty.csv'))).toBe(false);
  });

  it('is not bound by the JSON limit, but by UPLOAD_MAX_BYTES (413), declared or streamed', async () => {
    // 200 KiB: over the 64 KiB JSON limit of this server, under its 1 MiB upload limit.
    const medium = Buffer.alloc(200 * 1024, 'a');
    expect((await call('POST', '/api/uploads?name=medium.csv', medium)).json).toEqual({
      path: 'medium.csv',
      size: medium.length,
    });
    const declared = await call('POST', '/api/uploads?name=declared.csv', Buffer.alloc(1024 * 1024 + 1, 'a'));
    expectProblem(declared, 413);
    expect(existsSync(join(dataDir, 'declared.csv'))).toBe(false);
    // No Content-Length (chunked): cut off once the stream passes the limit, nothing kept.
    let sent = 0;
    const endless = new Readable({
      read() {
        sent += 64 * 1024;
        this.push(sent > 4 * 1024 * 1024 ? null : Buffer.alloc(64 * 1024, 'b'));
      },
    });
    const streamed = await call('POST', '/api/uploads?name=streamed.csv', endless).catch(
      (error: NodeJS.ErrnoException) => error,
    );
    // The 413 arrives, unless the client was still writing when the server closed the connection.
    if (!(streamed instanceof Error)) expectProblem(streamed, 413);
    else expect(streamed.code).toMatch(/ECONNRESET|EPIPE/);
    await waitFor(() => (leftovers(dataDir).length === 0 ? true : undefined));
    expect(existsSync(join(dataDir, 'streamed.csv'))).toBe(false);
    expect((await call('GET', '/api/health')).status).toBe(200);
  });

  it('applies the host and cross-site checks', async () => {
    expectProblem(await call('POST', '/api/uploads?name=x1.csv', 'x', { origin: 'https://evil.example' }), 403);
    expectProblem(await call('POST', '/api/uploads?name=x2.csv', 'x', { host: 'rebind.example' }), 403);
    expect(existsSync(join(dataDir, 'x1.csv')) || existsSync(join(dataDir, 'x2.csv'))).toBe(false);
  });
});

describe('POST /api/uploads of a large file', () => {
  it('streams 200 MB to disk with flat memory (never buffered)', async () => {
    const big = createHttpApp(localServerContext(app));
    const bigUrl = await listenOnLoopback(big);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < chunk.length; i += 1) chunk[i] = (i * 7 + 13) % 251;
    const total = 200;
    const digest = createHash('sha256');
    let produced = 0;
    const body = new Readable({
      read() {
        if (produced === total) return this.push(null);
        produced += 1;
        digest.update(chunk);
        this.push(chunk);
      },
    });
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    try {
      const answer = await rawRequest(bigUrl, {
        method: 'POST',
        path: '/api/uploads?name=big.jsonl',
        headers: { host: new URL(bigUrl).host, 'content-type': 'application/octet-stream' },
        body,
      });
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(answer.status, answer.text).toBe(201);
      expect(answer.json).toEqual({ path: 'big.jsonl', size: total * chunk.length });
      // Client and server share this process: buffering the body anywhere would add ~200 MB.
      expect(peak - baseline, `RSS grew by ${Math.round((peak - baseline) / 2 ** 20)} MiB`).toBeLessThan(64 * 2 ** 20);
      const stored = createHash('sha256');
      for await (const part of Readable.from(readFileSync(join(dataDir, 'big.jsonl')))) stored.update(part as Buffer);
      expect(stored.digest('hex')).toBe(digest.digest('hex'));
    } finally {
      clearInterval(sampler);
      rmSync(join(dataDir, 'big.jsonl'), { force: true });
      await closeServer(big);
    }
  });
});

describe('POST /api/preview', () => {
  // Expected counts follow docs/normalization.md by hand: trim + lowercase emails, US region
  // phones as digits ((613) 444-4444 → 16134444444; 613 111 1111 is not a valid number), device ids
  // lowercased, the all-zero id rejected.
  const csv = [
    'email,phone,maid,email2',
    ' em@aZon.com ,(613)-444-4444,918F1D4F-D195-4A8B-AF47-44683FE11DB9,wefw@af.com',
    'EM@azon.com,613 111 1111,00000000-0000-0000-0000-000000000000,',
    `,+44 844 412 4653,,${' wEfw@af.com'}`,
    `${sha256('wefw@af.com').toUpperCase()},(613)-444-4444,not-a-device,x`,
    'bad-email,,918f1d4f-d195-4a8b-af47-44683fe11db9,',
  ].join('\n');
  const mapping = [
    { column: 'email', type: 'EMAIL' },
    { column: 'phone', type: 'PHONE' },
    { column: 'maid', type: 'MAID' },
    { column: 'email2', type: 'EMAIL' },
  ];

  beforeAll(() => writeFileSync(join(dataDir, 'audiences', 'preview.csv'), `${csv}\n`));

  it('answers counts per column and per type from the real normalizer, never values', async () => {
    const answer = await callJson('POST', '/api/preview', { inputs: ['audiences/preview.csv'], mapping });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toEqual({
      sampleRows: 5,
      malformedRows: 0,
      columns: [
        { column: 'email', type: 'EMAIL', valid: 2, prehashed: 1, empty: 1, rejected: { invalid_email: 1 } },
        { column: 'phone', type: 'PHONE', valid: 3, prehashed: 0, empty: 1, rejected: { invalid_phone: 1 } },
        {
          column: 'maid',
          type: 'MAID',
          valid: 2,
          prehashed: 0,
          empty: 1,
          rejected: { zero_device_id: 1, invalid_device_id: 1 },
        },
        { column: 'email2', type: 'EMAIL', valid: 2, prehashed: 0, empty: 2, rejected: { invalid_email: 1 } },
      ],
      types: {
        // em@azon.com, sha256(wefw@af.com) (pre-hashed in email, plain in email2): 2 distinct digests.
        EMAIL: { valid: 4, prehashed: 1, empty: 3, rejected: { invalid_email: 2 }, unique: 2 },
        PHONE: { valid: 3, prehashed: 0, empty: 1, rejected: { invalid_phone: 1 }, unique: 2 },
        MAID: { valid: 2, prehashed: 0, empty: 1, rejected: { zero_device_id: 1, invalid_device_id: 1 }, unique: 1 },
      },
      destination: { kind: 'emulator', label: 'simulated TikTok' },
    });
    for (const value of ['azon', 'wefw', '613', '844', '918f', sha256('wefw@af.com').slice(0, 16), 'bad-email'])
      expect(answer.text.toLowerCase()).not.toContain(value);
  });

  it('follows the options (pre-hashed policy, phone region)', async () => {
    const answer = await callJson('POST', '/api/preview', {
      inputs: ['audiences/preview.csv'],
      mapping: [mapping[0], mapping[1]],
      options: { prehashed: 'reject', phoneRegion: 'gb' },
      header: 'auto',
    });
    expect(answer.status, answer.text).toBe(200);
    const columns = answer.json.columns as Array<{
      column: string;
      prehashed: number;
      rejected: Record<string, number>;
    }>;
    expect(columns[0]).toMatchObject({ prehashed: 0, rejected: { invalid_email: 1, prehashed_not_allowed: 1 } });
    // Read as British numbers, the North American ones without +1 are no longer valid; +44 still is.
    expect(columns[1]).toMatchObject({ valid: 1, rejected: { invalid_phone: 3 } });
  });

  it('names the real columns when the mapping has an unknown one; validates like POST /api/jobs', async () => {
    const unknown = await callJson('POST', '/api/preview', {
      inputs: ['audiences/preview.csv'],
      mapping: [{ column: 'e-mail', type: 'EMAIL' }],
    });
    expectProblem(unknown, 400, 'mapping');
    expect(unknown.json.detail).toContain('"email", "phone", "maid", "email2"');
    expectProblem(
      await callJson('POST', '/api/preview', {
        inputs: ['audiences/preview.csv'],
        mapping: [{ column: 'email', type: 'SSN' }],
      }),
      422,
      'mapping[0].type',
    );
    expectProblem(await callJson('POST', '/api/preview', { inputs: ['../x.csv'], mapping }), 422, 'inputs[0]');
    expectProblem(await callJson('POST', '/api/preview', { inputs: ['gone.csv'], mapping }), 422, 'inputs[0]');
    expectProblem(
      await callJson('POST', '/api/preview', { inputs: ['audiences/preview.csv'], mapping, header: 'maybe' }),
      422,
      'header',
    );
    expectProblem(await call('POST', '/api/preview', '{"inputs": [', { 'content-type': 'application/json' }), 400);
  });

  it('reads headerless files as the jobs do (header auto/present/absent) and never echoes an identifier-like name', async () => {
    writeFileSync(join(dataDir, 'audiences', 'bare.csv'), 'alice@example.com\nbob@example.com\n');
    const column1 = [{ column: 'column_1', type: 'EMAIL' }];
    for (const header of [undefined, 'auto', 'absent'] as const) {
      const answer = await callJson('POST', '/api/preview', {
        inputs: ['audiences/bare.csv'],
        mapping: column1,
        ...(header === undefined ? {} : { header }),
      });
      expect(answer.json, String(header)).toMatchObject({ sampleRows: 2, types: { EMAIL: { valid: 2, unique: 2 } } });
    }
    const present = await callJson('POST', '/api/preview', {
      inputs: ['audiences/bare.csv'],
      mapping: column1,
      header: 'present',
    });
    expectProblem(present, 400, 'mapping');
    expect(present.text).not.toContain('alice@example.com');
    expect(present.text).not.toContain('alice');
  });

  it('reads a bounded sample, not the whole file', async () => {
    const rows = ['email', ...Array.from({ length: 5000 }, (_, i) => `user${i}@example.com`)];
    writeFileSync(join(dataDir, 'audiences', 'long.csv'), `${rows.join('\n')}\n`);
    const answer = await callJson('POST', '/api/preview', {
      inputs: ['audiences/long.csv'],
      mapping: [{ column: 'email', type: 'EMAIL' }],
    });
    expect(answer.json.sampleRows).toBe(1000);
    expect((answer.json.types as Record<string, { unique: number }>).EMAIL?.unique).toBe(1000);
  });
});

describe('GET /api/jobs/:id/rejects.csv and the monitor block', () => {
  it('downloads the rejects of a job as an attachment; 404 once they are gone, saying why', async () => {
    const { job } = app.jobs.create(
      jobPlanSchema.parse({
        inputs: ['audiences/preview.csv'],
        mapping: [{ column: 'email', type: 'EMAIL' }],
        audience: { name: 'R', action: 'create' },
      }),
      'api',
    );
    expectProblem(await call('GET', `/api/jobs/${job.id}/rejects.csv`), 409);
    const out = join(app.jobsDir, job.id, 'out');
    mkdirSync(out, { recursive: true });
    const rejects = 'file,record,column,reason\naudiences/preview.csv,5,email,invalid_email\n';
    writeFileSync(join(out, 'rejects.csv'), rejects);
    const answer = await call('GET', `/api/jobs/${job.id}/rejects.csv`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(answer.headers['content-disposition']).toBe(`attachment; filename="${job.id}-rejects.csv"`);
    expect(answer.text).toBe(rejects);
    app.jobs.cancel(job.id);
    rmSync(out, { recursive: true });
    const gone = await call('GET', `/api/jobs/${job.id}/rejects.csv`);
    expectProblem(gone, 404);
    expect(gone.json.code).toBe('rejects_gone');
    expectProblem(await call('GET', '/api/jobs/00000000-0000-0000-0000-000000000000/rejects.csv'), 404, 'id');
  });

  it('shows records, per-type counts, partitions and audience ids in GET /api/jobs/:id', async () => {
    const { job } = app.jobs.create(
      jobPlanSchema.parse({
        inputs: ['audiences/preview.csv'],
        mapping: [{ column: 'email', type: 'EMAIL' }],
        audience: { name: 'M', action: 'create' },
      }),
      'api',
    );
    const before = await call('GET', `/api/jobs/${job.id}`);
    expect(before.json.monitor).toEqual({
      records: { read: 0, malformed: null, bytesRead: null, totalBytes: null },
      types: null,
      partitions: [],
      audiences: [],
    });
    app.jobStore.setProgress(job.id, { stage: 'upload', recordsRead: 5, bytesRead: 300, totalBytes: 300 });
    app.jobStore.mergeResult(job.id, {
      transform: {
        recordsRead: 5,
        malformedRecords: 0,
        rejects: 1,
        types: {
          EMAIL: {
            columns: ['email'],
            valid: 2,
            prehashed: 1,
            empty: 1,
            rejected: { invalid_email: 1 },
            duplicates: 1,
            unique: 2,
            files: 1,
          },
        },
      },
    });
    await app.ledger.save(
      job.id,
      {
        version: 1,
        advertiserId: '7000000000000000001',
        action: 'create',
        createdAt: new Date(0).toISOString(),
        updatedAt: new Date(0).toISOString(),
        audiences: {
          EMAIL: {
            type: 'EMAIL',
            calculateType: 'EMAIL_SHA256',
            audienceName: 'M · EMAIL',
            audienceId: '444',
            created: true,
            partitions: {
              md5a: {
                path: 'email_sha256/part-00000.csv',
                rows: 2,
                filePath: 'f',
                uploadedAt: new Date(0).toISOString(),
              },
            },
          },
        },
      },
      UNFENCED,
    );
    const during = await call('GET', `/api/jobs/${job.id}`);
    expect(during.json.monitor).toEqual({
      records: { read: 5, malformed: 0, bytesRead: 300, totalBytes: 300 },
      types: {
        EMAIL: {
          columns: ['email'],
          valid: 2,
          unique: 2,
          duplicates: 1,
          prehashed: 1,
          empty: 1,
          rejected: { invalid_email: 1 },
        },
      },
      partitions: [{ type: 'EMAIL', path: 'email_sha256/part-00000.csv', rows: 2, uploaded: true, applied: false }],
      audiences: [
        {
          type: 'EMAIL',
          audienceId: '444',
          audienceName: 'M · EMAIL',
          created: true,
          applied: false,
          coverNum: null,
          matchRate: null,
          isValid: null,
        },
      ],
    });
    // The list stays light: no monitor block there.
    const list = await call('GET', '/api/jobs');
    expect((list.json.jobs as Array<Record<string, unknown>>).every((entry) => !('monitor' in entry))).toBe(true);
  });
});

describe('GET /api/audiences', () => {
  it('filters by name (case-insensitive) and adds status, expiringSoon and the local jobs', async () => {
    const { job } = app.jobs.create(
      jobPlanSchema.parse({
        inputs: ['audiences/preview.csv'],
        mapping: [{ column: 'email', type: 'EMAIL' }],
        audience: { audienceId: '111', action: 'append' },
      }),
      'api',
    );
    const all = await call('GET', '/api/audiences');
    expect(all.status).toBe(200);
    expect(all.json.advertiserId).toBe('7000000000000000001');
    const items = all.json.audiences as Array<Record<string, unknown>>;
    expect(items.map((a) => [a.audienceId, a.status, a.expiringSoon])).toEqual([
      ['111', 'valid', true],
      ['222', 'calculating', false],
      ['333', 'unknown', false],
    ]);
    // TikTok's own fields are kept as they were.
    expect(items[0]).toMatchObject({ name: 'Spring buyers · EMAIL', coverNum: 1200, calculateType: 'EMAIL_SHA256' });
    expect(items[0]?.jobs).toEqual([job.id]);
    expect(items[1]?.jobs).toEqual([]);
    const spring = await call('GET', `/api/audiences?q=${encodeURIComponent('SPRING b')}`);
    expect((spring.json.audiences as Array<{ audienceId: string }>).map((a) => a.audienceId)).toEqual(['111', '222']);
    expect((await call('GET', '/api/audiences?advertiserId=7000000000000000001')).status).toBe(200);
    expectProblem(await call('GET', '/api/audiences?advertiserId=42'), 422, 'advertiserId');
    expectProblem(await call('GET', '/api/audiences?advertiserId=abc'), 422, 'advertiserId');
  });
});

describe('GET/PUT /api/settings', () => {
  it('reads the environment as defaults, saves to the data folder, and applies at once', async () => {
    expect((await call('GET', '/api/settings')).json).toEqual({
      tiktokQps: 20,
      outputRetentionDays: 7,
      sources: { tiktokQps: 'environment', outputRetentionDays: 'default' },
    });
    const saved = await callJson('PUT', '/api/settings', { tiktokQps: 5, outputRetentionDays: 30 });
    expect(saved.json).toEqual({
      tiktokQps: 5,
      outputRetentionDays: 30,
      sources: { tiktokQps: 'file', outputRetentionDays: 'file' },
    });
    expect(JSON.parse(readFileSync(join(dataDir, '.config', 'settings.json'), 'utf8'))).toEqual({
      tiktokQps: 5,
      outputRetentionDays: 30,
    });
    // Local mode reads TIKTOK_QPS from this env for each new TikTok client; jobs that end now keep output 30 days.
    expect(env.TIKTOK_QPS).toBe('5');
    expect(app.runner.outputTtlMs).toBe(30 * DAY);
    expect((await callJson('PUT', '/api/settings', { outputRetentionDays: 2 })).json).toMatchObject({
      tiktokQps: 5,
      outputRetentionDays: 2,
    });
    for (const [body, field] of [
      [{ tiktokQps: 0 }, 'tiktokQps'],
      [{ tiktokQps: 51 }, 'tiktokQps'],
      [{ outputRetentionDays: 0 }, 'outputRetentionDays'],
      [{ outputRetentionDays: 366 }, 'outputRetentionDays'],
      [{ outputRetentionDays: 1.5 }, 'outputRetentionDays'],
      [{ other: 1 }, '(body)'],
      [{}, 'tiktokQps'],
    ] as const) {
      expectProblem(await callJson('PUT', '/api/settings', body), 422, field);
    }
    // A restart (a new context on the same data folder) keeps the saved values.
    expect(localServerContext(app, { env: {} }).settings()).toMatchObject({ tiktokQps: 5, outputRetentionDays: 2 });
  });

  it("reaches the process's TikTok rate limiter through local mode's settings", async () => {
    const folder = join(base, 'qps');
    const tiktokEnv: NodeJS.ProcessEnv = {
      TIKTOK_ACCESS_TOKEN: 'token-for-the-limiter-test',
      TIKTOK_ADVERTISER_ID: '1',
    };
    const tiktok = openTikTokDestination({ dataDir: folder, env: tiktokEnv });
    const local = openLocalApp({
      dataDir: folder,
      destination: tiktok,
      stages: () => fakeStages(async () => completed),
      worker: false,
    });
    try {
      const context = localServerContext(Object.assign(local, { tiktok }), { env: tiktokEnv });
      await context.saveSettings({ tiktokQps: 7 });
      await tiktok.connect('tiktok');
      expect(processRequestRateLimiter().ratePerSecond).toBe(7);
      await context.saveSettings({ tiktokQps: 3 });
      await tiktok.connect('tiktok');
      expect(processRequestRateLimiter().ratePerSecond).toBe(3);
    } finally {
      await local.close();
    }
  });

  it('lists the configured advertisers with the credentials status', async () => {
    expect((await call('GET', '/api/credentials')).json).toMatchObject({ advertisers: ['7000000000000000001'] });
  });
});
