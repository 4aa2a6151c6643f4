import { randomInt } from 'node:crypto';
import {
  RETRYABLE_JOB_STATES,
  TERMINAL_JOB_STATES,
  type JobDestination,
  type JobEvent,
  type JobOrigin,
  type JobProgress,
  type JobRecord,
  type JobState,
  type StateChange,
} from '../../core/jobs/job-lifecycle.ts';
import type { JobStore } from '../../core/jobs/job-store.ts';
import { StaleRunError, type RunFence } from '../../core/jobs/run-fence.ts';
import type { JobPlan } from '../../core/plan.ts';
import { GraphqlRequestError, type GraphqlTransport } from './graphql-transport.ts';

/** The Job fields every operation selects (the model in amplify/data/resource.ts). */
export const JOB_FIELDS = `id origin state reason resolution plan progress result destination cancelRequested
  runGeneration transformRunId createdBy createdAt updatedAt finishedAt outputExpiresAt outputDeletedAt`;

const GET_JOB = `query GetJob($id: ID!) { getJob(id: $id) { ${JOB_FIELDS} } }`;
const CREATE_JOB = `mutation CreateJob($input: CreateJobInput!) { createJob(input: $input) { ${JOB_FIELDS} } }`;
const UPDATE_JOB = `mutation UpdateJob($input: UpdateJobInput!, $condition: ModelJobConditionInput) {
  updateJob(input: $input, condition: $condition) { ${JOB_FIELDS} } }`;
const DELETE_JOB = `mutation DeleteJob($input: DeleteJobInput!) { deleteJob(input: $input) { id } }`;
const LIST_JOBS = `query ListJobs($limit: Int, $nextToken: String, $filter: ModelJobFilterInput) {
  listJobs(limit: $limit, nextToken: $nextToken, filter: $filter) { items { ${JOB_FIELDS} } nextToken } }`;
const JOBS_BY_TRANSFORM_RUN = `query ListJobsByTransformRun($transformRunId: String!) {
  listJobsByTransformRun(transformRunId: $transformRunId) { items { ${JOB_FIELDS} } } }`;
const CREATE_EVENT = `mutation CreateJobEvent($input: CreateJobEventInput!) { createJobEvent(input: $input) { id } }`;
const DELETE_EVENT = `mutation DeleteJobEvent($input: DeleteJobEventInput!) { deleteJobEvent(input: $input) { id } }`;
const LIST_EVENTS = `query ListJobEventsByJob($jobId: ID!, $seq: ModelFloatKeyConditionInput, $nextToken: String) {
  listJobEventsByJob(jobId: $jobId, seq: $seq, sortDirection: ASC, limit: 500, nextToken: $nextToken) {
    items { id jobId seq type data createdAt } nextToken } }`;

/** The Job as the Data API returns it: AWSJSON fields are JSON strings, times ISO strings. */
export interface JobItem {
  id: string;
  origin: string;
  state: JobState;
  reason: string | null;
  resolution: string | null;
  plan: string | object;
  progress: string | object | null;
  result: string | object | null;
  destination: string | object;
  cancelRequested: boolean;
  runGeneration: number;
  transformRunId?: string | null;
  createdBy?: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  outputExpiresAt: string | null;
  outputDeletedAt: string | null;
}

/** A cloud job record: the shared JobRecord plus the Glue run id and who started it. */
export interface CloudJobRecord extends JobRecord {
  transformRunId: string | null;
  createdBy: string | null;
}

const json = (value: unknown): string => JSON.stringify(value);
const parsed = <T>(value: string | object | null | undefined, fallback: T): T =>
  value === null || value === undefined
    ? fallback
    : typeof value === 'string'
      ? (JSON.parse(value) as T)
      : (value as T);
const time = (value: string | null | undefined): number | null => (value ? Date.parse(value) : null);
const iso = (ms: number): string => new Date(ms).toISOString();

export function toJobRecord(item: JobItem): CloudJobRecord {
  return {
    id: item.id,
    origin: item.origin as JobOrigin,
    state: item.state,
    reason: item.reason ?? null,
    resolution: item.resolution ?? null,
    plan: parsed<JobPlan>(item.plan, {} as JobPlan),
    progress: parsed<JobProgress>(item.progress, {}),
    result: parsed<Record<string, unknown> | null>(item.result, null),
    destination: parsed<JobDestination>(item.destination, { kind: 'tiktok', label: 'TikTok' }),
    cancelRequested: item.cancelRequested === true,
    createdAt: time(item.createdAt) ?? 0,
    updatedAt: time(item.updatedAt) ?? 0,
    finishedAt: time(item.finishedAt),
    outputExpiresAt: time(item.outputExpiresAt),
    outputDeletedAt: time(item.outputDeletedAt),
    runGeneration: item.runGeneration ?? 0,
    transformRunId: item.transformRunId ?? null,
    createdBy: item.createdBy ?? null,
  };
}

