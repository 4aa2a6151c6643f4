import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/core/errors.ts';
import type { AudiencePlan } from '../../../../src/core/plan.ts';
import { RequestRateLimiter, RetryBudget } from '../../../../src/destinations/tiktok/request-rate-limiter.ts';
import { TikTokClient } from '../../../../src/destinations/tiktok/tiktok-client.ts';
import {
  InMemoryAudienceWriteLocks,
  InMemoryUploadLedgerStore,
  type UploadLedgerState,
  type UploadLedgerStore,
} from '../../../../src/destinations/tiktok/upload-ledger.ts';
import {
  CreateLookupPending,
  uploadTransformOutput,
  type UploadProgressEvent,
  type UploadRequest,
} from '../../../../src/destinations/tiktok/upload-orchestrator.ts';
import { buildFakeTransformOutput, type FakeTransformOutput } from './fake-transform-output.ts';
import { fakeTikTok, type Interception } from './fake-tiktok.ts';
import type { RecordedRequest } from './recording-fetch.ts';
import { rejectionOf } from '../../../helpers/rejection-of.ts';

const ADVERTISER = '7000000000000000001';

function setup(
  options: {
    intercept?: (endpoint: string, request: RecordedRequest, count: number) => Interception;
    matchRate?: number;
  } = {},
) {
  const tiktok = fakeTikTok(options);
  const client = new TikTokClient({
    baseUrl: 'http://tiktok.test/open_api/v1.3',
    accessToken: 'token-for-tests-0000',
    fetch: tiktok.fetch,
    limiter: new RequestRateLimiter({ ratePerSecond: 100_000 }),
    retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0, budget: new RetryBudget({ capacity: 1000 }) },
    busy: { delayMs: 0 },
    sleep: async () => undefined,
  });
  return { tiktok, client };
}

/**
 * A TikTok whose first create is applied but its answer lost, and whose audience list leaves the new
 * audience out of the next `lagCalls` answers (a list lagging behind a create).
 */
function lostCreateWithLaggingList(lagCalls: number) {
  const tiktok = fakeTikTok({
    listLagCalls: lagCalls,
    intercept: (endpoint, _request, count) => (endpoint === 'create' && count === 1 ? 'fail-after' : undefined),
  });
  const client = new TikTokClient({
    baseUrl: 'http://tiktok.test/open_api/v1.3',
    accessToken: 'token-for-tests-0000',
    fetch: tiktok.fetch,
    limiter: new RequestRateLimiter({ ratePerSecond: 100_000 }),
    sleep: async () => undefined,
  });
  return { tiktok, client };
}

/** Runs of one create upload with deferCreateLookup, sharing a ledger and a clock the test moves. */
function deferringRuns(output: FakeTransformOutput, client: TikTokClient) {
  const ledger = new InMemoryUploadLedgerStore();
  const clock = fakeClock();
  const run = () =>
    uploadTransformOutput(
      request(
        output,
        client,
        ledger,
        { name: 'Spring', action: 'create' },
        { sleep: clock.sleep, now: clock.now, deferCreateLookup: true },
      ),
    );
  return { run, ledger, clock };
}

/** A clock that only moves when the code under test sleeps: waits are instant and exact. */
function fakeClock(start = Date.parse('2026-11-29T08:00:00Z')) {
  let at = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(at),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      at += ms;
    },
    advance: (ms: number) => {
      at += ms;
    },
  };
}

function request(
  output: FakeTransformOutput,
  client: TikTokClient,
  ledger: UploadLedgerStore,
  audience: AudiencePlan,
  extra: Partial<UploadRequest> = {},
): UploadRequest {
  const clock = fakeClock();
  return {
    manifest: output.manifest,
    readPartition: output.readPartition,
    audience,
    advertiserId: ADVERTISER,
    client,
    ledger,
    ledgerId: 'job-1',
    poll: { timeoutMs: 0, intervalMs: 0 },
    sleep: clock.sleep,
    now: clock.now,
    ...extra,
  };
}

function userError(promise: Promise<unknown>): Promise<UserError> {
  return rejectionOf(promise, UserError);
}

/** A ledger store that "crashes" (throws) on its n-th save: the state before that save is what survives. */
class CrashingLedger implements UploadLedgerStore {
  saves = 0;
  constructor(
    readonly inner: InMemoryUploadLedgerStore,
    readonly crashAt: number,
  ) {}
  load(id: string): Promise<UploadLedgerState | undefined> {
    return this.inner.load(id);
  }
  acquire(id: string, fence: number): Promise<UploadLedgerState | undefined> {
    return this.inner.acquire(id, fence);
  }
  async save(id: string, state: UploadLedgerState, fence: number): Promise<void> {
    this.saves += 1;
    if (this.saves === this.crashAt) throw new Error('simulated crash');
    await this.inner.save(id, state, fence);
  }
}

