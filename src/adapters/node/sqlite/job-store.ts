import type Database from 'better-sqlite3';
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
} from '../../../core/jobs/job-lifecycle.ts';
import type { JobStore, OutputRetentionStore } from '../../../core/jobs/job-store.ts';
import { StaleRunError, type RunFence } from '../../../core/jobs/run-fence.ts';
import type { JobPlan } from '../../../core/plan.ts';

export {
  JOB_STATES,
  TERMINAL_JOB_STATES,
  type JobDestination,
  type JobEvent,
  type JobOrigin,
  type JobProgress,
  type JobRecord,
  type JobState,
  type StateChange,
} from '../../../core/jobs/job-lifecycle.ts';

interface JobRow {
  id: string;
  origin: JobOrigin;
  state: JobState;
  reason: string | null;
  resolution: string | null;
  plan_json: string;
  progress_json: string;
  result_json: string | null;
  destination_json: string;
  cancel_requested: number;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  output_expires_at: number | null;
  output_deleted_at: number | null;
  run_generation: number;
}

function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    origin: row.origin,
    state: row.state,
    reason: row.reason,
    resolution: row.resolution,
    plan: JSON.parse(row.plan_json) as JobPlan,
    progress: JSON.parse(row.progress_json) as JobProgress,
    result: row.result_json === null ? null : (JSON.parse(row.result_json) as Record<string, unknown>),
    destination: JSON.parse(row.destination_json) as JobDestination,
    cancelRequested: row.cancel_requested === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    outputExpiresAt: row.output_expires_at,
    outputDeletedAt: row.output_deleted_at,
    runGeneration: row.run_generation,
  };
}

