import { describe, expect, it } from 'vitest';
import { DataApiJobStore, toJobItem, type JobItem } from '../../../../src/adapters/aws/data-api-job-store.ts';
import { GraphqlRequestError, type GraphqlTransport } from '../../../../src/adapters/aws/graphql-transport.ts';
import { StaleRunError } from '../../../../src/core/jobs/run-fence.ts';
import { jobPlanSchema } from '../../../../src/core/plan.ts';
import { rejectionOf } from '../../../helpers/rejection-of.ts';

type Row = Record<string, unknown>;

/** Model conditions as AppSync evaluates them against the stored item. */
function holds(condition: Record<string, unknown> | undefined, item: Row): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([key, value]) => {
    if (key === 'and') return (value as Record<string, unknown>[]).every((c) => holds(c, item));
    if (key === 'or') return (value as Record<string, unknown>[]).some((c) => holds(c, item));
    const ops = value as { eq?: unknown; le?: unknown };
    if ('eq' in ops) return item[key] === ops.eq;
    if ('le' in ops) return (item[key] as number) <= (ops.le as number);
    throw new Error(`unsupported condition ${key}`);
  });
}

/**
 * A stand-in for the Data API: just enough of the generated model operations (by operation name)
 * with AppSync's behaviour for conditions, AWSJSON (JSON text) and managed timestamps.
 */
function fakeDataApi(clock: () => number) {
  const jobs = new Map<string, Row>();
  const events: Row[] = [];
  const calls: string[] = [];
  let beforeUpdate: (() => void) | undefined;
  const stamp = () => new Date(clock()).toISOString();
  const transport: GraphqlTransport = async (query, variables) => {
    const operation = /(?:query|mutation)\s+(\w+)/.exec(query)?.[1] as string;
    calls.push(operation);
    const input = variables.input as Row;
    switch (operation) {
      case 'GetJob':
        return { getJob: jobs.get(variables.id as string) ?? null };
      case 'CreateJob': {
        const row = {
          ...input,
          createdAt: stamp(),
          updatedAt: stamp(),
          finishedAt: null,
          outputExpiresAt: null,
          outputDeletedAt: null,
          result: null,
        };
        jobs.set(input.id as string, row);
        return { createJob: row };
      }
      case 'UpdateJob': {
        beforeUpdate?.();
        beforeUpdate = undefined;
        const current = jobs.get(input.id as string);
        if (!current || !holds(variables.condition as Record<string, unknown>, current))
          throw new GraphqlRequestError('UpdateJob', [
            { message: 'The conditional request failed', errorType: 'DynamoDB:ConditionalCheckFailedException' },
          ]);
        const row = { ...current, ...input, updatedAt: stamp() };
        jobs.set(input.id as string, row);
        return { updateJob: row };
      }
      case 'DeleteJob':
        jobs.delete(input.id as string);
        return { deleteJob: { id: input.id } };
      case 'CreateJobEvent':
        events.push({ ...input, id: `e${events.length}`, createdAt: stamp() });
        return { createJobEvent: { id: `e${events.length - 1}` } };
      case 'DeleteJobEvent':
        events.splice(
          events.findIndex((e) => e.id === input.id),
          1,
        );
        return { deleteJobEvent: { id: input.id } };
      case 'ListJobEventsByJob': {
        const after = (variables.seq as { gt?: number } | undefined)?.gt ?? -1;
        const items = events
          .filter((e) => e.jobId === variables.jobId && (e.seq as number) > after)
          .sort((a, b) => (a.seq as number) - (b.seq as number));
        return { listJobEventsByJob: { items, nextToken: null } };
      }
      case 'ListJobsByTransformRun':
        return {
          listJobsByTransformRun: {
            items: [...jobs.values()].filter((j) => j.transformRunId === variables.transformRunId),
          },
        };
      default:
        throw new Error(`unexpected ${operation}`);
    }
  };
  return { transport, jobs, events, calls, interleave: (fn: () => void) => (beforeUpdate = fn) };
}

const plan = jobPlanSchema.parse({
  inputs: ['results/run-1/'],
  mapping: [{ column: 'email', type: 'EMAIL' }],
  audience: { action: 'create', name: 'Spring' },
});
const ID = '0b6f3c1e-2d4a-4f5b-8c7d-9e0f1a2b3c4d';

