import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTikTokEmulator, type RunningEmulator } from '../../src/destinations/tiktok/emulator/tiktok-emulator.ts';
import { RequestRateLimiter, RetryBudget } from '../../src/destinations/tiktok/request-rate-limiter.ts';
import { TikTokClient, md5Hex, type TikTokClientOptions } from '../../src/destinations/tiktok/tiktok-client.ts';
import { TikTokApiError } from '../../src/destinations/tiktok/tiktok-errors.ts';
import { randomSha256Ids } from '../unit/destinations/tiktok/fake-transform-output.ts';
import { rejectionOf } from '../helpers/rejection-of.ts';

const ADVERTISER = '7000000000000000001';
const TOKEN = 'contract-token-abcd';

let emulator: RunningEmulator;

function client(extra: Partial<TikTokClientOptions> = {}): TikTokClient {
  return new TikTokClient({
    baseUrl: emulator.baseUrl,
    accessToken: TOKEN,
    limiter: new RequestRateLimiter({ ratePerSecond: 200 }),
    timeoutMs: 5000,
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50, budget: new RetryBudget() },
    busy: { timeoutMs: 10_000, delayMs: 100 },
    ...extra,
  });
}

function csv(ids: string[]): Uint8Array {
  return Buffer.from(ids.map((id) => `${id}\n`).join(''));
}

function caught(promise: Promise<unknown>): Promise<TikTokApiError> {
  return rejectionOf(promise, TikTokApiError);
}

beforeAll(async () => {
  emulator = await startTikTokEmulator({
    qps: 1000,
    calculatingMs: 150,
    matchRate: 1,
    tokens: [TOKEN],
    advertisers: [ADVERTISER],
    seed: 1,
  });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
  emulator.configure({ calculatingMs: 150, fileTtlMs: 60 * 60_000, faultRate: 0, faults: {} });
});