/** Jobs, their progress, results and event history in the local SQLite database. */
export class SqliteJobStore implements JobStore, OutputRetentionStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  create(init: {
    id: string;
    origin: JobOrigin;
    plan: JobPlan;
    destination: JobDestination;
    reason?: string;
  }): JobRecord {
    const now = this.now();
    const row = this.db
      .prepare(
        `INSERT INTO jobs (id, origin, state, reason, plan_json, destination_json, created_at, updated_at)
         VALUES (?, ?, 'queued', ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(
        init.id,
        init.origin,
        init.reason ?? 'Waiting for the worker.',
        JSON.stringify(init.plan),
        JSON.stringify(init.destination),
        now,
        now,
      ) as JobRow;
    this.addEvent(init.id, 'state', { state: 'queued', reason: row.reason });
    return toJob(row);
  }

  /** Runs `fn` in one write transaction (e.g. create a job and queue it together). */
  inTransaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  get(id: string): JobRecord | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  list(options: { limit?: number; offset?: number; states?: readonly JobState[] } = {}): JobRecord[] {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const offset = Math.max(options.offset ?? 0, 0);
    const states = options.states ?? [];
    const where = states.length > 0 ? `WHERE state IN (${states.map(() => '?').join(', ')})` : '';
    const rows = this.db
      .prepare(`SELECT * FROM jobs ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`)
      .all(...states, limit, offset) as JobRow[];
    return rows.map(toJob);
  }

  count(): number {
    return this.db.prepare('SELECT count(*) FROM jobs').pluck().get() as number;
  }

  /** Raises the run generation (the queue's claim does the same inside its own transaction). */
  startRun(id: string): RunFence | undefined {
    return startJobRun(this.db, id);
  }

  /** Throws StaleRunError unless `fence` is the job's current run generation (undefined: unfenced). */
  checkRun(id: string, fence: RunFence | undefined): void {
    this.db.transaction(() => this.checkFence(id, fence)).immediate();
  }

  /**
   * Runs `fn` (synchronous: a rename, say) only while `fence` holds the job, in one write transaction
   * so no claim can take the job in between; throws StaleRunError otherwise.
   */
  withFence<T>(id: string, fence: RunFence | undefined, fn: () => T): T {
    return this.db
      .transaction(() => {
        this.checkFence(id, fence);
        return fn();
      })
      .immediate();
  }

  /** Throws StaleRunError when `fence` is given and a newer run holds the job. Call inside a transaction. */
  private checkFence(id: string, fence: RunFence | undefined): void {
    if (fence === undefined) return;
    const generation = this.db.prepare('SELECT run_generation FROM jobs WHERE id = ?').pluck().get(id) as
      number | undefined;
    if (generation !== undefined && generation !== fence) throw new StaleRunError(`job ${id}`, fence, generation);
  }

  /** Moves a job to a state and records the event. Returns the updated job, or undefined if `from` did not match. */
  setState(id: string, change: StateChange, fence?: RunFence): JobRecord | undefined {
    return this.db
      .transaction((): JobRecord | undefined => {
        this.checkFence(id, fence);
        const current = this.get(id);
        if (!current) return undefined;
        if (change.from && !change.from.includes(current.state)) return undefined;
        const now = this.now();
        const terminal = TERMINAL_JOB_STATES.has(change.state);
        const row = this.db
          .prepare(
            `UPDATE jobs SET state = ?, reason = ?, resolution = ?, result_json = COALESCE(?, result_json), updated_at = ?,
               finished_at = ?, output_expires_at = COALESCE(?, output_expires_at)
             WHERE id = ? RETURNING *`,
          )
          .get(
            change.state,
            change.reason ?? null,
            change.resolution ?? null,
            change.result === undefined || change.result === null ? null : JSON.stringify(change.result),
            now,
            terminal ? now : null,
            change.outputTtlMs === undefined ? null : now + change.outputTtlMs,
            id,
          ) as JobRow;
        this.addEvent(id, 'state', {
          state: change.state,
          reason: change.reason ?? null,
          resolution: change.resolution ?? null,
        });
        return toJob(row);
      })
      .immediate();
  }

  setProgress(id: string, progress: JobProgress, fence?: RunFence): void {
    this.db
      .transaction(() => {
        this.checkFence(id, fence);
        this.db
          .prepare('UPDATE jobs SET progress_json = ?, updated_at = ? WHERE id = ?')
          .run(JSON.stringify(progress), this.now(), id);
      })
      .immediate();
  }

  /** Merges into the stored result (e.g. the transform's counts, later the upload's). */
  mergeResult(id: string, patch: Record<string, unknown>, fence?: RunFence): void {
    this.db
      .transaction(() => {
        this.checkFence(id, fence);
        const current = this.get(id);
        if (!current) return;
        this.db
          .prepare('UPDATE jobs SET result_json = ?, updated_at = ? WHERE id = ?')
          .run(JSON.stringify({ ...(current.result ?? {}), ...patch }), this.now(), id);
      })
      .immediate();
  }

  requestCancel(id: string): void {
    this.db.prepare('UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?').run(this.now(), id);
  }

  /**
   * A retry starts over from `queued` (work already done is reused by the runner). The output's
   * expiry and deletion marks are cleared: the retried run's output is kept a full period from its
   * own end, and swept then even if an earlier output of the job was swept.
   */
  resetForRetry(id: string): JobRecord | undefined {
    const states = RETRYABLE_JOB_STATES.map(() => '?').join(', ');
    const row = this.db
      .prepare(
        `UPDATE jobs SET state = 'queued', reason = 'Retry requested: waiting for the worker.', resolution = NULL, cancel_requested = 0,
           finished_at = NULL, output_expires_at = NULL, output_deleted_at = NULL, updated_at = ?
         WHERE id = ? AND state IN (${states}) RETURNING *`,
      )
      .get(this.now(), id, ...RETRYABLE_JOB_STATES) as JobRow | undefined;
    if (row) this.addEvent(id, 'state', { state: 'queued', reason: row.reason });
    return row ? toJob(row) : undefined;
  }

  /**
   * Claims an expired output for deletion: in one transaction (so a retry cannot slip in between),
   * checks the job is still finished, expired and not yet swept, runs `removeOutput` (which must make
   * the output unreachable synchronously, e.g. rename it aside) and marks it deleted.
   */
  claimExpiredOutput(id: string, now: number, removeOutput: () => void): boolean {
    const terminal = [...TERMINAL_JOB_STATES];
    return this.db
      .transaction((): boolean => {
        const eligible = this.db
          .prepare(
            `SELECT 1 FROM jobs WHERE id = ? AND output_expires_at IS NOT NULL AND output_expires_at <= ?
               AND output_deleted_at IS NULL AND state IN (${terminal.map(() => '?').join(', ')})`,
          )
          .get(id, now, ...terminal);
        if (!eligible) return false;
        removeOutput();
        this.db
          .prepare('UPDATE jobs SET output_deleted_at = ?, updated_at = ? WHERE id = ?')
          .run(this.now(), this.now(), id);
        return true;
      })
      .immediate();
  }

  /** Finished jobs whose hashed output has expired and is still on disk. */
  expiredOutputs(now: number = this.now()): string[] {
    const terminal = [...TERMINAL_JOB_STATES];
    return this.db
      .prepare(
        `SELECT id FROM jobs WHERE output_expires_at IS NOT NULL AND output_expires_at <= ? AND output_deleted_at IS NULL
           AND state IN (${terminal.map(() => '?').join(', ')})`,
      )
      .pluck()
      .all(now, ...terminal) as string[];
  }

  delete(id: string): boolean {
    return this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM job_events WHERE job_id = ?').run(id);
        return this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id).changes === 1;
      })
      .immediate();
  }

  addEvent(jobId: string, type: string, data: Record<string, unknown>): void {
    this.db
      .prepare('INSERT INTO job_events (job_id, at, type, data_json) VALUES (?, ?, ?, ?)')
      .run(jobId, this.now(), type, JSON.stringify(data));
  }

  events(jobId: string, afterId = 0): JobEvent[] {
    const rows = this.db
      .prepare('SELECT * FROM job_events WHERE job_id = ? AND id > ? ORDER BY id')
      .all(jobId, afterId) as Array<{ id: number; job_id: string; at: number; type: string; data_json: string }>;
    return rows.map((row) => ({
      id: row.id,
      jobId: row.job_id,
      at: row.at,
      type: row.type,
      data: JSON.parse(row.data_json) as Record<string, unknown>,
    }));
  }
}

/** Raises a job's run generation by one and returns it (undefined: no such job). Atomic on its own. */
export function startJobRun(db: Database.Database, jobId: string): RunFence | undefined {
  return db
    .prepare('UPDATE jobs SET run_generation = run_generation + 1 WHERE id = ? RETURNING run_generation')
    .pluck()
    .get(jobId) as number | undefined;
}
