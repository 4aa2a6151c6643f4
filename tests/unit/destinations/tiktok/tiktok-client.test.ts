import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RequestRateLimiter, RetryBudget } from '../../../../src/destinations/tiktok/request-rate-limiter.ts';
import {
  TIKTOK_API_VERSION,
  TIKTOK_PRODUCTION_BASE_URL,
  TikTokClient,
  type TikTokRetryEvent,
} from '../../../../src/destinations/tiktok/tiktok-client.ts';
import { TikTokApiError } from '../../../../src/destinations/tiktok/tiktok-errors.ts';
import { envelope, fakeClock, recordingFetch, type Responder } from './recording-fetch.ts';
import { rejectionOf } from '../../../helpers/rejection-of.ts';

const BASE = 'http://tiktok.test/open_api/v1.3';
const TOKEN = 'secret-token-value-1234abcd';
const ADVERTISER = '7000000000000000001';

function clientWith(responder: Responder, extra: Partial<ConstructorParameters<typeof TikTokClient>[0]> = {}) {
  const { fetch, requests } = recordingFetch(responder);
  const clock = fakeClock();
  const retries: TikTokRetryEvent[] = [];
  const client = new TikTokClient({
    baseUrl: `${BASE}/`,
    accessToken: TOKEN,
    fetch,
    limiter: new RequestRateLimiter({ ratePerSecond: 1000, clock }),
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, budget: new RetryBudget({ capacity: 100 }) },
    busy: { timeoutMs: 10_000, delayMs: 1000 },
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5,
    onRetry: (event) => retries.push(event),
    ...extra,
  });
  return { client, requests, clock, retries };
}

function caught(promise: Promise<unknown>): Promise<TikTokApiError> {
  return rejectionOf(promise, TikTokApiError);
}

