import type { JobPlan } from '../plan.ts';

/**
 * The job lifecycle, shared by local mode (SQLite) and the cloud (Lambdas + the Data API): states,
 * which moves between them are allowed, and the shape of a job record. Pure: no Node-only imports.
 */
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
/** States of a job that is waiting or running (not finished). */
export const ACTIVE_JOB_STATES: readonly JobState[] = ['queued', 'transforming', 'uploading', 'processing'];
/** Finished states a person may retry (a completed job is started anew instead). */
export const RETRYABLE_JOB_STATES: readonly JobState[] = ['failed', 'partially_failed', 'cancelled'];

/**
 * Allowed moves. A state may also be re-entered (a new reason, e.g. "retrying in 5 s"). Any active
 * state may fail or be cancelled; a retry moves a retryable job back to `queued`.
 */
export const JOB_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ['transforming', 'uploading', 'failed', 'cancelled'],
  transforming: ['uploading', 'failed', 'cancelled'],
  uploading: ['processing', 'completed', 'partially_failed', 'failed', 'cancelled'],
  processing: ['completed', 'partially_failed', 'failed', 'cancelled'],
  completed: [],
  failed: ['queued'],
  partially_failed: ['queued'],
  cancelled: ['queued'],
};

export function isTerminalJobState(state: JobState): boolean {
  return TERMINAL_JOB_STATES.has(state);
}

export function canTransition(from: JobState, to: JobState): boolean {
  return (from === to && !TERMINAL_JOB_STATES.has(from)) || JOB_TRANSITIONS[from].includes(to);
}

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
  /** Generation of the run that holds the job (see RunFence); 0 before any run. */
  runGeneration: number;
}

export interface JobEvent {
  id: number;
  jobId: string;
  at: number;
  type: string;
  data: Record<string, unknown>;
}

export interface StateChange {
  state: JobState;
  reason?: string | null;
  resolution?: string | null;
  result?: Record<string, unknown> | null;
  /** Only move when the job is in one of these states (guards against racing a cancel). */
  from?: readonly JobState[];
  /** For terminal states: how long the hashed output is kept from now (sets the output expiry). */
  outputTtlMs?: number;
}
