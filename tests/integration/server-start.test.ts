import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/raw-http.ts';
import { api, isFinished, startServerProcess, waitForJob, type ServerProcess } from './server-process.ts';

// Normalized values of the sample's 15-record cycle, per docs/normalization.md and the public
// vectors: 3 emails, 3 valid phones out of 5 (613-111-1111 numbers are invalid), 2 device ids.
const EXPECTED_NORMALIZED = {
  EMAIL: ['em@azon.com', 'wefw@af.com', 'dwqeww@fefe.com'],
  PHONE: ['16134444444', '12345678910', '448444124653'],
  MAID: ['918f1d4f-d195-4a8b-af47-44683fe11db9', '3f097372-f01e-4b64-984c-395ae5828ee6'],
};
const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

let base: string;
let server: ServerProcess;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'au-start-'));
  server = await startServerProcess({
    dataDir: join(base, 'data'),
    env: { AU_EMULATOR_OPTIONS: JSON.stringify({ calculatingMs: 300 }) },
  });
});
afterAll(async () => {
  await server?.stop();
  rmSync(base, { recursive: true, force: true });
});

describe('npm start', () => {
  it('creates the data folder with the sample, says TikTok is simulated, answers health and serves the page', async () => {
    expect(server.output()).toMatch(/with a sample audience file \(samples\/clean-rooms-sample\.jsonl\)/);
    expect(server.output()).toMatch(/TikTok: SIMULATED/);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await api(server.url, 'GET', '/api/health');
    expect(health).toMatchObject({
      status: 200,
      json: { status: 'ok', destination: { kind: 'emulator', label: 'simulated TikTok' } },
    });
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('<div id="app">');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(await asset.text()).toContain('simulated');
  });

  it('runs a full job over HTTP: sample file → completed, the emulator holding exactly the expected ids', async () => {
    const files = await api<{ entries: Array<{ path: string }> }>(server.url, 'GET', '/api/files?path=samples');
    expect(files.json.entries.map((e) => e.path)).toEqual(['samples/clean-rooms-sample.jsonl']);
    const schema = await api<{ suggestedMapping: Array<{ column: string; type: string }> }>(
      server.url,
      'GET',
      '/api/schema?path=samples/clean-rooms-sample.jsonl',
    );
    expect(schema.json.suggestedMapping).toEqual([
      { column: 'e-mail', type: 'EMAIL' },
      { column: 'phone_number', type: 'PHONE' },
      { column: 'mobile_advertiser_id', type: 'MAID' },
    ]);
    const created = await api<{ id: string }>(server.url, 'POST', '/api/jobs', {
      inputs: ['samples/clean-rooms-sample.jsonl'],
      mapping: schema.json.suggestedMapping,
      audience: { name: 'Sample', action: 'create' },
    });
    expect(created.status).toBe(201);
    // Live progress over server-sent events, until the stream ends with the job.
    const stream = await (await fetch(`${server.url}/api/jobs/${created.json.id}/events`)).text();
    const events = [...stream.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({
      type: m[1],
      data: JSON.parse(m[2] ?? '{}') as Record<string, unknown>,
    }));
    expect(events.filter((e) => e.type === 'state').map((e) => e.data.state)).toEqual([
      'queued',
      'transforming',
      'uploading',
      'processing',
      'completed',
    ]);
    const progress = events
      .filter((e) => e.type === 'job')
      .map(
        (e) =>
          e.data.progress as { recordsRead?: number; filesUploaded?: number; filesTotal?: number; percent?: number },
      );
    expect(progress.at(-1)).toMatchObject({ filesUploaded: 3, filesTotal: 3, percent: 100 });
    expect(events.at(-1)).toEqual({ type: 'end', data: { state: 'completed' } });
    const job = await waitForJob(server.url, created.json.id, isFinished);
    expect(job).toMatchObject({ state: 'completed', destination: { label: 'simulated TikTok' } });
    expect(job.reason).toContain('simulated TikTok');
    const audiences = job.result?.upload?.audiences ?? [];
    expect(audiences.map((a) => a.type)).toEqual(['EMAIL', 'PHONE', 'MAID']);
    for (const audience of audiences) {
      const held = (await (
        await fetch(`${server.emulatorOrigin}/__emulator/audiences/${audience.audienceId}/ids`)
      ).json()) as { ids: string[] };
      const expected = EXPECTED_NORMALIZED[audience.type as keyof typeof EXPECTED_NORMALIZED].map(sha256).sort();
      expect(held.ids, audience.type).toEqual(expected);
      expect(audience.idsSent).toBe(expected.length);
    }
    const listed = await api<{ destination: { label: string }; audiences: Array<{ name: string }> }>(
      server.url,
      'GET',
      '/api/audiences',
    );
    expect(listed.json.destination.label).toBe('simulated TikTok');
    const other = await api<{ field: string }>(server.url, 'GET', '/api/audiences?advertiserId=42');
    expect(other).toMatchObject({ status: 422, json: { field: 'advertiserId' } });
    const searched = await api<{ audiences: Array<{ name: string; status: string; jobs: string[] }> }>(
      server.url,
      'GET',
      '/api/audiences?q=sample%20%C2%B7%20e',
    );
    expect(searched.json.audiences.map((a) => [a.name, a.jobs])).toEqual([['Sample · EMAIL', [created.json.id]]]);
    expect(listed.json.audiences.map((a) => a.name).sort()).toEqual([
      'Sample · EMAIL',
      'Sample · MAID',
      'Sample · PHONE',
    ]);
    // The monitor block: per-type counts as the transform reported them, every partition sent, the audience ids.
    const detail = await api<{
      result: {
        transform: { rejects: number; types: Record<string, Record<string, unknown>> };
        upload: { audiences: Array<{ type: string; audienceId: string }> };
      };
      monitor: {
        types: Record<string, Record<string, unknown>>;
        partitions: Array<{ uploaded: boolean; applied: boolean }>;
        audiences: Array<{ type: string; audienceId: string; applied: boolean }>;
      };
    }>(server.url, 'GET', `/api/jobs/${created.json.id}`);
    const { transform, upload } = detail.json.result;
    for (const [type, counts] of Object.entries(transform.types)) {
      const { files: _files, calculateType: _calculateType, ...rest } = counts;
      expect(detail.json.monitor.types[type], type).toEqual(rest);
    }
    expect(detail.json.monitor.partitions).toHaveLength(3);
    expect(detail.json.monitor.partitions.every((p) => p.uploaded && p.applied)).toBe(true);
    expect(detail.json.monitor.audiences.map((a) => [a.type, a.audienceId, a.applied])).toEqual(
      upload.audiences.map((a) => [a.type, a.audienceId, true]),
    );
    // rejects.csv as a download: one row per rejected cell, and never a value from the input.
    const rejects = await fetch(`${server.url}/api/jobs/${created.json.id}/rejects.csv`);
    expect(rejects.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(rejects.headers.get('content-disposition')).toBe(`attachment; filename="${created.json.id}-rejects.csv"`);
    const rejectsText = await rejects.text();
    expect(rejectsText.trim().split('\n')).toHaveLength(transform.rejects + 1);
    for (const raw of ['613 111 1111', '+1(613)111-1111', '111-1111', 'azon', '918f1d4f'])
      expect(rejectsText.toLowerCase()).not.toContain(raw.toLowerCase());
    // Job records and answers carry counts, never raw values.
    const text = JSON.stringify(await api(server.url, 'GET', `/api/jobs/${created.json.id}`));
    for (const raw of ['em@azon.com', 'wefw@af.com', '16134444444', '918f1d4f'])
      expect(text.toLowerCase()).not.toContain(raw);
  });

  it('answers only its own host name (DNS rebinding)', async () => {
    const port = new URL(server.url).port;
    const answer = await rawRequest(server.url, {
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
    expect(answer.json.code).toBe('host_not_allowed');
    expect((await api(server.url, 'GET', '/api/credentials')).json).toMatchObject({ configured: false });
  });

  it('refuses to listen beyond 127.0.0.1 without AUTH_PASSWORD', async () => {
    await expect(startServerProcess({ dataDir: join(base, 'other'), env: { HOST: '0.0.0.0' } })).rejects.toThrow(
      /refusing to listen on 0\.0\.0\.0 without a password/,
    );
  });
});
