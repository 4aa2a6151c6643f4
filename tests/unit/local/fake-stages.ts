import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../../src/core/transform/manifest.ts';
import { jobPlanSchema } from '../../../src/core/plan.ts';
import type { LocalDestination } from '../../../src/local/local-app.ts';
import type { JobStages, UploadOutcome } from '../../../src/local/job-stages.ts';

/** Stages that write a small manifest and let each test decide what the upload does. */
export function fakeStages(
  upload: (call: number, signal: AbortSignal) => Promise<UploadOutcome>,
): JobStages & { transforms: number; uploads: number } {
  const stages = {
    transforms: 0,
    uploads: 0,
    async transform({
      outDir,
      onProgress,
    }: {
      outDir: string;
      onProgress: (p: { recordsRead: number; bytesRead: number; totalBytes: number }) => void;
    }): Promise<Manifest> {
      stages.transforms += 1;
      onProgress({ recordsRead: 10, bytesRead: 100, totalBytes: 100 });
      const manifest = {
        manifestVersion: 1,
        rules: { profile: 'tiktok', version: 1 },
        inputs: [],
        options: {
          phoneRegion: 'US',
          phoneFormat: 'digits',
          emailDots: 'keep',
          prehashed: 'accept',
          maxFileBytes: 1024,
        },
        mapping: [{ column: 'email', type: 'EMAIL' }],
        recordsRead: 10,
        malformedRecords: 0,
        types: {
          EMAIL: {
            calculateType: 'EMAIL_SHA256',
            columns: ['email'],
            valid: 10,
            prehashed: 0,
            empty: 0,
            rejected: {},
            duplicates: 0,
            unique: 10,
            files: [{ path: 'email_sha256/part-00000.csv', rows: 10, bytes: 650, md5: 'x' }],
          },
        },
        rejects: { path: 'rejects.csv', rows: 0 },
      } satisfies Manifest;
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest));
      return manifest;
    },
    async upload({
      signal,
      onProgress,
    }: {
      signal: AbortSignal;
      onProgress: (p: { phase: 'uploading' | 'processing'; filesUploaded: number; filesTotal: number }) => void;
    }): Promise<UploadOutcome> {
      stages.uploads += 1;
      onProgress({ phase: 'uploading', filesUploaded: 1, filesTotal: 1 });
      onProgress({ phase: 'processing', filesUploaded: 1, filesTotal: 1 });
      return upload(stages.uploads, signal);
    },
  };
  return stages;
}

export const completed: UploadOutcome = { state: 'completed', reason: 'Sent 10 ids.', summary: { idsSent: 10 } };

export function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const value = probe();
      if (value !== undefined) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out waiting'));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** A destination for tests that never reach TikTok: the simulated label, no audiences, no credentials. */
export const fakeDestination: LocalDestination = {
  current: () => ({ kind: 'emulator', label: 'simulated TikTok' }),
  listAudiences: async () => ({ advertiserId: '1', audiences: [] }),
  credentialsStatus: async () => ({
    configured: false,
    source: 'none',
    tokenLast4: null,
    advertiserId: null,
    destination: { kind: 'emulator', label: 'simulated TikTok' },
  }),
  saveCredentials: async () => {
    throw new Error('not in this test');
  },
  close: async () => {},
};

/** One email column of `in.csv`, created as audience A. */
export const emailPlan = jobPlanSchema.parse({
  inputs: ['in.csv'],
  mapping: [{ column: 'email', type: 'EMAIL' }],
  audience: { name: 'A', action: 'create' },
});
