import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, isFinished, startServerProcess, waitForJob, type ServerProcess } from './server-process.ts';

let base: string;
let server: ServerProcess;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'au-load-'));
  server = await startServerProcess({
    dataDir: join(base, 'data'),
    env: { AU_SKIP_UI_BUILD: '1', AU_EMULATOR_OPTIONS: JSON.stringify({ calculatingMs: 100, qps: 50 }) },
  });
});
afterAll(async () => {
  await server?.stop();
  rmSync(base, { recursive: true, force: true });
});

describe('local mode under load', () => {
  it('completes 20 jobs submitted at once, each to its own audience, while the API keeps answering', async () => {
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api<{ id: string }>(server.url, 'POST', '/api/jobs', {
          inputs: ['samples/clean-rooms-sample.jsonl'],
          mapping: [{ column: 'e-mail', type: 'EMAIL' }],
          audience: { name: `Load ${i}`, action: 'create' },
        }),
      ),
    );
    expect(created.map((c) => c.status)).toEqual(Array(20).fill(201));
    // Reads while the jobs run (no timing assertion: figures go to bench/RESULTS.md via npm run bench:api).
    const reads = await Promise.all(
      Array.from({ length: 40 }, (_, i) => api(server.url, 'GET', i % 2 ? '/api/jobs?limit=20' : '/api/health')),
    );
    expect(reads.every((r) => r.status === 200)).toBe(true);
    const done = await Promise.all(created.map((c) => waitForJob(server.url, c.json.id, isFinished, 150_000, 250)));
    expect(done.map((job) => job.state)).toEqual(Array(20).fill('completed'));
    const audiences = await api<{ audiences: Array<{ name: string }> }>(server.url, 'GET', '/api/audiences');
    expect(audiences.json.audiences.map((a) => a.name).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `Load ${i} · EMAIL`).sort(),
    );
    expect(new Set(done.map((job) => job.result?.upload?.audiences[0]?.audienceId)).size).toBe(20);
  }, 240_000);
});