function expectExactlyOnce(tiktok: ReturnType<typeof fakeTikTok>, output: FakeTransformOutput) {
  const byName = new Map([...tiktok.audiences.values()].map((audience) => [audience.name, audience]));
  expect(byName.size).toBe(tiktok.audiences.size); // no duplicate names
  for (const [type, ids] of output.ids) {
    const audience = byName.get(`Spring · ${type}`);
    expect(audience, `audience for ${type}`).toBeDefined();
    expect(audience?.received.length).toBe(ids.length); // nothing sent twice
    expect([...(audience?.ids ?? [])].sort()).toEqual([...ids].sort());
  }
}

/**
 * The audiences TikTok ends up with are exactly the plan's, even where an update whose answer was
 * lost was sent again (set semantics: harmless): one audience per type, created once, holding
 * exactly the partitions' ids, each file applied (at least once, and only through updates if twice).
 */
function expectSameAudiences(tiktok: ReturnType<typeof fakeTikTok>, output: FakeTransformOutput) {
  const byName = new Map([...tiktok.audiences.values()].map((audience) => [audience.name, audience]));
  expect(byName.size).toBe(tiktok.audiences.size);
  for (const [type, ids] of output.ids) {
    const audience = byName.get(`Spring · ${type}`);
    expect(audience, `audience for ${type}`).toBeDefined();
    expect([...(audience?.ids ?? [])].sort()).toEqual([...ids].sort());
    expect(audience?.history.filter((entry) => entry.action === 'CREATE')).toHaveLength(1);
  }
}

