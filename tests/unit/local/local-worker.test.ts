import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { openLocalApp, type LocalApp } from '../../../src/local/local-app.ts';
import type { JobStages, UploadOutcome } from '../../../src/local/job-stages.ts';
import { completed, emailPlan, fakeDestination, fakeStages, waitFor } from './fake-stages.ts';

let dataDir: string;
let app: LocalApp | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'au-worker-'));
  writeFileSync(join(dataDir, 'in.csv'), 'email\n');
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

function open(stages: JobStages, options: { maxAttempts?: number; leaseMs?: number } = {}): LocalApp {
  app = openLocalApp({
    dataDir,
    destination: fakeDestination,
    stages: () => stages,
    worker: { concurrency: 2, pollMs: 20, leaseMs: options.leaseMs ?? 5_000 },
    queue: { maxAttempts: options.maxAttempts ?? 3, backoffBaseMs: 30, backoffMaxMs: 100 },
  });
  return app;
}

const finished = (a: LocalApp, id: string) => {
  const job = a.jobStore.get(id);
  return job && ['completed', 'failed', 'partially_failed', 'cancelled'].includes(job.state) ? job : undefined;
};

describe('LocalWorker + JobRunner', () => {
  it('runs a job through every state to completed, with progress and counts', async () => {
    const a = open(fakeStages(async () => completed));
    a.worker?.start();
    const { job } = a.jobs.create(emailPlan, 'api');
    const done = await waitFor(() => finished(a, job.id));
    expect(done).toMatchObject({
      state: 'completed',
      reason: 'Sent 10 ids.',
      progress: { percent: 100 },
      result: { transform: { recordsRead: 10, types: { EMAIL: { unique: 10, files: 1 } } }, upload: { idsSent: 10 } },
    });
    expect(a.jobStore.events(job.id).map((e) => e.data.state)).toEqual([
      'queued',
      'transforming',
      'uploading',
      'processing',
      'completed',
    ]);
    expect(done.outputExpiresAt! - done.finishedAt!).toBe(7 * 24 * 60 * 60 * 1000);
    expect(a.queue.messagesOf(job.id).map((m) => m.state)).toEqual(['done']);
  });

  it('retries a temporary failure with back-off and reuses the finished transform', async () => {
    const stages = fakeStages(async (call) => {
      if (call < 3) throw new Error(`network blip ${call}`);
      return completed;
    });
    const a = open(stages);
    a.worker?.start();
    const { job } = a.jobs.create(emailPlan, 'api');
    const done = await waitFor(() => finished(a, job.id));
    expect(done.state).toBe('completed');
    expect(stages.uploads).toBe(3);
    expect(stages.transforms).toBe(1);
    expect(
      a.jobStore
        .events(job.id)
        .filter((e) => e.type === 'retry')
        .map((e) => e.data.attempt),
    ).toEqual([1, 2]);
  });

  it('dead-letters work that keeps failing and fails the job with the reason and what to do', async () => {
    const a = open(
      fakeStages(async () => {
        throw new Error('disk on fire');
      }),
      { maxAttempts: 2 },
    );
    a.worker?.start();
    const { job } = a.jobs.create(emailPlan, 'api');
    const done = await waitFor(() => finished(a, job.id));
    expect(done.state).toBe('failed');
    expect(done.reason).toBe('Gave up after 2 attempts: disk on fire');
    expect(done.resolution).toMatch(/retry the job/);
    expect(a.queue.deadLetters().map((m) => m.jobId)).toEqual([job.id]);
  });

  it('fails at once (no retry) on a person-facing error', async () => {
    const stages = fakeStages(async () => {
      throw new UserError({
        code: 'bad_token',
        title: 'TikTok refused the token',
        detail: 'Token revoked.',
        resolution: 'Save a new token.',
        kind: 'failure',
      });
    });
    const a = open(stages);
    a.worker?.start();
    const { job } = a.jobs.create(emailPlan, 'api');
    const done = await waitFor(() => finished(a, job.id));
    expect(done).toMatchObject({
      state: 'failed',
      reason: 'TikTok refused the token: Token revoked.',
      resolution: 'Save a new token.',
    });
    expect(stages.uploads).toBe(1);
  });

  it('fails a job whose input disappeared, saying so', async () => {
    const a = open(fakeStages(async () => completed));
    const { job } = a.jobs.create(emailPlan, 'api');
    rmSync(join(dataDir, 'in.csv'));
    a.worker?.start();
    const done = await waitFor(() => finished(a, job.id));
    expect(done).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('Input file is gone'),
      resolution: expect.stringContaining('retry the job'),
    });
  });

  it('cancels a running job, and a retry finishes it without transforming again', async () => {
    let release: (() => void) | undefined;
    const stages = fakeStages(async (call, signal) => {
      if (call === 1) {
        await new Promise<void>((resolve, reject) => {
          release = resolve;
          signal.addEventListener('abort', () => reject(signal.reason));
        });
      }
      return completed;
    });
    const a = open(stages);
    a.worker?.start();
    const { job } = a.jobs.create(emailPlan, 'api');
    await waitFor(() => (release ? true : undefined));
    a.jobs.cancel(job.id);
    const cancelled = await waitFor(() => finished(a, job.id));
    expect(cancelled).toMatchObject({ state: 'cancelled', reason: expect.stringContaining('Cancelled on request') });
    a.jobs.retry(job.id);
    const done = await waitFor(() => finished(a, job.id));
    expect(done.state).toBe('completed');
    expect(stages.transforms).toBe(1);
    expect(() => a.jobs.retry(job.id)).toThrow(/only failed, partially failed or cancelled/);
  });

  it('cancels a queued job at once; deleting removes the job and its hashed output', async () => {
    const a = open(fakeStages(async () => completed));
    const { job } = a.jobs.create(emailPlan, 'api');
    expect(a.jobs.cancel(job.id).state).toBe('cancelled');
    expect(() => a.jobs.cancel(job.id)).toThrow(/already finished/);
    const other = a.jobs.create(emailPlan, 'api').job;
    a.worker?.start();
    await waitFor(() => finished(a, other.id));
    const out = join(a.jobsDir, other.id, 'out');
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    await a.jobs.delete(other.id);
    expect(existsSync(join(a.jobsDir, other.id))).toBe(false);
    expect(a.jobStore.get(other.id)).toBeUndefined();
    expect(() => a.jobs.get(other.id)).toThrow(/Job not found/);
  });

  it('expires hashed output after the retention period but keeps the job record', async () => {
    const a = open(fakeStages(async () => completed));
    a.worker?.start();
    const { job } = a.jobs.create(emailPlan, 'api');
    const done = await waitFor(() => finished(a, job.id));
    expect(await a.jobs.expireOutputs(done.outputExpiresAt! - 1)).toEqual([]);
    expect(await a.jobs.expireOutputs(done.outputExpiresAt!)).toEqual([job.id]);
    expect(existsSync(join(a.jobsDir, job.id))).toBe(false);
    expect(a.jobStore.get(job.id)?.outputDeletedAt).not.toBeNull();
  });

  it('resumes a job left leased by a dead process without waiting for the lease', async () => {
    const first = open(fakeStages(async () => completed));
    // A process that died mid-transform: lease held by a pid that no longer exists, partial output on disk.
    const { job } = first.jobs.create(emailPlan, 'api', {
      owner: `${(await import('node:os')).hostname()}#999999999#server-dead`,
      leaseMs: 3_600_000,
    });
    first.jobStore.setState(job.id, { state: 'transforming', reason: 'was running' });
    mkdirSync(join(first.jobsDir, job.id, 'out', 'email_sha256'), { recursive: true });
    writeFileSync(join(first.jobsDir, job.id, 'out', 'email_sha256', 'part-00000.csv'), 'partial\n');
    await first.close();
    const stages = fakeStages(async () => completed);
    const second = open(stages);
    second.worker?.start();
    const done = await waitFor(() => finished(second, job.id));
    expect(done.state).toBe('completed');
    expect(stages.transforms).toBe(1);
  });
});

export type { UploadOutcome };
