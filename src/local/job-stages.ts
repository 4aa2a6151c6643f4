import type { JobDestination } from '../core/jobs/job-lifecycle.ts';
import type { RunFence } from '../core/jobs/run-fence.ts';
import type { JobPlan } from '../core/plan.ts';
import type { Manifest } from '../core/transform/manifest.ts';

export interface TransformProgress {
  recordsRead: number;
  bytesRead: number;
  totalBytes: number;
}

export interface UploadProgress {
  /** `processing`: everything is sent, TikTok is calculating the audience. */
  phase: 'uploading' | 'processing';
  filesUploaded: number;
  filesTotal: number;
}

export interface UploadOutcome {
  state: 'completed' | 'partially_failed' | 'failed';
  reason: string;
  resolution?: string;
  /** Counts and audience ids for the job record: never identifier values. */
  summary: Record<string, unknown>;
}

/**
 * The two pieces of work a job runs, as ports: the local composition plugs in the streaming engine
 * and the TikTok upload orchestrator; tests plug in fakes.
 */
export interface JobStages {
  transform(args: {
    inputPaths: string[];
    plan: JobPlan;
    outDir: string;
    tempDir: string;
    signal: AbortSignal;
    onProgress: (progress: TransformProgress) => void;
  }): Promise<Manifest>;
  upload(args: {
    manifest: Manifest;
    outDir: string;
    plan: JobPlan;
    /** Key of the job's upload ledger: the same job always resumes the same ledger. */
    ledgerId: string;
    /** The run's generation: every ledger write carries it (see src/core/jobs/run-fence.ts). */
    fence?: RunFence | undefined;
    /** The destination recorded when the job was created (a job never switches between emulator and TikTok). */
    destination: JobDestination;
    signal: AbortSignal;
    onProgress: (progress: UploadProgress) => void;
  }): Promise<UploadOutcome>;
}

/** Why a running job was interrupted; only `cancel` ends the job, the others leave it to resume. */
export class JobInterruption extends Error {
  constructor(readonly why: 'cancel' | 'shutdown' | 'lease-lost') {
    super(
      why === 'cancel'
        ? 'Cancelled on request.'
        : why === 'shutdown'
          ? 'The worker is shutting down.'
          : 'The worker lost its lease on the job.',
    );
    this.name = 'JobInterruption';
  }
}
