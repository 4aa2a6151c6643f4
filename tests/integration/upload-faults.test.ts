import { afterEach, describe, expect, it } from 'vitest';
import { startTikTokEmulator, type RunningEmulator } from '../../src/destinations/tiktok/emulator/tiktok-emulator.ts';
import { RequestRateLimiter, RetryBudget } from '../../src/destinations/tiktok/request-rate-limiter.ts';
import { TikTokClient } from '../../src/destinations/tiktok/tiktok-client.ts';
import { InMemoryUploadLedgerStore } from '../../src/destinations/tiktok/upload-ledger.ts';
import { uploadTransformOutput } from '../../src/destinations/tiktok/upload-orchestrator.ts';
import {
  buildFakeTransformOutput,
  type FakeTransformOutput,
} from '../unit/destinations/tiktok/fake-transform-output.ts';

const ADVERTISER = '7000000000000000001';
const TOKEN = 'fault-test-token-0001';

let emulator: RunningEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function clientAt(
  running: RunningEmulator,
  qps: number,
  retry: { maxAttempts: number; budget: RetryBudget },
): TikTokClient {
  return new TikTokClient({
    baseUrl: running.baseUrl,
    accessToken: TOKEN,
    limiter: new RequestRateLimiter({ ratePerSecond: qps }),
    timeoutMs: 3000,
    retry: { maxAttempts: retry.maxAttempts, baseDelayMs: 100, maxDelayMs: 2000, budget: retry.budget },
    busy: { timeoutMs: 30_000, delayMs: 250 },
  });
}

/**
 * The emulator holds exactly the partitions' ids: none missing, none sent twice, each file applied
 * once. With `resentUpdates`, updates whose answer was lost were sent again (TikTok's set semantics
 * make that harmless): their files may show twice, but only in APPEND/REMOVE/REPLACE operations,
 * never as a second audience.
 */
function expectExactly(running: RunningEmulator, output: FakeTransformOutput, baseName: string, resentUpdates = false) {
  const audiences = running.audiences();
  expect(audiences.map((audience) => audience.name).sort()).toEqual(
    [...output.ids.keys()].map((type) => `${baseName} · ${type}`).sort(),
  );
  const md5ByPath = new Map(running.uploads().map((upload) => [upload.filePath, upload.md5]));
  for (const [type, ids] of output.ids) {
    const audience = audiences.find((candidate) => candidate.name === `${baseName} · ${type}`);
    if (!audience) throw new Error(`no audience for ${type}`);
    expect(audience.idCount).toBe(ids.length);
    expect(running.audienceIds(audience.audienceId)).toEqual([...ids].sort());
    const appliedMd5s = audience.appliedFilePaths.map((path) => md5ByPath.get(path));
    const md5s = (output.manifest.types[type]?.files ?? []).map((file) => file.md5).sort();
    if (resentUpdates) {
      expect([...new Set(appliedMd5s)].sort()).toEqual(md5s);
      continue;
    }
    expect(audience.duplicateIdsReceived).toBe(0);
    expect(audience.idsReceivedTotal).toBe(ids.length);
    expect(appliedMd5s.sort()).toEqual(md5s);
  }
}

