import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalInputs } from '../../src/adapters/node/local-inputs.ts';
import { runTransform } from '../../src/adapters/node/transform/run-transform.ts';
import { jobPlanSchema } from '../../src/core/plan.ts';
import { engineStages } from '../../src/local/engine-stages.ts';
import { openLocalApp, type LocalApp } from '../../src/local/local-app.ts';
import { openTikTokDestination, type TikTokDestination } from '../../src/local/tiktok-destination.ts';
import { waitFor } from '../unit/local/fake-stages.ts';

const LEASE_MS = 300;
let dir: string;
let app: LocalApp | undefined;
let destination: TikTokDestination | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'au-lease-'));
  const rows = ['email'];
  for (let i = 0; i < 1500; i += 1) rows.push(`lease${i}@example.com`);
  writeFileSync(join(dir, 'in.csv'), `${rows.join('\n')}\n`);
});
afterEach(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Blocks the thread like a CPU-heavy sort or a slow fsync would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('a run outlasting its lease in the final phase', () => {
  it('keeps its lease (the final phase yields) and is never claimed a second time: one run, one upload, one create', async () => {
    destination = openTikTokDestination({ dataDir: dir, emulatorOptions: { calculatingMs: 20, latencyMs: 0 } });
    const tiktok = destination;
    let transforms = 0;
    app = openLocalApp({
      dataDir: dir,
      destination: tiktok,
      worker: { concurrency: 2, leaseMs: LEASE_MS, pollMs: 10 },
      stages: ({ ledger }) => {
        const engine = engineStages({ ledger, connect: tiktok.connect });
        return {
          upload: engine.upload,
          async transform({ inputPaths, plan, outDir, tempDir, signal, onProgress }) {
            transforms += 1;
            return runTransform({
              inputs: await openLocalInputs(inputPaths),
              mapping: plan.mapping,
              options: plan.options,
              outDir,
              tempDir,
              signal,
              onProgress,
              overwrite: true,
              workers: 1,
              // 15 slices of 100 digests, each holding the thread for 90 ms: 1.35 s, 4.5 leases.
              finalSliceDigests: 100,
              onFinalSlice: () => busy(90),
            });
          },
        };
      },
    });
    app.worker?.start();
    const plan = jobPlanSchema.parse({
      inputs: ['in.csv'],
      mapping: [{ column: 'email', type: 'EMAIL' }],
      audience: { name: 'Lease', action: 'create' },
    });
    const { job } = app.jobs.create(plan, 'api');
    const done = await waitFor(() => {
      const current = app?.jobStore.get(job.id);
      return current && ['completed', 'failed', 'partially_failed'].includes(current.state) ? current : undefined;
    }, 60_000);
    expect(done.state, done.reason ?? '').toBe('completed');
    const emulator = tiktok.emulator();
    const calls = (path: string) =>
      emulator?.requestLog().filter((entry) => entry.path.includes(path) && entry.code === 0).length;
    expect(transforms).toBe(1);
    expect(calls('/file/upload/')).toBe(1);
    expect(calls('/custom_audience/create/')).toBe(1);
    expect(emulator?.audiences().filter((audience) => audience.name === 'Lease · EMAIL')).toHaveLength(1);
    expect(app.queue.messagesOf(job.id).map((message) => [message.state, message.attempts])).toEqual([['done', 1]]);
    expect(app.jobStore.get(job.id)?.runGeneration).toBe(1);
  });
});
