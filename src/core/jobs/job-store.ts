import type { JobPlan } from '../plan.ts';
import type {
  JobDestination,
  JobEvent,
  JobOrigin,
  JobProgress,
  JobRecord,
  JobState,
  StateChange,
} from './job-lifecycle.ts';
import type { RunFence } from './run-fence.ts';

/** A value now (SQLite) or later (the Data API). */
export type Awaitable<T> = T | PromiseLike<T>;

/**
 * The job store port: SQLite in local mode (`SqliteJobStore`), the Amplify Data API in the cloud.
 * Every write a *run* makes carries the run's fence; writes a person makes (create, cancel, retry,
 * delete) do not. A fenced write succeeds only while `fence` is the job's current run generation,
 * and otherwise throws StaleRunError without changing anything, so a run that lost the job stops.
 */
export interface JobStore {
  /** Records a new job in `queued`, generation 0, with a `state` event. */
  create(init: {
    id: string;
    origin: JobOrigin;
    plan: JobPlan;
    destination: JobDestination;
    reason?: string;
  }): Awaitable<JobRecord>;

  get(id: string): Awaitable<JobRecord | undefined>;

  /**
   * Starts a run: atomically raises the job's run generation by one and returns it. From then on
   * fenced writes carrying an older generation fail. (Local mode does this inside the queue claim.)
   * Returns undefined when the job does not exist.
   */
  startRun(id: string): Awaitable<RunFence | undefined>;

  /** Throws StaleRunError unless `fence` is the job's current run generation (a run checks before committing). */
  checkRun(id: string, fence: RunFence | undefined): Awaitable<void>;

  /**
   * Moves the job to `change.state` and records a `state` event, in one conditional write:
   * - `change.from` given and the job is not in one of those states → nothing changes, returns undefined;
   * - `fence` given and it is not the job's current generation → throws StaleRunError.
   * A terminal state sets finishedAt and, with `outputTtlMs`, the output expiry.
   */
  setState(id: string, change: StateChange, fence?: RunFence): Awaitable<JobRecord | undefined>;

  /** Replaces the progress (counts only). Fenced like setState; a missing job is ignored. */
  setProgress(id: string, progress: JobProgress, fence?: RunFence): Awaitable<void>;

  /** Shallow-merges `patch` into the result (transform counts, later the upload's). Fenced like setState. */
  mergeResult(id: string, patch: Record<string, unknown>, fence?: RunFence): Awaitable<void>;

  /** Appends an event (state, retry, …); never identifier values. */
  addEvent(jobId: string, type: string, data: Record<string, unknown>): Awaitable<void>;

  events(jobId: string, afterId?: number): Awaitable<JobEvent[]>;

  /** Sets the cancel flag; a running run sees it at its next heartbeat. */
  requestCancel(id: string): Awaitable<void>;

  /**
   * Back to `queued` for a retry, only from a retryable state (otherwise returns undefined): clears the
   * cancel flag, finishedAt and the output expiry/deletion marks, so the new run's output is kept for
   * a full retention period from its own end and is swept then.
   */
  resetForRetry(id: string): Awaitable<JobRecord | undefined>;

  delete(id: string): Awaitable<boolean>;

  list(options?: { limit?: number; offset?: number; states?: readonly JobState[] }): Awaitable<JobRecord[]>;
}

/** Retention of hashed output in local mode (the cloud expires it by S3 lifecycle rules). */
export interface OutputRetentionStore {
  /**
   * Retention: claims a finished job whose output expired (terminal state, expiry ≤ now, not yet
   * deleted) and marks it deleted, atomically with respect to resetForRetry; `removeOutput` runs
   * inside that claim and must make the output unreachable (e.g. rename it aside) before returning.
   * Returns false when the job no longer qualifies (retried, already swept).
   */
  claimExpiredOutput(id: string, now: number, removeOutput: () => void): Awaitable<boolean>;

  /** Finished jobs whose output has expired and is still there (candidates for claimExpiredOutput). */
  expiredOutputs(now: number): Awaitable<string[]>;
}
