import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalApp, type LocalApp } from '../../../src/local/local-app.ts';
import type { UploadOutcome } from '../../../src/local/job-stages.ts';
import { completed, emailPlan, fakeDestination, fakeStages, waitFor } from './fake-stages.ts';

const refused: UploadOutcome = { state: 'failed', reason: 'TikTok refused.', resolution: 'Fix it.', summary: {} };
const TTL_MS = 60_000;
/** Far past every expiry these tests set. */
const later = () => Date.now() + 100 * TTL_MS;

let dataDir: string;
let app: LocalApp | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'au-retention-'));
  writeFileSync(join(dataDir, 'in.csv'), 'email\n');
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

function open(upload: (call: number) => Promise<UploadOutcome>): LocalApp {
  app = openLocalApp({
    dataDir,
    destination: fakeDestination,
    stages: () => fakeStages(upload),
    worker: { concurrency: 1, pollMs: 10 },
    outputTtlMs: TTL_MS,
  });
  app.worker?.start();
  return app;
}

const inState = (a: LocalApp, id: string, state: string) => {
  const job = a.jobStore.get(id);
  return job?.state === state ? job : undefined;
};

describe('retention of hashed output', () => {
  it('never deletes the output of a retried job while it runs (its old expiry no longer applies)', async () => {
    let release: (() => void) | undefined;
    const a = open(async (call) => {
      if (call === 1) return refused;
      await new Promise<void>((resolve) => (release = resolve));
      return completed;
    });
    const { job } = a.jobs.create(emailPlan, 'api');
    await waitFor(() => inState(a, job.id, 'failed'));
    a.jobs.retry(job.id);
    await waitFor(() => release);
    const manifest = join(a.jobsDir, job.id, 'out', 'manifest.json');
    expect(await a.jobs.expireOutputs(later())).toEqual([]);
    expect(existsSync(manifest)).toBe(true);
    release?.();
    const done = await waitFor(() => inState(a, job.id, 'completed'));
    expect(done.outputDeletedAt).toBeNull();
    expect(existsSync(manifest)).toBe(true);
  });

  it('sweeps the new output of a job whose earlier output was swept, once it expires in turn', async () => {
    const a = open(async (call) => (call === 1 ? refused : completed));
    const { job } = a.jobs.create(emailPlan, 'api');
    await waitFor(() => inState(a, job.id, 'failed'));
    expect(await a.jobs.expireOutputs(later())).toEqual([job.id]);
    expect(existsSync(join(a.jobsDir, job.id))).toBe(false);
    a.jobs.retry(job.id);
    const done = await waitFor(() => inState(a, job.id, 'completed'));
    expect(done.outputDeletedAt).toBeNull();
    expect(done.outputExpiresAt).toBe((done.finishedAt ?? 0) + TTL_MS);
    const manifest = join(a.jobsDir, job.id, 'out', 'manifest.json');
    expect(existsSync(manifest)).toBe(true);
    expect(await a.jobs.expireOutputs((done.outputExpiresAt ?? 0) - 1)).toEqual([]);
    expect(await a.jobs.expireOutputs(done.outputExpiresAt ?? 0)).toEqual([job.id]);
    expect(existsSync(join(a.jobsDir, job.id))).toBe(false);
    expect(a.jobStore.get(job.id)?.outputDeletedAt).not.toBeNull();
  });
});
