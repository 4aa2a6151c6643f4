// The service seam, mocked: every method a vi.fn with a plausible default answer.
import { vi } from 'vitest';
import { createTestingPinia } from '@pinia/testing';
import { createMemoryHistory, type Router } from 'vue-router';
import { installService, type AudienceUploaderService, type JobSubscriber } from '../../../src/ui/services/service.ts';
import type { Job, Schema } from '../../../src/ui/services/types.ts';
import { createAppRouter } from '../../../src/ui/router.ts';

export const EMULATOR = { kind: 'emulator' as const, label: 'simulated TikTok' };

export const SAMPLE_SCHEMA: Schema = {
  path: 'samples/people.jsonl',
  kind: 'file',
  format: { format: 'jsonl', compression: 'none' },
  sampledRows: 1000,
  columns: [
    { name: 'e-mail', fillRate: 1, examples: ['e***@a***.com'], suggestedType: 'EMAIL', confidence: 1 },
    { name: 'phone_number', fillRate: 0.9, examples: ['+1***44'], suggestedType: 'PHONE', confidence: 0.9 },
    { name: 'age', fillRate: 1, examples: ['3*'], suggestedType: null, confidence: 0 },
  ],
  suggestedMapping: [
    { column: 'e-mail', type: 'EMAIL' },
    { column: 'phone_number', type: 'PHONE' },
  ],
};

export function jobWith(overrides: Partial<Job> = {}): Job {
  return {
    id: '11111111-2222-3333-4444-555555555555',
    state: 'queued',
    reason: 'Waiting for a worker.',
    resolution: null,
    destination: EMULATOR,
    plan: {
      inputs: ['samples/people.jsonl'],
      mapping: [{ column: 'e-mail', type: 'EMAIL' }],
      audience: { name: 'A', action: 'create' },
    },
    progress: {},
    result: null,
    createdAt: '2026-12-01T08:00:00.000Z',
    updatedAt: '2026-12-01T08:00:00.000Z',
    finishedAt: null,
    ...overrides,
  };
}

export type FakeService = {
  [K in keyof AudienceUploaderService]: ReturnType<typeof vi.fn> & AudienceUploaderService[K];
} & {
  /** The subscriber of the latest watchJob call. */
  subscriber(): JobSubscriber | undefined;
  unsubscribed: ReturnType<typeof vi.fn>;
};

export function fakeService(): FakeService {
  let subscriber: JobSubscriber | undefined;
  const unsubscribed = vi.fn();
  const service = {
    health: vi.fn(async () => ({ version: '0.1.0', destination: EMULATOR })),
    listFiles: vi.fn(async (folder: string) => ({
      path: folder,
      entries: [
        {
          name: 'people.jsonl',
          path: 'samples/people.jsonl',
          kind: 'file',
          size: 2048,
          modifiedAt: '2026-12-01T08:00:00.000Z',
        },
        { name: 'parts', path: 'samples/parts', kind: 'folder', size: 0, modifiedAt: '2026-12-01T08:00:00.000Z' },
      ],
    })),
    uploadFile: vi.fn(async ({ file, folder }: { file: File; folder: string }) => ({
      path: folder ? `${folder}/${file.name}` : file.name,
      size: file.size,
    })),
    discoverSchema: vi.fn(async () => structuredClone(SAMPLE_SCHEMA)),
    preview: vi.fn(async () => ({
      sampleRows: 1000,
      columns: [
        { column: 'e-mail', type: 'EMAIL', valid: 1000, prehashed: 0, empty: 0, rejected: {} },
        {
          column: 'phone_number',
          type: 'PHONE',
          valid: 846,
          prehashed: 0,
          empty: 100,
          rejected: { invalid_phone: 54 },
        },
      ],
      types: {
        EMAIL: { valid: 1000, unique: 990, prehashed: 0, empty: 0, rejected: {} },
        PHONE: { valid: 846, unique: 800, prehashed: 0, empty: 100, rejected: { invalid_phone: 54 } },
      },
    })),
    listAudiences: vi.fn(async () => ({
      destination: EMULATOR,
      advertiserId: '7000000000000000001',
      audiences: [
        {
          id: '1796000000000000001',
          name: 'Spring · EMAIL',
          size: 1200,
          type: 'EMAIL_SHA256',
          status: 'valid',
          expiry: null,
          expiringSoon: false,
          jobs: [],
        },
        {
          id: '1796000000000000002',
          name: 'Spring · PHONE',
          size: 900,
          type: 'PHONE_SHA256',
          status: 'calculating',
          expiry: null,
          expiringSoon: true,
          jobs: [],
        },
      ],
    })),
    createJob: vi.fn(async () => jobWith()),
    listJobs: vi.fn(async () => ({ destination: EMULATOR, total: 1, jobs: [jobWith()] })),
    getJob: vi.fn(async (id: string) => jobWith({ id })),
    watchJob: vi.fn((_id: string, next: JobSubscriber) => {
      subscriber = next;
      return unsubscribed;
    }),
    cancelJob: vi.fn(async (id: string) => jobWith({ id, state: 'cancelled' })),
    retryJob: vi.fn(async (id: string) => jobWith({ id, state: 'queued' })),
    deleteJob: vi.fn(async () => undefined),
    rejectsDownload: vi.fn(async (id: string) => ({
      url: `/api/jobs/${id}/rejects.csv`,
      filename: `${id}-rejects.csv`,
    })),
    credentials: vi.fn(async () => ({
      configured: false,
      source: 'none',
      tokenLast4: null,
      advertiserId: '7000000000000000001',
      destination: EMULATOR,
    })),
    saveCredentials: vi.fn(),
    settings: vi.fn(async () => ({ tiktokQps: 10, outputRetentionDays: 7 })),
    saveSettings: vi.fn(async (s: object) => ({ tiktokQps: 10, outputRetentionDays: 7, ...s })),
    subscriber: () => subscriber,
    unsubscribed,
  };
  return service as unknown as FakeService;
}

/** A fresh app world: the mocked seam installed, a testing Pinia running real actions, a memory router. */
export function setup(service = fakeService()): {
  service: FakeService;
  pinia: ReturnType<typeof createTestingPinia>;
  router: Router;
} {
  installService(service);
  const pinia = createTestingPinia({ stubActions: false, createSpy: vi.fn });
  const router = createAppRouter(createMemoryHistory());
  return { service, pinia, router };
}