describe('TikTokClient requests', () => {
  it('builds URLs from one API version constant, with the trailing slash', () => {
    expect(TIKTOK_API_VERSION).toBe('v1.3');
    expect(TIKTOK_PRODUCTION_BASE_URL).toBe('https://business-api.tiktok.com/open_api/v1.3');
  });

  it('uploads a file as multipart with advertiser_id, calculate_type, the hex MD5 file_signature and the file', async () => {
    const { client, requests } = clientWith(() => envelope({ file_path: 'tmp/abc.csv' }));
    const bytes = Buffer.from('a'.repeat(64) + '\n' + 'b'.repeat(64) + '\n');
    const result = await client.uploadFile({
      advertiserId: ADVERTISER,
      calculateType: 'EMAIL_SHA256',
      fileName: 'email_sha256-part-00000.csv',
      bytes,
    });
    expect(result.filePath).toBe('tmp/abc.csv');
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe(`${BASE}/dmp/custom_audience/file/upload/`);
    expect(request?.headers.get('Access-Token')).toBe(TOKEN);
    expect(request?.headers.get('Authorization')).toBeNull();
    const form = request?.form as FormData;
    expect([...form.keys()].sort()).toEqual(['advertiser_id', 'calculate_type', 'file', 'file_signature']);
    expect(form.get('advertiser_id')).toBe(ADVERTISER);
    expect(form.get('calculate_type')).toBe('EMAIL_SHA256');
    expect(form.get('file_signature')).toBe(createHash('md5').update(bytes).digest('hex'));
    const file = form.get('file') as File;
    expect(file.name).toBe('email_sha256-part-00000.csv');
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('refuses file names TikTok would reject before sending anything', async () => {
    const { client, requests } = clientWith(() => envelope({}));
    await expect(
      client.uploadFile({
        advertiserId: ADVERTISER,
        calculateType: 'EMAIL_SHA256',
        fileName: 'ids.json',
        bytes: new Uint8Array(1),
      }),
    ).rejects.toThrow(/\.csv or \.txt/);
    expect(requests).toHaveLength(0);
  });

  it('creates an audience with a JSON body', async () => {
    const { client, requests } = clientWith(() => envelope({ custom_audience_id: '123456' }));
    const result = await client.createAudience({
      advertiserId: ADVERTISER,
      name: 'Spring · EMAIL',
      calculateType: 'EMAIL_SHA256',
      filePaths: ['p1', 'p2'],
      retentionInDays: 30,
    });
    expect(result.audienceId).toBe('123456');
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe(`${BASE}/dmp/custom_audience/create/`);
    expect(request?.headers.get('Content-Type')).toBe('application/json');
    expect(request?.headers.get('Access-Token')).toBe(TOKEN);
    expect(request?.json).toEqual({
      advertiser_id: ADVERTISER,
      custom_audience_name: 'Spring · EMAIL',
      calculate_type: 'EMAIL_SHA256',
      file_paths: ['p1', 'p2'],
      retention_in_days: 30,
    });
  });

  it('omits retention_in_days when not given', async () => {
    const { client, requests } = clientWith(() => envelope({ custom_audience_id: 99 }));
    const result = await client.createAudience({
      advertiserId: ADVERTISER,
      name: 'n',
      calculateType: 'PHONE_SHA256',
      filePaths: ['p'],
    });
    expect(result.audienceId).toBe('99');
    expect(requests[0]?.json).toEqual({
      advertiser_id: ADVERTISER,
      custom_audience_name: 'n',
      calculate_type: 'PHONE_SHA256',
      file_paths: ['p'],
    });
  });

  it.each(['APPEND', 'REMOVE', 'REPLACE'] as const)(
    'always sends the update action explicitly (%s)',
    async (action) => {
      const { client, requests } = clientWith(() => envelope({}));
      await client.updateAudience({ advertiserId: ADVERTISER, audienceId: '42', filePaths: ['p1'], action });
      expect(requests[0]?.url.href).toBe(`${BASE}/dmp/custom_audience/update/`);
      expect(requests[0]?.json).toEqual({
        advertiser_id: ADVERTISER,
        custom_audience_id: '42',
        file_paths: ['p1'],
        action,
      });
    },
  );

  it('renames through update with only the name', async () => {
    const { client, requests } = clientWith(() => envelope({}));
    await client.renameAudience({ advertiserId: ADVERTISER, audienceId: '42', name: 'New name' });
    expect(requests[0]?.json).toEqual({
      advertiser_id: ADVERTISER,
      custom_audience_id: '42',
      custom_audience_name: 'New name',
    });
  });

  it('gets audiences with a JSON array of ids in the query, 100 ids per call, and parses details and history', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => String(1000 + i));
    const { client, requests } = clientWith((request) => {
      const asked = JSON.parse(request.url.searchParams.get('custom_audience_ids') ?? '[]') as string[];
      return envelope({
        list: asked.map((id) => ({
          audience_details: {
            audience_id: id,
            name: `a${id}`,
            calculate_type: 'EMAIL_SHA256',
            cover_num: 1500,
            is_valid: true,
            is_expiring: false,
            expired_time: '2027-01-01 00:00:00',
            msg: '',
          },
          audience_history: [{ action: 'CREATE', msg: 'created', opt_time: '2026-11-29 08:00:00' }],
        })),
      });
    });
    const result = await client.getAudiences({ advertiserId: ADVERTISER, audienceIds: ids, historySize: 5 });
    expect(requests).toHaveLength(2);
    expect(requests[0]?.method).toBe('GET');
    expect(`${requests[0]?.url.origin}${requests[0]?.url.pathname}`).toBe(`${BASE}/dmp/custom_audience/get/`);
    expect(requests[0]?.url.searchParams.get('advertiser_id')).toBe(ADVERTISER);
    expect(requests[0]?.url.searchParams.get('history_size')).toBe('5');
    expect(JSON.parse(requests[0]?.url.searchParams.get('custom_audience_ids') ?? '')).toEqual(ids.slice(0, 100));
    expect(JSON.parse(requests[1]?.url.searchParams.get('custom_audience_ids') ?? '')).toEqual(ids.slice(100));
    expect(requests[0]?.headers.get('Access-Token')).toBe(TOKEN);
    expect(result).toHaveLength(150);
    expect(result[0]).toEqual({
      audienceId: '1000',
      name: 'a1000',
      calculateType: 'EMAIL_SHA256',
      coverNum: 1500,
      isValid: true,
      isExpiring: false,
      expiredTime: '2027-01-01 00:00:00',
      msg: '',
      history: [{ action: 'CREATE', msg: 'created', optTime: '2026-11-29 08:00:00' }],
    });
  });

  it('lists every page, the last one included', async () => {
    const all = Array.from({ length: 7 }, (_, i) => ({
      audience_id: String(i + 1),
      name: i === 6 ? 'last' : `n${i}`,
      calculate_type: 'EMAIL_SHA256',
      cover_num: 0,
      is_valid: false,
      is_creator: true,
    }));
    const { client, requests } = clientWith((request) => {
      const page = Number(request.url.searchParams.get('page'));
      const size = Number(request.url.searchParams.get('page_size'));
      return envelope({
        list: all.slice((page - 1) * size, page * size),
        page_info: { page, page_size: size, total_number: all.length, total_page: Math.ceil(all.length / size) },
      });
    });
    const items = await client.listAudiences({ advertiserId: ADVERTISER, pageSize: 3 });
    expect(requests.map((request) => request.url.searchParams.get('page'))).toEqual(['1', '2', '3']);
    expect(requests.every((request) => request.url.pathname === '/open_api/v1.3/dmp/custom_audience/list/')).toBe(true);
    expect(items.map((item) => item.audienceId)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    const found = await client.findAudiencesByName(ADVERTISER, 'last');
    expect(found.map((item) => item.audienceId)).toEqual(['7']);
  });

  it('stops after one call when there are no audiences', async () => {
    const { client, requests } = clientWith(() =>
      envelope({ list: [], page_info: { page: 1, page_size: 100, total_number: 0, total_page: 0 } }),
    );
    expect(await client.listAudiences({ advertiserId: ADVERTISER })).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url.searchParams.get('page_size')).toBe('100');
  });

  it('deletes audiences in chunks of 100', async () => {
    const { client, requests } = clientWith(() => envelope({}));
    await client.deleteAudiences({
      advertiserId: ADVERTISER,
      audienceIds: Array.from({ length: 101 }, (_, i) => String(i)),
    });
    expect(requests).toHaveLength(2);
    expect(requests[0]?.url.href).toBe(`${BASE}/dmp/custom_audience/delete/`);
    expect((requests[0]?.json as { custom_audience_ids: string[] }).custom_audience_ids).toHaveLength(100);
    expect(requests[1]?.json).toEqual({ advertiser_id: ADVERTISER, custom_audience_ids: ['100'] });
  });
});

