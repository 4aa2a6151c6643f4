import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalInputs } from '../../src/adapters/node/local-inputs.ts';
import { runTransform } from '../../src/adapters/node/transform/run-transform.ts';
import { jobPlanSchema } from '../../src/core/plan.ts';
import type { Manifest } from '../../src/core/transform/manifest.ts';
import { engineStages } from '../../src/local/engine-stages.ts';
import { openLocalApp, type LocalApp } from '../../src/local/local-app.ts';
import { openTikTokDestination } from '../../src/local/tiktok-destination.ts';
import { waitFor } from '../unit/local/fake-stages.ts';

const ROWS = 40_000;
let dir: string;
let app: LocalApp | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'au-worker-kill-'));
  const rows = ['email'];
  for (let i = 0; i < ROWS; i += 1) rows.push(`killed${i}@example.com`);
  writeFileSync(join(dir, 'in.csv'), `${rows.join('\n')}\n`);
});
afterEach(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a transform worker thread killed mid-run', () => {
  it('fails that run without writing any output; the retry transforms cleanly and uploads once', async () => {
    const tiktok = openTikTokDestination({ dataDir: dir, emulatorOptions: { calculatingMs: 20 } });
    let runs = 0;
    let outputWhenKilled: string[] | undefined;
    app = openLocalApp({
      dataDir: dir,
      destination: tiktok,
      worker: { concurrency: 1, pollMs: 10 },
      queue: { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 50 },
      stages: ({ ledger }) => {
        const engine = engineStages({ ledger, connect: tiktok.connect });
        return {
          upload: engine.upload,
          async transform({ inputPaths, plan, outDir, tempDir, signal, onProgress }) {
            runs += 1;
            const run = runs;
            let batches = 0;
            let kill: (() => Promise<void>) | undefined;
            return runTransform({
              inputs: await openLocalInputs(inputPaths),
              mapping: plan.mapping,
              options: plan.options,
              maxFileBytes: plan.maxFileBytes,
              outDir,
              tempDir,
              signal,
              onProgress,
              overwrite: true,
              workers: 2,
              inThreadMaxBytes: 0, // always worker threads
              onWorkerPool: (pool) => (kill = () => pool.terminateWorker(1)),
              onBatch: () => {
                batches += 1;
                if (run === 1 && batches === 2) {
                  const jobDir = join(dir, '.jobs', readdirSync(join(dir, '.jobs'))[0] as string);
                  outputWhenKilled = readdirSync(jobDir);
                  void kill?.();
                }
              },
            });
          },
        };
      },
    });
    app.worker?.start();
    const plan = jobPlanSchema.parse({
      inputs: ['in.csv'],
      mapping: [{ column: 'email', type: 'EMAIL' }],
      maxFileBytes: 65 * 10_000,
      audience: { name: 'Killed', action: 'create' },
    });
    const { job } = app.jobs.create(plan, 'api');
    const done = await waitFor(() => {
      const current = app?.jobStore.get(job.id);
      return current && ['completed', 'failed', 'partially_failed'].includes(current.state) ? current : undefined;
    }, 60_000);
    expect(done.state, done.reason ?? '').toBe('completed');
    expect(runs).toBe(2);
    // While the first run transformed, out/ did not exist: its partitions were in its own run folder.
    expect(outputWhenKilled).toEqual(['run-1']);
    const events = app.jobStore.events(job.id).filter((event) => event.type === 'retry');
    expect(events).toHaveLength(1);

    // What is left is exactly the second run's output: every partition matches the manifest.
    const jobDir = join(dir, '.jobs', job.id);
    expect(readdirSync(jobDir)).toEqual(['out']);
    const out = join(jobDir, 'out');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    const files = manifest.types.EMAIL?.files ?? [];
    expect(files.map((file) => file.path)).toEqual([
      'email_sha256/part-00000.csv',
      'email_sha256/part-00001.csv',
      'email_sha256/part-00002.csv',
      'email_sha256/part-00003.csv',
    ]);
    expect(readdirSync(join(out, 'email_sha256')).sort()).toEqual(files.map((file) => file.path.split('/')[1]));
    for (const file of files) {
      const bytes = readFileSync(join(out, file.path));
      expect(createHash('md5').update(bytes).digest('hex'), file.path).toBe(file.md5);
    }
    expect(manifest.types.EMAIL?.unique).toBe(ROWS);
    expect(existsSync(join(out, 'rejects.csv'))).toBe(true);

    const emulator = tiktok.emulator();
    const ok = (path: string) => emulator?.requestLog().filter((e) => e.path.includes(path) && e.code === 0).length;
    expect(ok('/file/upload/')).toBe(4);
    expect(ok('/custom_audience/create/')).toBe(1);
    const [audience] = emulator?.audiences() ?? [];
    expect(emulator?.audienceIds(audience?.audienceId ?? '')).toHaveLength(ROWS);
  });
});