async function storeWithJob() {
  let now = Date.parse('2026-12-01T08:00:00Z');
  const api = fakeDataApi(() => now);
  const store = new DataApiJobStore(api.transport, () => now);
  await store.create({
    id: ID,
    origin: 'api',
    plan,
    destination: { kind: 'tiktok', label: 'TikTok' },
    createdBy: 'ops',
  });
  return { api, store, advance: (ms: number) => (now += ms), now: () => now };
}

describe('DataApiJobStore', () => {
  it('creates a queued job (plan as JSON, generation 0) with a state event, and reads it back as a JobRecord', async () => {
    const { store, api } = await storeWithJob();
    expect(typeof api.jobs.get(ID)?.plan).toBe('string');
    const job = await store.get(ID);
    expect(job).toMatchObject({
      id: ID,
      state: 'queued',
      plan,
      runGeneration: 0,
      cancelRequested: false,
      createdBy: 'ops',
      finishedAt: null,
    });
    expect((await store.events(ID)).map((e) => [e.type, e.data.state])).toEqual([['state', 'queued']]);
  });

  it('startRun raises the generation; a write with an older fence throws StaleRunError and changes nothing', async () => {
    const { store, api } = await storeWithJob();
    const first = await store.startRun(ID);
    const second = await store.startRun(ID);
    expect([first, second]).toEqual([1, 2]);
    const error = await rejectionOf(store.setState(ID, { state: 'transforming', reason: 'x' }, first), StaleRunError);
    expect(error.current).toBe(2);
    expect(api.jobs.get(ID)?.state).toBe('queued');
    expect((await store.setState(ID, { state: 'transforming', reason: 'hashing' }, second))?.state).toBe(
      'transforming',
    );
  });

  it('a terminal state sets finishedAt and the output expiry; `from` guards against racing a cancel', async () => {
    const { store, now } = await storeWithJob();
    expect(await store.setState(ID, { state: 'uploading', from: ['transforming'] })).toBeUndefined();
    const done = await store.setState(ID, {
      state: 'failed',
      reason: 'r',
      resolution: 'do x',
      outputTtlMs: 7 * 86_400_000,
    });
    expect(done).toMatchObject({
      state: 'failed',
      finishedAt: now(),
      outputExpiresAt: now() + 7 * 86_400_000,
      resolution: 'do x',
    });
  });

  it('retries a lost race: another writer changed the job between read and write', async () => {
    const { store, api } = await storeWithJob();
    api.interleave(() => {
      const row = api.jobs.get(ID) as Row;
      api.jobs.set(ID, { ...row, state: 'cancelled' });
    });
    // Decided on `queued`, lost to the cancel: decided again on `cancelled`, where `from` says no.
    expect(await store.setState(ID, { state: 'transforming', from: ['queued'] })).toBeUndefined();
    expect(api.jobs.get(ID)?.state).toBe('cancelled');
  });

  it('merges results, resets a failed job for a retry, and finds a job by its Glue run', async () => {
    const { store } = await storeWithJob();
    await store.setTransformRun(ID, 'jr_abc');
    await store.mergeResult(ID, { transform: { recordsRead: 3 } });
    await store.mergeResult(ID, { upload: { idsSent: 2 } });
    expect((await store.get(ID))?.result).toEqual({ transform: { recordsRead: 3 }, upload: { idsSent: 2 } });
    expect(await store.resetForRetry(ID)).toBeUndefined();
    await store.setState(ID, { state: 'failed', outputTtlMs: 1000 });
    const reset = await store.resetForRetry(ID);
    expect(reset).toMatchObject({ state: 'queued', finishedAt: null, outputExpiresAt: null, cancelRequested: false });
    expect((await store.findByTransformRun('jr_abc'))?.id).toBe(ID);
    expect(await store.findByTransformRun('jr_other')).toBeUndefined();
  });

  it('deletes the job and its events', async () => {
    const { store, api } = await storeWithJob();
    await store.addEvent(ID, 'note', { n: 1 });
    expect(await store.delete(ID)).toBe(true);
    expect(api.jobs.size).toBe(0);
    expect(api.events).toHaveLength(0);
  });

  it('returns the schema’s Job shape from the custom mutations (AWSJSON as text, ISO times)', async () => {
    const { store } = await storeWithJob();
    const item: JobItem = toJobItem((await store.get(ID)) as never);
    expect(JSON.parse(item.plan as string)).toEqual(plan);
    expect(item.createdAt).toBe('2026-12-01T08:00:00.000Z');
    expect(item.finishedAt).toBeNull();
  });
});
