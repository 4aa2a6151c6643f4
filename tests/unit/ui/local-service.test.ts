// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLocalService } from '../../../src/ui/services/local-service.ts';
import { ServiceError } from '../../../src/ui/services/service.ts';

afterEach(() => vi.unstubAllGlobals());

function answer(status: number, body: unknown) {
  const fetch = vi.fn(
    async () =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': status < 300 ? 'application/json' : 'application/problem+json' },
      }),
  );
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

describe('local service (docs/api.md)', () => {
  it('turns a problem document into a ServiceError with title, detail, resolution and field', async () => {
    answer(422, {
      type: 'about:blank#invalid_plan',
      status: 422,
      code: 'invalid_plan',
      title: 'Invalid request',
      detail: 'audience.name: Too big',
      resolution: 'Correct the named field(s).',
      field: 'audience.name',
    });
    const error = await createLocalService()
      .createJob({
        inputs: ['a.csv'],
        mapping: [{ column: 'e', type: 'EMAIL' }],
        audience: { action: 'create', name: 'x' },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).problem).toEqual({
      title: 'Invalid request',
      detail: 'audience.name: Too big',
      resolution: 'Correct the named field(s).',
      field: 'audience.name',
      code: 'invalid_plan',
      status: 422,
    });
  });

  it('a server that cannot be reached is a problem that says what to do, not a TypeError', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    const error = (await createLocalService()
      .health()
      .catch((e: unknown) => e)) as ServiceError;
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.problem.resolution).toContain('npm start');
  });

  it('sends the preview request as JSON to POST /api/preview', async () => {
    const fetch = answer(200, { sampleRows: 1, columns: [], types: {} });
    const request = {
      inputs: ['samples/a.jsonl'],
      mapping: [{ column: 'e-mail', type: 'EMAIL' as const }],
      options: {
        phoneRegion: 'US',
        phoneFormat: 'digits' as const,
        emailDots: 'keep' as const,
        prehashed: 'accept' as const,
      },
    };
    await createLocalService().preview(request);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/preview');
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual(request);
  });

  it('reads the audience list into one shape (id, name, size, type, status, expiry, jobs)', async () => {
    const fetch = answer(200, {
      destination: { kind: 'emulator', label: 'simulated TikTok' },
      advertiserId: '7000000000000000001',
      audiences: [
        {
          audienceId: '1795000000000000001',
          name: 'Spring · EMAIL',
          calculateType: 'EMAIL_SHA256',
          coverNum: 1200,
          isValid: false,
          expiredTime: '2027-01-01 00:00:00',
          status: 'calculating',
          expiringSoon: true,
          jobs: ['ce8cbbbc-0000-0000-0000-000000000000'],
        },
      ],
    });
    const list = await createLocalService().listAudiences({ q: 'spring' });
    expect((fetch.mock.calls[0] as unknown as [string])[0]).toBe('/api/audiences?q=spring');
    expect(list.audiences).toEqual([
      {
        id: '1795000000000000001',
        name: 'Spring · EMAIL',
        size: 1200,
        type: 'EMAIL_SHA256',
        status: 'calculating',
        expiry: '2027-01-01 00:00:00',
        expiringSoon: true,
        jobs: ['ce8cbbbc-0000-0000-0000-000000000000'],
      },
    ]);
  });

  it('rejects.csv is a same-origin download of the job', async () => {
    expect(await createLocalService().rejectsDownload('abc')).toEqual({
      url: '/api/jobs/abc/rejects.csv',
      filename: 'rejects-abc.csv',
    });
  });
});
