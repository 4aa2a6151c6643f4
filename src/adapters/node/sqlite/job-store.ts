import type Database from 'better-sqlite3';
import type { JobPlan } from '../../../core/plan.ts';

export const JOB_STATES = [
  'queued',
  'transforming',
  'uploading',
  'processing',
  'completed',
  'failed',
  'partially_failed',
  'cancelled',
] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set([
  'completed',
  'failed',
  'partially_failed',
  'cancelled',
]);

export type JobOrigin = 'api' | 'cli';

/** Where uploads go; `emulator` is always labelled "simulated TikTok" wherever it is shown. */
export interface JobDestination {
  kind: 'tiktok' | 'emulator';
  label: string;
}

/** Progress of the running stage. Counts only: never identifier values. */
export interface JobProgress {
  stage?: 'transform' | 'upload' | 'processing';
  recordsRead?: number;
  bytesRead?: number;
  totalBytes?: number;
  filesUploaded?: number;
  filesTotal?: number;
  /** 0–100 over the whole job (transform ≈ first half, upload the second). */
  percent?: number;
}

export interface JobRecord {
  id: string;
  origin: JobOrigin;
  state: JobState;
  /** Why the job is in this state, in words a person understands. */
  reason: string | null;
  /** What to do next (set for failures). */
  resolution: string | null;
  plan: JobPlan;
  progress: JobProgress;
  /** Counts from the transform and the upload; never raw identifiers. */
  result: Record<string, unknown> | null;
  destination: JobDestination;
  cancelRequested: boolean;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  outputExpiresAt: number | null;
  outputDeletedAt: number | null;
}

export interface JobEvent {
  id: number;
  jobId: string;
  at: number;
  type: string;
  data: Record<string, unknown>;
}

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
  };
}

export interface StateChange {
  state: JobState;
  reason?: string | null;
  resolution?: string | null;
  result?: Record<string, unknown> | null;
  /** Only move when the job is in one of these states (guards against racing a cancel). */
  from?: readonly JobState[];
  /** For terminal states: how long the hashed output is kept from now (sets output_expires_at). */
  outputTtlMs?: number;
}

/** Jobs, their progress, results and event history in the local SQLite database. */
export class SqliteJobStore {
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

  /** Moves a job to a state and records the event. Returns the updated job, or undefined if `from` did not match. */
  setState(id: string, change: StateChange): JobRecord | undefined {
    return this.db
      .transaction((): JobRecord | undefined => {
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

  setProgress(id: string, progress: JobProgress): void {
    this.db
      .prepare('UPDATE jobs SET progress_json = ?, updated_at = ? WHERE id = ?')
      .run(JSON.stringify(progress), this.now(), id);
  }

  /** Merges into the stored result (e.g. the transform's counts, later the upload's). */
  mergeResult(id: string, patch: Record<string, unknown>): void {
    this.db
      .transaction(() => {
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

  /** A retry starts over from `queued` (work already done is reused by the runner). */
  resetForRetry(id: string): JobRecord | undefined {
    const row = this.db
      .prepare(
        `UPDATE jobs SET state = 'queued', reason = 'Retry requested: waiting for the worker.', resolution = NULL, cancel_requested = 0,
           finished_at = NULL, updated_at = ? WHERE id = ? RETURNING *`,
      )
      .get(this.now(), id) as JobRow | undefined;
    if (row) this.addEvent(id, 'state', { state: 'queued', reason: row.reason });
    return row ? toJob(row) : undefined;
  }

  markOutputDeleted(id: string): void {
    this.db
      .prepare('UPDATE jobs SET output_deleted_at = ?, updated_at = ? WHERE id = ?')
      .run(this.now(), this.now(), id);
  }

  /** Finished jobs whose hashed output has expired and is still on disk. */
  expiredOutputs(now: number = this.now()): string[] {
    return this.db
      .prepare(
        'SELECT id FROM jobs WHERE output_expires_at IS NOT NULL AND output_expires_at <= ? AND output_deleted_at IS NULL',
      )
      .pluck()
      .all(now) as string[];
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