describe('TikTokClient against the emulator', () => {
  it('uploads, creates, appends, removes, replaces, renames, gets, lists and deletes', async () => {
    const api = client();
    const first = randomSha256Ids(1500);
    const second = randomSha256Ids(800);
    const uploadA = await api.uploadFile({
      advertiserId: ADVERTISER,
      calculateType: 'EMAIL_SHA256',
      fileName: 'a.csv',
      bytes: csv(first),
    });
    const uploadB = await api.uploadFile({
      advertiserId: ADVERTISER,
      calculateType: 'EMAIL_SHA256',
      fileName: 'b.csv',
      bytes: csv(second),
    });
    expect(uploadA.requestId).toBeTruthy();
    const uploads = emulator.uploads();
    expect(uploads.map((upload) => upload.md5).sort()).toEqual([md5Hex(csv(first)), md5Hex(csv(second))].sort());
    expect(uploads.find((upload) => upload.filePath === uploadA.filePath)?.rows).toBe(1500);

    const { audienceId } = await api.createAudience({
      advertiserId: ADVERTISER,
      name: 'Contract · EMAIL',
      calculateType: 'EMAIL_SHA256',
      filePaths: [uploadA.filePath],
      retentionInDays: 30,
    });
    expect(emulator.audienceIds(audienceId)).toEqual([...first].sort());

    // The audience is calculating: the client waits the busy answer out.
    await api.updateAudience({ advertiserId: ADVERTISER, audienceId, filePaths: [uploadB.filePath], action: 'APPEND' });
    expect(emulator.audienceIds(audienceId)).toEqual([...first, ...second].sort());
    await api.updateAudience({ advertiserId: ADVERTISER, audienceId, filePaths: [uploadB.filePath], action: 'REMOVE' });
    expect(emulator.audienceIds(audienceId)).toEqual([...first].sort());
    const replacement = randomSha256Ids(1200);
    const uploadC = await api.uploadFile({
      advertiserId: ADVERTISER,
      calculateType: 'EMAIL_SHA256',
      fileName: 'c.txt',
      bytes: csv(replacement),
    });
    await api.updateAudience({
      advertiserId: ADVERTISER,
      audienceId,
      filePaths: [uploadC.filePath],
      action: 'REPLACE',
    });
    expect(emulator.audienceIds(audienceId)).toEqual([...replacement].sort());
    await api.renameAudience({ advertiserId: ADVERTISER, audienceId, name: 'Renamed · EMAIL' });

    // Wait until the emulator has calculated the audience (a condition, not a fixed pause).
    let [details] = await api.getAudiences({ advertiserId: ADVERTISER, audienceIds: [audienceId], historySize: 10 });
    for (const deadline = Date.now() + 10_000; details?.isValid === false && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      [details] = await api.getAudiences({ advertiserId: ADVERTISER, audienceIds: [audienceId], historySize: 10 });
    }
    expect(details?.audienceId).toBe(audienceId);
    expect(details?.name).toBe('Renamed · EMAIL');
    expect(details?.calculateType).toBe('EMAIL_SHA256');
    expect(details?.isValid).toBe(true);
    expect(details?.coverNum).toBe(1200); // match rate 1: every distinct id matches
    // The order of history entries is TikTok's (not documented); compare as a set.
    expect(details?.history.map((entry) => entry.action).sort()).toEqual([
      'APPEND',
      'CREATE',
      'REMOVE',
      'RENAME',
      'REPLACE',
    ]);
    expect(details?.history.every((entry) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(entry.optTime))).toBe(true);

    const listed = await api.listAudiences({ advertiserId: ADVERTISER });
    expect(listed.map((audience) => audience.audienceId)).toEqual([audienceId]);
    await api.deleteAudiences({ advertiserId: ADVERTISER, audienceIds: [audienceId] });
    expect(await api.listAudiences({ advertiserId: ADVERTISER })).toEqual([]);
    const writes = emulator.requestLog().filter((entry) => entry.method === 'POST');
    expect(writes.every((entry) => entry.path.endsWith('/'))).toBe(true);
  });

  it('lists every page, the last one included', async () => {
    const api = client();
    const upload = await api.uploadFile({
      advertiserId: ADVERTISER,
      calculateType: 'PHONE_SHA256',
      fileName: 'p.csv',
      bytes: csv(randomSha256Ids(10)),
    });
    const created: string[] = [];
    for (let i = 0; i < 7; i += 1)
      created.push(
        (
          await api.createAudience({
            advertiserId: ADVERTISER,
            name: `Paged ${i}`,
            calculateType: 'PHONE_SHA256',
            filePaths: [upload.filePath],
          })
        ).audienceId,
      );
    const listed = await api.listAudiences({ advertiserId: ADVERTISER, pageSize: 3 });
    expect(listed.map((audience) => audience.audienceId).sort()).toEqual([...created].sort());
    const listCalls = emulator.requestLog().filter((entry) => entry.path.endsWith('/list/'));
    expect(listCalls).toHaveLength(3);
    expect((await api.findAudiencesByName(ADVERTISER, 'Paged 6')).map((audience) => audience.audienceId)).toEqual([
      created[6],
    ]);
  });

  it('maps the emulator refusals to the error taxonomy, keeping request_id', async () => {
    const api = client();
    const revoked = await caught(
      client({ accessToken: 'revoked-token-9999' }).listAudiences({ advertiserId: ADVERTISER }),
    );
    expect([revoked.kind, revoked.code]).toEqual(['credentials', 40105]);
    expect(revoked.requestId).toMatch(/\S+/);
    expect(emulator.requestLog().some((entry) => entry.requestId === revoked.requestId)).toBe(true);

    const unknownAdvertiser = await caught(api.listAudiences({ advertiserId: '123' }));
    expect(unknownAdvertiser.kind).toBe('not_found');

    const missing = await caught(api.getAudiences({ advertiserId: ADVERTISER, audienceIds: ['999999'] }));
    expect([missing.kind, missing.code]).toEqual(['not_found', 40007]);

    const small = await api.uploadFile({
      advertiserId: ADVERTISER,
      calculateType: 'EMAIL_SHA256',
      fileName: 's.csv',
      bytes: csv(randomSha256Ids(1100)),
    });
    const { audienceId } = await api.createAudience({
      advertiserId: ADVERTISER,
      name: 'Floor',
      calculateType: 'EMAIL_SHA256',
      filePaths: [small.filePath],
    });
    const floor = await caught(
      api.updateAudience({ advertiserId: ADVERTISER, audienceId, filePaths: [small.filePath], action: 'REMOVE' }),
    );
    expect([floor.kind, floor.code]).toEqual(['invalid', 40002]);

    const wrongType = await caught(
      api.updateAudience({
        advertiserId: ADVERTISER,
        audienceId,
        filePaths: [
          (
            await api.uploadFile({
              advertiserId: ADVERTISER,
              calculateType: 'PHONE_SHA256',
              fileName: 'x.csv',
              bytes: csv(randomSha256Ids(5)),
            })
          ).filePath,
        ],
        action: 'APPEND',
      }),
    );
    expect(wrongType.kind).toBe('invalid');

    emulator.configure({ fileTtlMs: 1 });
    const soonExpired = await api.uploadFile({
      advertiserId: ADVERTISER,
      calculateType: 'EMAIL_SHA256',
      fileName: 'e.csv',
      bytes: csv(randomSha256Ids(5)),
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const expired = await caught(
      api.createAudience({
        advertiserId: ADVERTISER,
        name: 'Expired',
        calculateType: 'EMAIL_SHA256',
        filePaths: [soonExpired.filePath],
      }),
    );
    expect([expired.kind, expired.code]).toEqual(['file_expired', 40910]);

    const withoutSlash = ((input: string | URL | Request, init?: RequestInit) =>
      fetch(String(input).replace('/list/?', '/list?'), init)) as typeof fetch;
    const noSlash = await caught(client({ fetch: withoutSlash }).listAudiences({ advertiserId: ADVERTISER }));
    expect([noSlash.kind, noSlash.httpStatus]).toEqual(['not_found', 404]);
    expect(noSlash.resolution).toContain('/open_api/v1.3');
    const wrongBase = await caught(
      client({ baseUrl: emulator.baseUrl.replace('/open_api/v1.3', '/api') }).listAudiences({
        advertiserId: ADVERTISER,
      }),
    );
    expect(wrongBase.kind).toBe('not_found');
  });

  it('reports a signature mismatch (40900) when the bytes differ from the MD5', async () => {
    const tampering = (async (input: string | URL | Request, init?: RequestInit) => {
      if (init?.body instanceof FormData) {
        const form = new FormData();
        for (const [key, value] of init.body.entries())
          form.append(key, key === 'file_signature' ? '0'.repeat(32) : value);
        return fetch(input, { ...init, body: form });
      }
      return fetch(input, init);
    }) as typeof fetch;
    const error = await caught(
      client({ fetch: tampering }).uploadFile({
        advertiserId: ADVERTISER,
        calculateType: 'EMAIL_SHA256',
        fileName: 'm.csv',
        bytes: csv(randomSha256Ids(3)),
      }),
    );
    expect([error.kind, error.code]).toEqual(['signature_mismatch', 40900]);
  });

  it('retries injected transient faults and gives up on a hanging request after its timeout', async () => {
    emulator.configure({ faults: { serverError: 0.5 }, seed: 7 });
    const api = client({ retry: { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 5, budget: new RetryBudget() } });
    for (let i = 0; i < 5; i += 1) await api.listAudiences({ advertiserId: ADVERTISER });
    expect(emulator.requestLog().filter((entry) => entry.fault === 'serverError').length).toBeGreaterThan(0);

    emulator.configure({ faults: { timeout: 1 } });
    const error = await caught(
      client({
        timeoutMs: 100,
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, budget: new RetryBudget() },
      }).listAudiences({ advertiserId: ADVERTISER }),
    );
    expect(error.kind).toBe('retryable');
    expect(error.attempts).toBe(2);
    expect(error.outcomeUnknown).toBe(true);
  });
});
