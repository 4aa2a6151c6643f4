import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTikTokEmulator } from '../../src/destinations/tiktok/emulator/tiktok-emulator.ts';
import { api, isFinished, startServerProcess, waitForJob, type ServerProcess } from './server-process.ts';

const ROWS = 300_000;
const email = (i: number) => `user${i}@example.com`;

let base: string;
let dataDir: string;
let server: ServerProcess | undefined;
const env = { AU_SKIP_UI_BUILD: '1', AU_EMULATOR_OPTIONS: JSON.stringify({ latencyMs: 400, calculatingMs: 300 }) };

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'au-crash-'));
  dataDir = join(base, 'data');
  mkdirSync(dataDir, { recursive: true });
  const lines = ['id,email'];
  for (let i = 0; i < ROWS; i += 1) lines.push(`${i},${email(i)}`);
  writeFileSync(join(dataDir, 'big.csv'), `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await server?.stop('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

describe('crash and restart', () => {
  it('finishes a job killed (SIGKILL) during transform and again during upload, sending no id or file twice', async () => {
    server = await startServerProcess({ dataDir, env });
    const created = await api<{ id: string }>(server.url, 'POST', '/api/jobs', {
      inputs: ['big.csv'],
      mapping: [{ column: 'email', type: 'EMAIL' }],
      maxFileBytes: 2_000_000,
      audience: { name: 'Crash', action: 'create' },
    });
    expect(created.status).toBe(201);
    const id = created.json.id;
    const outDir = join(dataDir, '.jobs', id, 'out');

    // 1. Killed while transforming: no manifest yet.
    const transforming = await waitForJob(
      server.url,
      id,
      (job) => job.state === 'transforming' && (job.progress.recordsRead ?? 0) > 0,
      60_000,
      20,
    );
    expect(transforming.state).toBe('transforming');
    await server.stop('SIGKILL');
    expect(existsSync(join(outDir, 'manifest.json'))).toBe(false);

    // 2. Restarted: the job resumes on its own; killed again once some partitions are uploaded.
    server = await startServerProcess({ dataDir, env });
    const uploading = await waitForJob(
      server.url,
      id,
      (job) => job.state === 'uploading' && (job.progress.filesUploaded ?? 0) >= 3,
      90_000,
      20,
    );
    expect(uploading.progress.filesTotal).toBeGreaterThanOrEqual(8);
    await server.stop('SIGKILL');
    expect(existsSync(join(outDir, 'manifest.json'))).toBe(true);

    // 3. Restarted again: it completes.
    server = await startServerProcess({ dataDir, env });
    const done = await waitForJob(server.url, id, isFinished, 90_000);
    expect(done.state, done.reason ?? '').toBe('completed');
    expect(done.result?.upload?.audiences).toEqual([expect.objectContaining({ type: 'EMAIL', idsSent: ROWS })]);
    // The history shows each restart picking the job up: the transform redone once, the upload resumed.
    const stream = await (await fetch(`${server.url}/api/jobs/${id}/events`)).text();
    const states = [...stream.matchAll(/event: state\ndata: (.*)\n/g)].map(
      (m) => (JSON.parse(m[1] ?? '{}') as { state: string }).state,
    );
    expect(states).toEqual([
      'queued',
      'transforming',
      'transforming',
      'uploading',
      'uploading',
      'processing',
      'completed',
    ]);
    await server.stop();
    server = undefined;

    // What the (persisted) emulator received: one audience, every id exactly once, every file once.
    const emulator = await startTikTokEmulator({ statePath: join(dataDir, '.emulator', 'state.json') });
    try {
      const audiences = emulator.audiences();
      expect(audiences.map((a) => a.name)).toEqual(['Crash · EMAIL']);
      const [audience] = audiences;
      const expected = Array.from({ length: ROWS }, (_, i) =>
        createHash('sha256').update(email(i)).digest('hex'),
      ).sort();
      expect(emulator.audienceIds(audience!.audienceId)).toEqual(expected);
      expect(audience).toMatchObject({ idCount: ROWS, idsReceivedTotal: ROWS, duplicateIdsReceived: 0 });
      expect(emulator.operations().map((op) => op.action)).toHaveLength(1);
      const md5s = emulator.uploads().map((upload) => upload.md5);
      expect(new Set(md5s).size).toBe(md5s.length);
      expect(md5s.length).toBe(done.progress.filesTotal);
    } finally {
      await emulator.close();
    }
  }, 240_000);
});