describe('uploadTransformOutput', () => {
  it('creates one audience per identifier type, batching file paths, and reports what TikTok holds', async () => {
    const output = buildFakeTransformOutput({
      EMAIL: { ids: 2500, partitions: 3 },
      MAID: { ids: 1200, partitions: 1 },
    });
    const { tiktok, client } = setup({ matchRate: 0.5 });
    const events: UploadProgressEvent[] = [];
    const result = await uploadTransformOutput(
      request(
        output,
        client,
        new InMemoryUploadLedgerStore(),
        { name: 'Spring', action: 'create' },
        { batchSize: 2, onProgress: (event) => events.push(event) },
      ),
    );
    expect(result.alreadyComplete).toBe(false);
    expect(
      result.audiences.map((audience) => [
        audience.type,
        audience.calculateType,
        audience.audienceName,
        audience.created,
        audience.filesUploaded,
        audience.filesSkipped,
        audience.idsSent,
      ]),
    ).toEqual([
      ['EMAIL', 'EMAIL_SHA256', 'Spring · EMAIL', true, 3, 0, 2500],
      ['MAID', 'FIRST_SHA256', 'Spring · MAID', true, 1, 0, 1200],
    ]);
    const email = result.audiences[0];
    expect(email?.coverNum).toBe(1250);
    expect(email?.matchRate).toBe(0.5);
    expect(email?.isValid).toBe(true);
    expect(email?.history.map((entry) => entry.action)).toEqual(['CREATE', 'APPEND']);
    expectExactlyOnce(tiktok, output);
    const writes = tiktok.requests
      .filter((r) => r.method === 'POST')
      .map(
        (r) =>
          `${r.url.pathname.split('/').at(-2)}${r.json ? ` ${JSON.stringify((r.json as { action?: string }).action ?? '')} ${(r.json as { file_paths: string[] }).file_paths.length}` : ''}`,
      );
    expect(writes).toEqual(['upload', 'upload', 'create "" 2', 'upload', 'update "APPEND" 1', 'upload', 'create "" 1']);
    expect(events.filter((event) => event.kind === 'partition-uploaded')).toHaveLength(4);
  });

  it('changes nothing at TikTok when run again after completing, and says so', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 1500, partitions: 2 } });
    const { tiktok, client } = setup();
    const ledger = new InMemoryUploadLedgerStore();
    const first = await uploadTransformOutput(request(output, client, ledger, { name: 'Spring', action: 'create' }));
    const writesBefore = tiktok.writes();
    const second = await uploadTransformOutput(request(output, client, ledger, { name: 'Spring', action: 'create' }));
    expect(second.alreadyComplete).toBe(true);
    expect(tiktok.writes()).toBe(writesBefore);
    expect(second.audiences[0]?.audienceId).toBe(first.audiences[0]?.audienceId);
    expect(second.audiences[0]?.filesUploaded).toBe(0);
    expect(second.audiences[0]?.filesSkipped).toBe(2);
  });

  it('survives a crash at every ledger save: one audience per type, created once, holding exactly the ids', async () => {
    const output = buildFakeTransformOutput({
      EMAIL: { ids: 3000, partitions: 3 },
      PHONE: { ids: 1000, partitions: 2 },
    });
    // Count the saves of a clean run, then crash at each of them in turn.
    const clean = new CrashingLedger(new InMemoryUploadLedgerStore(), Number.POSITIVE_INFINITY);
    await uploadTransformOutput(
      request(output, setup().client, clean, { name: 'Spring', action: 'create' }, { batchSize: 2 }),
    );
    expect(clean.saves).toBeGreaterThan(10);
    for (let crashAt = 1; crashAt <= clean.saves; crashAt += 1) {
      const { tiktok, client } = setup();
      const store = new InMemoryUploadLedgerStore();
      await expect(
        uploadTransformOutput(
          request(
            output,
            client,
            new CrashingLedger(store, crashAt),
            { name: 'Spring', action: 'create' },
            { batchSize: 2 },
          ),
        ),
      ).rejects.toThrow('simulated crash');
      const resumed = await uploadTransformOutput(
        request(output, client, store, { name: 'Spring', action: 'create' }, { batchSize: 2 }),
      );
      expect(resumed.audiences.every((audience) => audience.created)).toBe(true);
      expect(tiktok.audiences.size).toBe(2);
      // A crash right after an update was answered leaves its marker: the update is sent again.
      expectSameAudiences(tiktok, output);
    }
  });

  it('reconciles a create whose answer was lost instead of creating a second audience', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 1500, partitions: 1 } });
    const { tiktok, client } = setup({
      intercept: (endpoint, _request, count) => (endpoint === 'create' && count === 1 ? 'fail-after' : undefined),
    });
    const events: UploadProgressEvent[] = [];
    const result = await uploadTransformOutput(
      request(
        output,
        client,
        new InMemoryUploadLedgerStore(),
        { name: 'Spring', action: 'create' },
        { onProgress: (event) => events.push(event) },
      ),
    );
    expect(tiktok.audiences.size).toBe(1);
    expect(result.audiences[0]?.audienceId).toBe([...tiktok.audiences.keys()][0]);
    expect(events.some((event) => event.kind === 'audience-created' && event.reconciled)).toBe(true);
    expectExactlyOnce(tiktok, output);
  });

  it('looks a lost create up by name for minutes (not seconds) before sending it again: a list lagging 90 s makes no twin', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 1500, partitions: 1 } });
    // The created audience stays out of the next 6 list answers (15 s apart: 90 s).
    const { tiktok, client } = lostCreateWithLaggingList(6);
    const clock = fakeClock();
    await uploadTransformOutput(
      request(
        output,
        client,
        new InMemoryUploadLedgerStore(),
        { name: 'Spring', action: 'create' },
        { sleep: clock.sleep, now: clock.now },
      ),
    );
    expect(clock.sleeps).toEqual([15_000, 15_000, 15_000, 15_000, 15_000, 15_000]);
    expect(tiktok.requests.filter((r) => r.url.pathname.endsWith('/create/'))).toHaveLength(1);
    expect(tiktok.audiences.size).toBe(1);
    expectExactlyOnce(tiktok, output);
  });

  it('sends a lost create again only after a lookup made 5 minutes after it still does not show it', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 1500, partitions: 1 } });
    const { tiktok, client } = setup({
      intercept: (endpoint, _request, count) => (endpoint === 'create' && count === 1 ? 'fail-before' : undefined),
    });
    const clock = fakeClock();
    await uploadTransformOutput(
      request(
        output,
        client,
        new InMemoryUploadLedgerStore(),
        { name: 'Spring', action: 'create' },
        { sleep: clock.sleep, now: clock.now },
      ),
    );
    const creates = tiktok.requests.filter((r) => r.url.pathname.endsWith('/create/'));
    expect(creates).toHaveLength(2);
    expect(clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(5 * 60_000);
    expect(Math.max(...clock.sleeps)).toBe(15_000);
    expectExactlyOnce(tiktok, output);
  });

  it('with deferCreateLookup, ends the run instead of sleeping while a lost create does not show, and a later run finds it: no twin', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 1500, partitions: 1 } });
    // The created audience stays out of the next 2 list answers.
    const { tiktok, client } = lostCreateWithLaggingList(2);
    const { run, ledger, clock } = deferringRuns(output, client);
    const pauses: number[] = [];
    for (let deferred = 0; deferred < 2; deferred += 1) {
      const pending = await rejectionOf(run(), CreateLookupPending);
      expect(pending.audienceName).toBe('Spring · EMAIL');
      expect((await ledger.load('job-1'))?.audiences.EMAIL?.pending?.kind).toBe('create');
      pauses.push(pending.retryAfterMs);
      clock.advance(pending.retryAfterMs);
    }
    const result = await run();
    expect(pauses).toEqual([60_000, 60_000]);
    expect(clock.sleeps).toEqual([]); // never waited inside a run
    expect(tiktok.requests.filter((r) => r.url.pathname.endsWith('/create/'))).toHaveLength(1);
    expect(result.audiences[0]?.audienceId).toBe([...tiktok.audiences.keys()][0]);
    expectExactlyOnce(tiktok, output);
  });

  it('with deferCreateLookup, sends a lost create again only in a run after the 5-minute window, once', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 1500, partitions: 1 } });
    const { tiktok, client } = setup({
      intercept: (endpoint, _request, count) => (endpoint === 'create' && count === 1 ? 'fail-before' : undefined),
    });
    const { run, clock } = deferringRuns(output, client);
    const pauses: number[] = [];
    for (;;) {
      const outcome = await run().then(
        () => undefined,
        (error: unknown) => error,
      );
      if (outcome === undefined) break;
      expect(outcome).toBeInstanceOf(CreateLookupPending);
      const pause = (outcome as CreateLookupPending).retryAfterMs;
      pauses.push(pause);
      clock.advance(pause);
      expect(pauses.length).toBeLessThan(10);
    }
    expect(pauses.reduce((sum, ms) => sum + ms, 0)).toBe(5 * 60_000);
    expect(Math.max(...pauses)).toBe(60_000);
    expect(tiktok.requests.filter((r) => r.url.pathname.endsWith('/create/'))).toHaveLength(2);
    expectExactlyOnce(tiktok, output);
  });

  it('stops saying so when it cannot tell whether a lost create happened, and a retry checks again before creating', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 1500, partitions: 1 } });
    let listDown = false;
    const { tiktok, client } = setup({
      intercept: (endpoint, _request, count) => {
        if (endpoint === 'create' && count === 1) {
          listDown = true; // TikTok created it, the answer was lost, and now its list keeps failing
          return 'fail-after';
        }
        return endpoint === 'list' && listDown ? { code: 50000, message: 'Internal error' } : undefined;
      },
    });
    const ledger = new InMemoryUploadLedgerStore();
    const clock = fakeClock();
    const error = await userError(
      uploadTransformOutput(
        request(output, client, ledger, { name: 'Spring', action: 'create' }, { sleep: clock.sleep, now: clock.now }),
      ),
    );
    expect(error.code).toBe('create_outcome_unknown');
    expect(error.detail).toContain('"Spring · EMAIL"');
    expect(error.detail).toContain('5 minutes');
    expect(error.resolution).toContain('retry the job');
    expect(clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(5 * 60_000);
    expect((await ledger.load('job-1'))?.audiences.EMAIL?.pending?.kind).toBe('create');
    // Retried once TikTok's list works again: found by name, not created a second time.
    listDown = false;
    const retried = await uploadTransformOutput(
      request(output, client, ledger, { name: 'Spring', action: 'create' }, { sleep: clock.sleep, now: clock.now }),
    );
    expect(tiktok.requests.filter((r) => r.url.pathname.endsWith('/create/'))).toHaveLength(1);
    expect(retried.audiences[0]?.audienceId).toBe([...tiktok.audiences.keys()][0]);
    expectExactlyOnce(tiktok, output);
  });

  it.each(['fail-after', 'fail-before'] as const)(
    'sends an update whose answer was lost (%s) again: set semantics give the same audience',
    async (mode) => {
      const output = buildFakeTransformOutput({ EMAIL: { ids: 3000, partitions: 3 } });
      const { tiktok, client } = setup({
        intercept: (endpoint, _request, count) => (endpoint === 'update' && count === 1 ? mode : undefined),
      });
      await uploadTransformOutput(
        request(
          output,
          client,
          new InMemoryUploadLedgerStore(),
          { name: 'Spring', action: 'create' },
          { batchSize: 1 },
        ),
      );
      expectSameAudiences(tiktok, output);
      const audience = [...tiktok.audiences.values()][0];
      expect(new Set(audience?.appliedFiles).size).toBe(3);
      // The lost update was sent again; nothing else was.
      expect(tiktok.requests.filter((r) => r.url.pathname.endsWith('/update/'))).toHaveLength(3);
      expect(audience?.appliedFiles).toHaveLength(mode === 'fail-after' ? 4 : 3);
    },
  );

  it("never takes another writer's history entry for its own lost update (the batch is sent, not skipped)", async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 3000, partitions: 3 } });
    const { tiktok, client } = setup({
      intercept: (endpoint, request, count) => {
        if (endpoint !== 'update' || count !== 1) return undefined;
        // Our update never reaches TikTok, and meanwhile a person edits the audience in TikTok's UI.
        const audience = tiktok.audiences.get(
          String((request.json as { custom_audience_id: string }).custom_audience_id),
        );
        audience?.history.push({ action: 'APPEND', msg: 'edited in Ads Manager', opt_time: '2026-11-29 08:30:00' });
        return 'fail-before';
      },
    });
    await uploadTransformOutput(
      request(output, client, new InMemoryUploadLedgerStore(), { name: 'Spring', action: 'create' }, { batchSize: 1 }),
    );
    expectSameAudiences(tiktok, output);
    expect(new Set([...tiktok.audiences.values()][0]?.appliedFiles).size).toBe(3);
  });

  it('serializes updates to one audience across jobs (two jobs appending at once never overlap at TikTok)', async () => {
    const { tiktok, client: createClient } = setup();
    const base = buildFakeTransformOutput({ EMAIL: { ids: 1000, partitions: 1 } });
    const created = await uploadTransformOutput(
      request(base, createClient, new InMemoryUploadLedgerStore(), { name: 'Spring', action: 'create' }),
    );
    const audienceId = created.audiences[0]?.audienceId as string;
    // An update waits (up to 300 ms) for a second one to the same audience to arrive while it is in flight.
    let inFlight = 0;
    let overlaps = 0;
    let arrived: (() => void) | undefined;
    const slowUpdates: typeof fetch = async (input, init) => {
      if (!String(input).includes('/custom_audience/update/')) return tiktok.fetch(input, init);
      inFlight += 1;
      if (inFlight > 1) {
        overlaps += 1;
        arrived?.();
      } else
        await new Promise<void>((resolve) => {
          arrived = resolve;
          setTimeout(resolve, 300);
        });
      try {
        return await tiktok.fetch(input, init);
      } finally {
        inFlight -= 1;
      }
    };
    const client = new TikTokClient({
      baseUrl: 'http://tiktok.test/open_api/v1.3',
      accessToken: 'token-for-tests-0000',
      fetch: slowUpdates,
      limiter: new RequestRateLimiter({ ratePerSecond: 100_000 }),
      sleep: async () => undefined,
    });
    const locks = new InMemoryAudienceWriteLocks();
    const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 10)));
    const outputs = [1, 2].map(() => buildFakeTransformOutput({ EMAIL: { ids: 1000, partitions: 1 } }));
    await Promise.all(
      outputs.map((output, index) =>
        uploadTransformOutput(
          request(
            output,
            client,
            new InMemoryUploadLedgerStore(),
            { audienceId, action: 'append' },
            { ledgerId: `job-${index + 2}`, audienceLocks: locks, sleep: realSleep },
          ),
        ),
      ),
    );
    expect(overlaps).toBe(0);
    expect(tiktok.requests.filter((r) => r.url.pathname.endsWith('/update/'))).toHaveLength(2);
    const ids = [...(tiktok.audiences.get(audienceId)?.ids ?? [])].sort();
    expect(ids).toEqual([...(base.ids.get('EMAIL') ?? []), ...outputs.flatMap((o) => o.ids.get('EMAIL') ?? [])].sort());
  });

  it('keeps the write marker when aborted mid-request, and the next run sends that update again', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 2000, partitions: 2 } });
    const controller = new AbortController();
    const { tiktok, client } = setup({
      intercept: (endpoint, _request, count) => {
        // The update reaches TikTok, then the person presses Ctrl+C before the answer arrives.
        if (endpoint === 'update' && count === 1) controller.abort(new Error('interrupted'));
        return undefined;
      },
    });
    const ledger = new InMemoryUploadLedgerStore();
    await expect(
      uploadTransformOutput(
        request(
          output,
          client,
          ledger,
          { name: 'Spring', action: 'create' },
          { batchSize: 1, signal: controller.signal },
        ),
      ),
    ).rejects.toThrow('interrupted');
    expect((await ledger.load('job-1'))?.audiences.EMAIL?.pending?.kind).toBe('update');
    await uploadTransformOutput(
      request(output, client, ledger, { name: 'Spring', action: 'create' }, { batchSize: 1 }),
    );
    expectSameAudiences(tiktok, output);
    expect(tiktok.requests.filter((r) => r.url.pathname.endsWith('/update/'))).toHaveLength(2);
  });

  it('waits out a busy audience between batches', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 2000, partitions: 2 } });
    const { tiktok, client } = setup({
      intercept: (endpoint, _request, count) =>
        endpoint === 'update' && count <= 2
          ? { code: 40002, message: 'Audience busy: the audience is being calculated' }
          : undefined,
    });
    await uploadTransformOutput(
      request(output, client, new InMemoryUploadLedgerStore(), { name: 'Spring', action: 'create' }, { batchSize: 1 }),
    );
    expect(tiktok.requests.filter((r) => r.url.pathname.endsWith('/update/'))).toHaveLength(3);
    expectExactlyOnce(tiktok, output);
  });

  it('uploads an expired file again (40910) and applies it', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 2000, partitions: 2 } });
    const { tiktok, client } = setup();
    const ledger = new InMemoryUploadLedgerStore();
    // First run: crash right after both uploads are recorded, before the create.
    const crashing = new CrashingLedger(ledger, 3); // saves: upload, upload, create intent
    await expect(
      uploadTransformOutput(request(output, client, crashing, { name: 'Spring', action: 'create' })),
    ).rejects.toThrow('simulated crash');
    const state = await ledger.load('job-1');
    const paths = Object.values(state?.audiences.EMAIL?.partitions ?? {}).map((partition) => partition.filePath);
    expect(paths.every((path) => typeof path === 'string')).toBe(true);
    for (const path of paths) tiktok.expire(path as string);
    const result = await uploadTransformOutput(request(output, client, ledger, { name: 'Spring', action: 'create' }));
    expect(result.audiences[0]?.filesUploaded).toBe(2);
    expect(tiktok.requests.filter((r) => r.url.pathname.endsWith('/upload/'))).toHaveLength(4);
    expectExactlyOnce(tiktok, output);
  });

  it('sends a file again once after a signature mismatch (40900), then gives up with the cause', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 1000, partitions: 1 } });
    const once = setup({
      intercept: (endpoint, _request, count) =>
        endpoint === 'file/upload' && count === 1
          ? { code: 40900, message: 'file_signature does not match' }
          : undefined,
    });
    await uploadTransformOutput(
      request(output, once.client, new InMemoryUploadLedgerStore(), { name: 'Spring', action: 'create' }),
    );
    expectExactlyOnce(once.tiktok, output);
    const always = setup({
      intercept: (endpoint) =>
        endpoint === 'file/upload' ? { code: 40900, message: 'file_signature does not match' } : undefined,
    });
    await expect(
      uploadTransformOutput(
        request(output, always.client, new InMemoryUploadLedgerStore(), { name: 'Spring', action: 'create' }),
      ),
    ).rejects.toMatchObject({ kind: 'signature_mismatch', code: 40900 });
    expect(always.tiktok.requests.filter((r) => r.url.pathname.endsWith('/upload/'))).toHaveLength(2);
  });

  it('appends to an audience found by name, and creates it when it does not exist yet', async () => {
    const first = buildFakeTransformOutput({ EMAIL: { ids: 1500, partitions: 1 } });
    const second = buildFakeTransformOutput({ EMAIL: { ids: 500, partitions: 1 } });
    const { tiktok, client } = setup();
    const created = await uploadTransformOutput(
      request(first, client, new InMemoryUploadLedgerStore(), { name: 'Spring', action: 'append' }),
    );
    expect(created.audiences[0]?.created).toBe(true);
    const appended = await uploadTransformOutput(
      request(second, client, new InMemoryUploadLedgerStore(), { name: 'Spring', action: 'append' }),
    );
    expect(appended.audiences[0]?.created).toBe(false);
    expect(appended.audiences[0]?.audienceId).toBe(created.audiences[0]?.audienceId);
    expect(appended.audiences[0]?.matchRate).toBeUndefined(); // the audience holds more than this upload
    expect([...tiktok.audiences.values()][0]?.ids.size).toBe(2000);
  });

  it('refuses to create a second audience with a name that is already taken', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 1500, partitions: 1 } });
    const { tiktok, client } = setup();
    await uploadTransformOutput(
      request(output, client, new InMemoryUploadLedgerStore(), { name: 'Spring', action: 'create' }),
    );
    const error = await userError(
      uploadTransformOutput(
        request(output, client, new InMemoryUploadLedgerStore(), { name: 'Spring', action: 'create' }),
      ),
    );
    expect(error.code).toBe('audience_name_taken');
    expect(error.resolution).toMatch(/--action append/);
    expect(tiktok.audiences.size).toBe(1);
  });

  it('refuses a REPLACE with fewer than 1,000 ids before calling TikTok', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 999, partitions: 1 } });
    const { tiktok, client } = setup();
    const error = await userError(
      uploadTransformOutput(
        request(output, client, new InMemoryUploadLedgerStore(), { audienceId: '123', action: 'replace' }),
      ),
    );
    expect(error.code).toBe('replace_below_minimum');
    expect(error.detail).toContain('999');
    expect(tiktok.requests).toHaveLength(0);
  });

  it('refuses a REMOVE that would leave fewer than 1,000 people, before writing anything', async () => {
    const base = buildFakeTransformOutput({ EMAIL: { ids: 1800, partitions: 1 } });
    const { tiktok, client } = setup();
    const created = await uploadTransformOutput(
      request(base, client, new InMemoryUploadLedgerStore(), { name: 'Spring', action: 'create' }),
    );
    const writes = tiktok.writes();
    const removal = buildFakeTransformOutput({ EMAIL: { ids: 900, partitions: 1 } });
    const error = await userError(
      uploadTransformOutput(
        request(removal, client, new InMemoryUploadLedgerStore(), {
          audienceId: created.audiences[0]?.audienceId as string,
          action: 'remove',
        }),
      ),
    );
    expect(error.code).toBe('remove_below_minimum');
    expect(error.detail).toContain('1800');
    expect(tiktok.writes()).toBe(writes);
  });

  it('removes and replaces with explicit actions; REPLACE then APPEND for later batches', async () => {
    const base = buildFakeTransformOutput({ EMAIL: { ids: 3000, partitions: 1 } });
    const { tiktok, client } = setup();
    const created = await uploadTransformOutput(
      request(base, client, new InMemoryUploadLedgerStore(), { name: 'Spring', action: 'create' }),
    );
    const audienceId = created.audiences[0]?.audienceId as string;
    const replacement = buildFakeTransformOutput({ EMAIL: { ids: 2000, partitions: 2 } });
    const replaced = await uploadTransformOutput(
      request(
        replacement,
        client,
        new InMemoryUploadLedgerStore(),
        { audienceId, action: 'replace' },
        { batchSize: 1 },
      ),
    );
    expect(replaced.audiences[0]?.matchRate).toBe(1);
    const audience = tiktok.audiences.get(audienceId);
    expect([...(audience?.ids ?? [])].sort()).toEqual([...(replacement.ids.get('EMAIL') ?? [])].sort());
    expect(audience?.history.map((entry) => entry.action)).toEqual(['CREATE', 'REPLACE', 'APPEND']);
  });

  it('refuses one audience id for several identifier types, and a create with an audience id', async () => {
    const output = buildFakeTransformOutput({
      EMAIL: { ids: 1000, partitions: 1 },
      PHONE: { ids: 1000, partitions: 1 },
    });
    const { tiktok, client } = setup();
    expect(
      (
        await userError(
          uploadTransformOutput(
            request(output, client, new InMemoryUploadLedgerStore(), { audienceId: '5', action: 'append' }),
          ),
        )
      ).code,
    ).toBe('audience_id_with_several_types');
    const single = buildFakeTransformOutput({ EMAIL: { ids: 1000, partitions: 1 } });
    expect(
      (
        await userError(
          uploadTransformOutput(
            request(single, client, new InMemoryUploadLedgerStore(), { name: 'x', audienceId: '5', action: 'create' }),
          ),
        )
      ).code,
    ).toBe('create_with_audience_id');
    expect(tiktok.requests).toHaveLength(0);
  });

  it('refuses an audience of another identifier type', async () => {
    const phone = buildFakeTransformOutput({ PHONE: { ids: 1000, partitions: 1 } });
    const email = buildFakeTransformOutput({ EMAIL: { ids: 1000, partitions: 1 } });
    const { tiktok, client } = setup();
    const created = await uploadTransformOutput(
      request(phone, client, new InMemoryUploadLedgerStore(), { name: 'Spring', action: 'create' }),
    );
    const writes = tiktok.writes();
    const error = await userError(
      uploadTransformOutput(
        request(email, client, new InMemoryUploadLedgerStore(), {
          audienceId: created.audiences[0]?.audienceId as string,
          action: 'append',
        }),
      ),
    );
    expect(error.code).toBe('calculate_type_mismatch');
    expect(tiktok.writes()).toBe(writes);
  });

  it('refuses partitions that changed after the transform', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 1000, partitions: 1 } });
    const { tiktok, client } = setup();
    const tampered: UploadRequest = request(
      output,
      client,
      new InMemoryUploadLedgerStore(),
      { name: 'Spring', action: 'create' },
      { readPartition: async () => Buffer.from('f'.repeat(64) + '\n') },
    );
    expect((await userError(uploadTransformOutput(tampered))).code).toBe('partition_changed');
    expect(tiktok.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('waits once for all audiences, bounded, and reports those still calculating as not valid yet', async () => {
    const output = buildFakeTransformOutput({
      EMAIL: { ids: 1000, partitions: 1 },
      PHONE: { ids: 1000, partitions: 1 },
    });
    const { tiktok } = setup();
    const neverValid = (async (input: string | URL | Request, init?: RequestInit) => {
      const response = await tiktok.fetch(input, init);
      if (!String(input).includes('/get/')) return response;
      const body = (await response.json()) as { data: { list: Array<{ audience_details: { is_valid: boolean } }> } };
      for (const item of body.data.list) item.audience_details.is_valid = false;
      return new Response(JSON.stringify(body));
    }) as typeof fetch;
    const client = new TikTokClient({
      baseUrl: 'http://tiktok.test/open_api/v1.3',
      accessToken: 't-000000000',
      fetch: neverValid,
      limiter: new RequestRateLimiter({ ratePerSecond: 100_000 }),
      sleep: async () => undefined,
    });
    const sleeps: number[] = [];
    const result = await uploadTransformOutput(
      request(
        output,
        client,
        new InMemoryUploadLedgerStore(),
        { name: 'Spring', action: 'create' },
        { poll: { timeoutMs: 10_000, intervalMs: 4000 }, sleep: async (ms) => void sleeps.push(ms) },
      ),
    );
    expect(result.audiences.map((audience) => [audience.type, audience.isValid, audience.matchRate])).toEqual([
      ['EMAIL', false, undefined],
      ['PHONE', false, undefined],
    ]);
    expect(sleeps).toEqual([1000, 2000, 4000, 3000]);
    const statusGets = tiktok.requests.filter(
      (r) => r.url.pathname.endsWith('/get/') && r.url.searchParams.get('history_size') === '10',
    );
    expect(statusGets).toHaveLength(5);
    expect(
      statusGets.every(
        (r) => (JSON.parse(r.url.searchParams.get('custom_audience_ids') ?? '[]') as string[]).length === 2,
      ),
    ).toBe(true);
  });

  it('reports every partition of a resumed upload as done or skipped, so progress reaches the total', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 3000, partitions: 3 } });
    const { client } = setup();
    const store = new InMemoryUploadLedgerStore();
    // Crash after the first batch (one file) was applied.
    await expect(
      uploadTransformOutput(
        request(output, client, new CrashingLedger(store, 4), { name: 'Spring', action: 'create' }, { batchSize: 1 }),
      ),
    ).rejects.toThrow('simulated crash');
    const events: UploadProgressEvent[] = [];
    await uploadTransformOutput(
      request(
        output,
        client,
        store,
        { name: 'Spring', action: 'create' },
        { batchSize: 1, onProgress: (event) => events.push(event) },
      ),
    );
    const perPartition = events.filter(
      (event) =>
        event.kind === 'partition-uploaded' || (event.kind === 'partition-skipped' && event.already === 'applied'),
    );
    expect(
      perPartition
        .map((event) => (event.kind === 'partition-uploaded' || event.kind === 'partition-skipped' ? event.path : ''))
        .sort(),
    ).toEqual(output.manifest.types.EMAIL?.files.map((file) => file.path).sort());
  });

  it('polls until the audience is valid, bounded', async () => {
    const output = buildFakeTransformOutput({ EMAIL: { ids: 1000, partitions: 1 } });
    const { tiktok } = setup();
    let gets = 0;
    const slow = (async (input: string | URL | Request, init?: RequestInit) => {
      const response = await tiktok.fetch(input, init);
      if (!String(input).includes('/get/')) return response;
      gets += 1;
      const body = (await response.json()) as { data: { list: Array<{ audience_details: { is_valid: boolean } }> } };
      for (const item of body.data.list) item.audience_details.is_valid = gets > 3;
      return new Response(JSON.stringify(body));
    }) as typeof fetch;
    const pollingClient = new TikTokClient({
      baseUrl: 'http://tiktok.test/open_api/v1.3',
      accessToken: 't-000000000',
      fetch: slow,
      limiter: new RequestRateLimiter({ ratePerSecond: 100_000 }),
      sleep: async () => undefined,
    });
    const sleeps: number[] = [];
    const result = await uploadTransformOutput(
      request(
        output,
        pollingClient,
        new InMemoryUploadLedgerStore(),
        { name: 'Spring', action: 'create' },
        { poll: { timeoutMs: 60_000, intervalMs: 1000 }, sleep: async (ms) => void sleeps.push(ms) },
      ),
    );
    expect(result.audiences[0]?.isValid).toBe(true);
    expect(sleeps).toEqual([1000, 1000, 1000]);
  });
});