/** The record as the schema's `Job` type (what the custom mutations return): AWSJSON as JSON text, times ISO. */
export function toJobItem(job: CloudJobRecord): JobItem {
  const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: job.id,
    origin: job.origin,
    state: job.state,
    reason: job.reason,
    resolution: job.resolution,
    plan: JSON.stringify(job.plan),
    progress: JSON.stringify(job.progress),
    result: job.result === null ? null : JSON.stringify(job.result),
    destination: JSON.stringify(job.destination),
    cancelRequested: job.cancelRequested,
    runGeneration: job.runGeneration,
    transformRunId: job.transformRunId,
    createdBy: job.createdBy,
    createdAt: new Date(job.createdAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
    finishedAt: isoOrNull(job.finishedAt),
    outputExpiresAt: isoOrNull(job.outputExpiresAt),
    outputDeletedAt: isoOrNull(job.outputDeletedAt),
  };
}

/** Attempts of a compare-and-set write before giving up (another writer kept changing the job). */
const MAX_CAS_ATTEMPTS = 8;

/**
 * The job store port over the Amplify Data API (AppSync → DynamoDB). Every write is a conditional
 * model mutation: fenced writes hold only while `runGeneration` equals the run's fence, state changes
 * only from the state they were decided on (compare-and-set, retried on a lost race). Subscribed
 * browsers see each change. Events are JobEvent records ordered by `seq`.
 */
export class DataApiJobStore implements JobStore {
  constructor(
    private readonly graphql: GraphqlTransport,
    private readonly now: () => number = Date.now,
  ) {}

  async create(init: {
    id: string;
    origin: JobOrigin;
    plan: JobPlan;
    destination: JobDestination;
    reason?: string;
    createdBy?: string;
  }): Promise<CloudJobRecord> {
    const reason = init.reason ?? 'Waiting for the transform to start.';
    const data = await this.graphql(CREATE_JOB, {
      input: {
        id: init.id,
        origin: init.origin,
        state: 'queued',
        reason,
        plan: json(init.plan),
        progress: json({}),
        destination: json(init.destination),
        cancelRequested: false,
        runGeneration: 0,
        ...(init.createdBy ? { createdBy: init.createdBy } : {}),
      },
    });
    await this.addEvent(init.id, 'state', { state: 'queued', reason });
    return toJobRecord(data.createJob as JobItem);
  }

  async get(id: string): Promise<CloudJobRecord | undefined> {
    const data = await this.graphql(GET_JOB, { id });
    const item = data.getJob as JobItem | null | undefined;
    return item ? toJobRecord(item) : undefined;
  }