describe('TikTokClient envelope and errors', () => {
  it.each([
    [40100, 'throttled'],
    [40016, 'throttled'],
    [40133, 'throttled'],
    [40132, 'throttled'],
    [61000, 'throttled'],
    [40202, 'retryable'],
    [50000, 'retryable'],
    [50002, 'retryable'],
    [51003, 'retryable'],
    [60001, 'retryable'],
  ] as const)('retries code %i (%s) with back-off, then succeeds', async (code, kind) => {
    const { client, requests, retries, clock } = clientWith((_request, index) =>
      index < 2 ? envelope(null, code, 'try later', `rid-${index}`) : envelope({ custom_audience_id: '7' }),
    );
    const result = await client.createAudience({
      advertiserId: ADVERTISER,
      name: 'n',
      calculateType: 'EMAIL_SHA256',
      filePaths: ['p'],
    });
    expect(result.audienceId).toBe('7');
    expect(requests).toHaveLength(3);
    expect(retries.map((retry) => [retry.kind, retry.code, retry.requestId])).toEqual([
      [kind, code, 'rid-0'],
      [kind, code, 'rid-1'],
    ]);
    // Full jitter with random() = 0.5: half of base·2^(attempt−1).
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it.each([
    [40001, 'credentials'],
    [40102, 'credentials'],
    [40104, 'credentials'],
    [40105, 'credentials'],
    [40106, 'credentials'],
    [40113, 'credentials'],
    [40118, 'credentials'],
    [40119, 'credentials'],
    [40125, 'credentials'],
    [40300, 'not_found'],
    [40301, 'not_found'],
    [40007, 'not_found'],
    [40000, 'invalid'],
    [40006, 'invalid'],
    [40011, 'invalid'],
    [40900, 'signature_mismatch'],
    [40905, 'file'],
    [40906, 'file'],
    [40907, 'file'],
    [40908, 'file'],
    [40909, 'file'],
    [40915, 'file'],
    [40910, 'file_expired'],
  ] as const)('maps final code %i to %s without retrying, keeping request_id and message', async (code, kind) => {
    const { client, requests } = clientWith(() => envelope(null, code, `TikTok says ${code}`, 'req-final-1'));
    const error = await caught(client.getAudiences({ advertiserId: ADVERTISER, audienceIds: ['1'] }));
    expect(requests).toHaveLength(1);
    expect(error.kind).toBe(kind);
    expect(error.code).toBe(code);
    expect(error.requestId).toBe('req-final-1');
    expect(error.tiktokMessage).toBe(`TikTok says ${code}`);
    expect(error.message).toContain('req-final-1');
    expect(error.resolution.length).toBeGreaterThan(20);
    expect(JSON.stringify({ message: error.message, resolution: error.resolution, error })).not.toContain(TOKEN);
  });

  it('tells a revoked token apart and says how to set a new one', async () => {
    const { client } = clientWith(() =>
      envelope(null, 40105, 'Access token is invalid or has been revoked', 'rid-revoked'),
    );
    const error = await caught(client.listAudiences({ advertiserId: ADVERTISER }));
    expect(error.kind).toBe('credentials');
    expect(error.resolution).toContain('TIKTOK_ACCESS_TOKEN');
  });

  it('waits out a busy audience (40002 while calculating) and then succeeds', async () => {
    const { client, requests, clock } = clientWith((_request, index) =>
      index < 3
        ? envelope(null, 40002, 'Audience busy: the audience is being calculated or updated, try again later')
        : envelope({}),
    );
    await client.updateAudience({ advertiserId: ADVERTISER, audienceId: '1', filePaths: ['p'], action: 'APPEND' });
    expect(requests).toHaveLength(4);
    // busy delay 1000 ms × (0.5 + random/2) = 750 ms; busy waits do not spend the retry attempts.
    expect(clock.sleeps).toEqual([750, 750, 750]);
  });

  it('lengthens the pauses while the audience stays busy, up to the busy delay', async () => {
    const { client, clock } = clientWith(
      (_request, index) => (index < 5 ? envelope(null, 40002, 'Audience busy') : envelope({})),
      { busy: { timeoutMs: 60_000, delayMs: 5000 } },
    );
    await client.updateAudience({ advertiserId: ADVERTISER, audienceId: '1', filePaths: ['p'], action: 'APPEND' });
    expect(clock.sleeps).toEqual([750, 1500, 3000, 3750, 3750]);
  });

  it('gives up on a busy audience after the busy timeout', async () => {
    const { client, requests } = clientWith(() => envelope(null, 40002, 'audience is calculating'), {
      busy: { timeoutMs: 3000, delayMs: 1000 },
    });
    const error = await caught(
      client.updateAudience({ advertiserId: ADVERTISER, audienceId: '1', filePaths: ['p'], action: 'APPEND' }),
    );
    expect(error.kind).toBe('busy');
    expect(requests.length).toBe(5); // at 0, 750, 1500, 2250, 3000 ms
  });

  it('treats the final 40002 ("would fall below 1,000") as invalid, not busy', async () => {
    const { client, requests } = clientWith(() =>
      envelope(null, 40002, 'The update would leave the audience with fewer than 1,000 ids'),
    );
    const error = await caught(
      client.updateAudience({ advertiserId: ADVERTISER, audienceId: '1', filePaths: ['p'], action: 'REMOVE' }),
    );
    expect(requests).toHaveLength(1);
    expect(error.kind).toBe('invalid');
  });

  it('accepts a custom busy matcher', async () => {
    const { client, requests } = clientWith(
      (_request, index) => (index === 0 ? envelope(null, 40002, 'Zielgruppe wird berechnet') : envelope({})),
      { busy: { matcher: (message) => message.includes('berechnet'), delayMs: 10 } },
    );
    await client.updateAudience({ advertiserId: ADVERTISER, audienceId: '1', filePaths: ['p'], action: 'APPEND' });
    expect(requests).toHaveLength(2);
  });

  it('waits much longer after a per-minute limit than after a per-second one', async () => {
    const { client, clock } = clientWith((_request, index) =>
      index === 0
        ? envelope(null, 40016, 'Request too frequent: 600 requests per minute exceeded')
        : envelope({ list: [], page_info: { total_page: 1 } }),
    );
    await client.listAudiences({ advertiserId: ADVERTISER });
    // base 15 s, full jitter with random() = 0.5.
    expect(clock.sleeps).toEqual([7500]);
  });

  it('stops after maxAttempts and reports the attempts made', async () => {
    const { client, requests } = clientWith(() => envelope(null, 50000, 'system error'));
    const error = await caught(client.listAudiences({ advertiserId: ADVERTISER }));
    expect(requests).toHaveLength(4);
    expect(error.kind).toBe('retryable');
    expect(error.attempts).toBe(4);
  });

  it('caps the back-off at maxDelayMs', async () => {
    const { client, clock } = clientWith(() => envelope(null, 50000, 'system error'), {
      retry: { maxAttempts: 6, baseDelayMs: 400, maxDelayMs: 1000, budget: new RetryBudget() },
      random: () => 1,
    });
    await caught(client.listAudiences({ advertiserId: ADVERTISER }));
    expect(clock.sleeps).toEqual([400, 800, 1000, 1000, 1000]);
  });

  it('stops retrying when the shared retry budget is spent', async () => {
    const budget = new RetryBudget({ capacity: 2, refillPerSuccess: 0.5 });
    const { client, requests } = clientWith(() => envelope(null, 50000, 'system error'), {
      retry: { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 1, budget },
    });
    await caught(client.listAudiences({ advertiserId: ADVERTISER }));
    expect(requests).toHaveLength(3);
    expect(budget.available).toBe(0);
  });

  it('maps HTTP errors without an envelope', async () => {
    const cases: Array<[number, string]> = [
      [502, 'retryable'],
      [404, 'not_found'],
      [401, 'credentials'],
      [429, 'throttled'],
      [400, 'invalid'],
    ];
    for (const [status, kind] of cases) {
      const { client } = clientWith(() => new Response('<html>nope</html>', { status }), { retry: { maxAttempts: 1 } });
      const error = await caught(client.listAudiences({ advertiserId: ADVERTISER }));
      expect([status, error.kind, error.httpStatus, error.code]).toEqual([status, kind, status, null]);
    }
  });

  it('does not resend a write whose outcome is unknown (timeout), but resends reads', async () => {
    const hang = (request: { url: URL }, _index: number, signal?: AbortSignal) =>
      new Promise<Response>((_resolve, reject) =>
        signal?.addEventListener('abort', () =>
          reject(new DOMException(`aborted ${request.url.pathname}`, 'AbortError')),
        ),
      );
    const calls: string[] = [];
    const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input));
      calls.push(url.pathname);
      if (calls.length === 1) return hang({ url }, 0, init?.signal ?? undefined);
      return envelope(
        url.pathname.endsWith('/create/') ? { custom_audience_id: '5' } : { list: [], page_info: { total_page: 1 } },
      );
    }) as typeof fetch;
    const client = new TikTokClient({
      baseUrl: BASE,
      accessToken: TOKEN,
      fetch: fetchImpl,
      timeoutMs: 20,
      limiter: new RequestRateLimiter({ ratePerSecond: 1000 }),
      retry: { baseDelayMs: 1, maxDelayMs: 1, budget: new RetryBudget() },
    });
    const error = await caught(
      client.createAudience({ advertiserId: ADVERTISER, name: 'n', calculateType: 'EMAIL_SHA256', filePaths: ['p'] }),
    );
    expect(error.kind).toBe('retryable');
    expect(error.outcomeUnknown).toBe(true);
    expect(calls).toEqual(['/open_api/v1.3/dmp/custom_audience/create/']);
    calls.length = 0;
    await client.listAudiences({ advertiserId: ADVERTISER });
    expect(calls).toEqual(['/open_api/v1.3/dmp/custom_audience/list/', '/open_api/v1.3/dmp/custom_audience/list/']);
  });

  it('resends a write that never left (connection refused)', async () => {
    let count = 0;
    const fetchImpl = (async () => {
      count += 1;
      if (count === 1)
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        });
      return envelope({ custom_audience_id: '5' });
    }) as typeof fetch;
    const client = new TikTokClient({
      baseUrl: BASE,
      accessToken: TOKEN,
      fetch: fetchImpl,
      limiter: new RequestRateLimiter({ ratePerSecond: 1000 }),
      retry: { baseDelayMs: 1, maxDelayMs: 1, budget: new RetryBudget() },
    });
    expect(
      (
        await client.createAudience({
          advertiserId: ADVERTISER,
          name: 'n',
          calculateType: 'EMAIL_SHA256',
          filePaths: ['p'],
        })
      ).audienceId,
    ).toBe('5');
    expect(count).toBe(2);
  });

  it('never puts the token in errors or in its JSON form', async () => {
    const { client } = clientWith(
      () => {
        throw new TypeError('fetch failed');
      },
      { retry: { maxAttempts: 1 } },
    );
    const error = await caught(client.listAudiences({ advertiserId: ADVERTISER }));
    expect(`${error.message} ${error.resolution} ${JSON.stringify(client)} ${String(error.stack)}`).not.toContain(
      TOKEN,
    );
  });

  it('masks the token even when a server echoes it back', async () => {
    const { client } = clientWith(() => envelope(null, 40105, `token ${TOKEN} was revoked`), {
      retry: { maxAttempts: 1 },
    });
    const error = await caught(client.listAudiences({ advertiserId: ADVERTISER }));
    expect(error.tiktokMessage).toBe('token …abcd was revoked');
    const proxy = clientWith(() => new Response(`<pre>Access-Token: ${TOKEN}</pre>`, { status: 502 }), {
      retry: { maxAttempts: 1 },
    });
    const proxyError = await caught(proxy.client.listAudiences({ advertiserId: ADVERTISER }));
    expect(proxyError.message).not.toContain(TOKEN);
    expect(proxyError.message).toContain('…abcd');
  });

  it('treats 20001 (partial success) as success', async () => {
    const { client } = clientWith(() => envelope({ custom_audience_id: '8' }, 20001, 'partial'));
    expect(
      (
        await client.createAudience({
          advertiserId: ADVERTISER,
          name: 'n',
          calculateType: 'EMAIL_SHA256',
          filePaths: ['p'],
        })
      ).audienceId,
    ).toBe('8');
  });
});