describe('upload under faults and throttling', () => {
  it('uploads a 1,000,000-id multi-partition job exactly once through 20% transient faults, with no QPS throttling at budget = emulator QPS', async () => {
    const running = (emulator = await startTikTokEmulator({
      qps: 5,
      faultRate: 0.2,
      faults: { timeout: 0.02 },
      timeoutHangMs: 10_000,
      calculatingMs: 300,
      matchRate: 0.7,
      tokens: [TOKEN],
      advertisers: [ADVERTISER],
      seed: 20_000,
    }));
    const output = buildFakeTransformOutput({
      EMAIL: { ids: 600_000, partitions: 5 },
      PHONE: { ids: 400_000, partitions: 3 },
    });
    const result = await uploadTransformOutput({
      manifest: output.manifest,
      readPartition: output.readPartition,
      audience: { name: 'Fault', action: 'create' },
      advertiserId: ADVERTISER,
      client: clientAt(running, 5, { maxAttempts: 8, budget: new RetryBudget() }),
      ledger: new InMemoryUploadLedgerStore(),
      ledgerId: 'fault-job',
      batchSize: 2,
      poll: { timeoutMs: 20_000, intervalMs: 250 },
      // A create the faults dropped (the seed's sequence has none today, but a client timeout on a
      // loaded machine shifts it) is looked up for 2 s, not the default 5 minutes: the emulator's list
      // never lags behind a create.
      createLookupWindowMs: 2_000,
      createLookupIntervalMs: 100,
    });
    expectExactly(running, output, 'Fault');
    const log = running.requestLog();
    expect(log.filter((entry) => entry.fault !== null).length).toBeGreaterThan(0);
    expect(log.filter((entry) => entry.throttled)).toEqual([]);
    for (const audience of result.audiences) {
      expect(audience.isValid).toBe(true);
      // matchRate 0.7 is per id (deterministic), so the share is close to it, and cover_num ÷ ids sent.
      expect(audience.matchRate).toBeCloseTo((audience.coverNum ?? 0) / audience.idsSent, 10);
      expect(audience.matchRate).toBeGreaterThan(0.68);
      expect(audience.matchRate).toBeLessThan(0.72);
    }
  }, 120_000);

  it('settles writes whose answers never came (timeouts, dropped connections): lost creates found by name, lost updates resent; one audience per type with exactly its ids', async () => {
    const running = (emulator = await startTikTokEmulator({
      qps: 100,
      faults: { timeout: 0.15, drop: 0.15 },
      timeoutHangMs: 2000,
      calculatingMs: 100,
      tokens: [TOKEN],
      advertisers: [ADVERTISER],
      seed: 77,
    }));
    const output = buildFakeTransformOutput({
      EMAIL: { ids: 9000, partitions: 6 },
      GAID: { ids: 3000, partitions: 2 },
    });
    const client = new TikTokClient({
      baseUrl: running.baseUrl,
      accessToken: TOKEN,
      limiter: new RequestRateLimiter({ ratePerSecond: 100 }),
      timeoutMs: 400,
      retry: { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 200, budget: new RetryBudget({ capacity: 500 }) },
      busy: { delayMs: 200 },
    });
    await uploadTransformOutput({
      manifest: output.manifest,
      readPartition: output.readPartition,
      audience: { name: 'Lost', action: 'create' },
      advertiserId: ADVERTISER,
      client,
      ledger: new InMemoryUploadLedgerStore(),
      ledgerId: 'lost-answers',
      batchSize: 1,
      poll: { timeoutMs: 10_000, intervalMs: 200 },
      // The emulator's list never lags: a short window only shortens the wait after a create that was lost before TikTok saw it.
      createLookupWindowMs: 1_000,
      createLookupIntervalMs: 50,
    });
    const lostWrites = running
      .requestLog()
      .filter(
        (entry) =>
          entry.method === 'POST' &&
          (entry.fault === 'timeout' || entry.fault === 'drop') &&
          !entry.path.endsWith('/upload/'),
      );
    expect(lostWrites.length).toBeGreaterThan(0);
    expectExactly(running, output, 'Lost', true);
    expect(running.operations().filter((operation) => operation.action === 'CREATE')).toHaveLength(2);
  }, 60_000);

  it('recovers from the emulator throttling a client whose budget is too high, still exactly once', async () => {
    const running = (emulator = await startTikTokEmulator({
      qps: 5,
      calculatingMs: 100,
      tokens: [TOKEN],
      advertisers: [ADVERTISER],
      seed: 5,
    }));
    const output = buildFakeTransformOutput({ EMAIL: { ids: 12_000, partitions: 8 } });
    await uploadTransformOutput({
      manifest: output.manifest,
      readPartition: output.readPartition,
      audience: { name: 'Greedy', action: 'create' },
      advertiserId: ADVERTISER,
      client: clientAt(running, 25, { maxAttempts: 30, budget: new RetryBudget({ capacity: 1000 }) }),
      ledger: new InMemoryUploadLedgerStore(),
      ledgerId: 'greedy-job',
      batchSize: 3,
      poll: { timeoutMs: 10_000, intervalMs: 200 },
    });
    expect(running.requestLog().filter((entry) => entry.throttled).length).toBeGreaterThan(0);
    expectExactly(running, output, 'Greedy');
  }, 60_000);
});