  async startRun(id: string): Promise<RunFence | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.get(id);
      if (!current) return undefined;
      const next = current.runGeneration + 1;
      try {
        await this.#update({ id, runGeneration: next }, { runGeneration: { eq: current.runGeneration } });
        return next;
      } catch (error) {
        if (!(error instanceof GraphqlRequestError && error.conditionFailed) || attempt >= MAX_CAS_ATTEMPTS)
          throw error;
      }
    }
  }

  async checkRun(id: string, fence: RunFence | undefined): Promise<void> {
    if (fence === undefined) return;
    const current = await this.get(id);
    if (current && current.runGeneration !== fence) throw new StaleRunError(`job ${id}`, fence, current.runGeneration);
  }

  async setState(id: string, change: StateChange, fence?: RunFence): Promise<CloudJobRecord | undefined> {
    return this.#compareAndSet(id, fence, (current) => {
      if (change.from && !change.from.includes(current.state)) return undefined;
      const now = this.now();
      const terminal = TERMINAL_JOB_STATES.has(change.state);
      return {
        fields: {
          state: change.state,
          reason: change.reason ?? null,
          resolution: change.resolution ?? null,
          ...(change.result !== undefined && change.result !== null ? { result: json(change.result) } : {}),
          finishedAt: terminal ? iso(now) : null,
          ...(change.outputTtlMs !== undefined ? { outputExpiresAt: iso(now + change.outputTtlMs) } : {}),
        },
        event: { state: change.state, reason: change.reason ?? null, resolution: change.resolution ?? null },
      };
    });
  }

  async setProgress(id: string, progress: JobProgress, fence?: RunFence): Promise<void> {
    await this.#compareAndSet(id, fence, () => ({ fields: { progress: json(progress) } }));
  }

  async mergeResult(id: string, patch: Record<string, unknown>, fence?: RunFence): Promise<void> {
    await this.#compareAndSet(id, fence, (current) => ({
      fields: { result: json({ ...(current.result ?? {}), ...patch }) },
    }));
  }

  /** Records the Glue run of the current run (fenced). */
  async setTransformRun(id: string, runId: string, fence?: RunFence): Promise<void> {
    await this.#compareAndSet(id, fence, () => ({ fields: { transformRunId: runId } }));
  }

  /** The job whose transform is this Glue run (the Glue state-change event names only the run). */
  async findByTransformRun(runId: string): Promise<CloudJobRecord | undefined> {
    const data = await this.graphql(JOBS_BY_TRANSFORM_RUN, { transformRunId: runId });
    const items = (data.listJobsByTransformRun as { items: JobItem[] } | null)?.items ?? [];
    return items[0] ? toJobRecord(items[0]) : undefined;
  }

  async addEvent(jobId: string, type: string, data: Record<string, unknown>): Promise<void> {
    const seq = this.now() * 1000 + randomInt(1000);
    await this.graphql(CREATE_EVENT, { input: { jobId, seq, type, data: json(data) } });
  }

  async events(jobId: string, afterId?: number): Promise<JobEvent[]> {
    const events: JobEvent[] = [];
    let nextToken: string | null = null;
    do {
      const data = await this.graphql(LIST_EVENTS, {
        jobId,
        ...(afterId !== undefined ? { seq: { gt: afterId } } : {}),
        ...(nextToken ? { nextToken } : {}),
      });
      const page = data.listJobEventsByJob as {
        items: Array<{ seq: number; type: string; data: string | object | null }>;
        nextToken: string | null;
      };
      for (const item of page.items)
        events.push({
          id: item.seq,
          jobId,
          at: Math.floor(item.seq / 1000),
          type: item.type,
          data: parsed(item.data, {}),
        });
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  async requestCancel(id: string): Promise<void> {
    await this.#compareAndSet(id, undefined, () => ({ fields: { cancelRequested: true } }));
  }

  async resetForRetry(id: string): Promise<CloudJobRecord | undefined> {
    return this.#compareAndSet(id, undefined, (current) => {
      if (!RETRYABLE_JOB_STATES.includes(current.state)) return undefined;
      const reason = 'Retry requested: waiting for the transform to start.';
      return {
        fields: {
          state: 'queued',
          reason,
          resolution: null,
          cancelRequested: false,
          finishedAt: null,
          outputExpiresAt: null,
          outputDeletedAt: null,
        },
        event: { state: 'queued', reason },
      };
    });
  }

  async delete(id: string): Promise<boolean> {
    const events = await this.#eventIds(id);
    for (const eventId of events) await this.graphql(DELETE_EVENT, { input: { id: eventId } });
    try {
      const data = await this.graphql(DELETE_JOB, { input: { id } });
      return Boolean(data.deleteJob);
    } catch (error) {
      if (error instanceof GraphqlRequestError && error.conditionFailed) return false;
      throw error;
    }
  }

  async list(options: { limit?: number; offset?: number; states?: readonly JobState[] } = {}): Promise<JobRecord[]> {
    const wanted = Math.min(Math.max(options.limit ?? 100, 1), 1000) + Math.max(options.offset ?? 0, 0);
    const filter =
      options.states && options.states.length > 0
        ? { or: options.states.map((state) => ({ state: { eq: state } })) }
        : undefined;
    const jobs: CloudJobRecord[] = [];
    let nextToken: string | null = null;
    do {
      const data = await this.graphql(LIST_JOBS, {
        limit: 1000,
        ...(filter ? { filter } : {}),
        ...(nextToken ? { nextToken } : {}),
      });
      const page = data.listJobs as { items: JobItem[]; nextToken: string | null };
      jobs.push(...page.items.map(toJobRecord));
      nextToken = page.nextToken;
    } while (nextToken && jobs.length < wanted);
    jobs.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    return jobs.slice(Math.max(options.offset ?? 0, 0), wanted);
  }

  async #eventIds(jobId: string): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | null = null;
    do {
      const data = await this.graphql(LIST_EVENTS, { jobId, ...(nextToken ? { nextToken } : {}) });
      const page = data.listJobEventsByJob as { items: Array<{ id: string }>; nextToken: string | null };
      ids.push(...page.items.map((item) => item.id));
      nextToken = page.nextToken;
    } while (nextToken);
    return ids;
  }

  /**
   * Reads the job, lets `decide` compute the change, and writes it on condition that neither the
   * state nor the run generation moved meanwhile (and, for a fenced write, that the generation is the
   * fence). A lost race re-reads and decides again; a newer run throws StaleRunError.
   */
  async #compareAndSet(
    id: string,
    fence: RunFence | undefined,
    decide: (
      current: CloudJobRecord,
    ) => { fields: Record<string, unknown>; event?: Record<string, unknown> } | undefined,
  ): Promise<CloudJobRecord | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.get(id);
      if (!current) return undefined;
      if (fence !== undefined && current.runGeneration !== fence)
        throw new StaleRunError(`job ${id}`, fence, current.runGeneration);
      const decision = decide(current);
      if (!decision) return undefined;
      try {
        const updated = await this.#update(
          { id, ...decision.fields },
          { and: [{ state: { eq: current.state } }, { runGeneration: { eq: current.runGeneration } }] },
        );
        if (decision.event) await this.addEvent(id, 'state', decision.event);
        return updated;
      } catch (error) {
        if (!(error instanceof GraphqlRequestError && error.conditionFailed) || attempt >= MAX_CAS_ATTEMPTS)
          throw error;
      }
    }
  }

  async #update(input: Record<string, unknown>, condition: Record<string, unknown>): Promise<CloudJobRecord> {
    const data = await this.graphql(UPDATE_JOB, { input, condition });
    return toJobRecord(data.updateJob as JobItem);
  }
}
