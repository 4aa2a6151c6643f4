import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { isUserError, UserError } from '../core/errors.ts';
import type { Manifest } from '../core/transform/manifest.ts';
import { MANIFEST_FILE } from '../core/transform/manifest.ts';
import type { JobRecord, JobProgress, SqliteJobStore } from '../adapters/node/sqlite/job-store.ts';
import { resolveDataPath } from './data-folder.ts';
import { JobInterruption, type JobStages } from './job-stages.ts';

export const DEFAULT_OUTPUT_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface JobRunnerOptions {
  jobs: SqliteJobStore;
  dataDir: string;
  /** `<DATA_DIR>/.jobs`: one folder per job with `out/` (hashed output) and `tmp/`. */
  jobsDir: string;
  stages: JobStages;
  /** How long hashed output is kept after a job ends (default 7 days). */
  outputTtlMs?: number;
  /** Minimum time between progress writes. */
  progressIntervalMs?: number;
}

export function jobOutputDir(jobsDir: string, jobId: string): string {
  return join(jobsDir, jobId, 'out');
}

/** Counts from the manifest for the job record (no digests, no values). */
export function summarizeManifest(manifest: Manifest): Record<string, unknown> {
  const types: Record<string, unknown> = {};
  for (const [type, counts] of Object.entries(manifest.types)) {
    if (!counts) continue;
    types[type] = {
      calculateType: counts.calculateType,
      columns: counts.columns,
      valid: counts.valid,
      prehashed: counts.prehashed,
      empty: counts.empty,
      rejected: counts.rejected,
      duplicates: counts.duplicates,
      unique: counts.unique,
      files: counts.files.length,
    };
  }
  return {
    recordsRead: manifest.recordsRead,
    malformedRecords: manifest.malformedRecords,
    rejects: manifest.rejects.rows,
    types,
  };
}

/**
 * Runs one job to its end, resuming wherever an earlier run stopped: a transform whose manifest exists
 * is reused (the engine writes it last and atomically), and the upload resumes from the job's ledger.
 * Person-facing problems (UserError) fail the job; anything else is thrown for the queue to retry.
 */
export class JobRunner {
  readonly outputTtlMs: number;
  private readonly progressIntervalMs: number;

  constructor(private readonly options: JobRunnerOptions) {
    this.outputTtlMs = options.outputTtlMs ?? DEFAULT_OUTPUT_TTL_MS;
    this.progressIntervalMs = options.progressIntervalMs ?? 200;
  }

  async run(jobId: string, signal: AbortSignal): Promise<JobRecord | undefined> {
    const { jobs } = this.options;
    const job = jobs.get(jobId);
    if (!job || ['completed', 'failed', 'partially_failed', 'cancelled'].includes(job.state)) return job;
    try {
      if (job.cancelRequested) throw new JobInterruption('cancel');
      const manifest = await this.transformStage(job, signal);
      return await this.uploadStage(job, manifest, signal);
    } catch (error) {
      const interruption =
        signal.aborted && signal.reason instanceof JobInterruption
          ? signal.reason
          : error instanceof JobInterruption
            ? error
            : undefined;
      if (interruption?.why === 'cancel') {
        return jobs.setState(jobId, {
          state: 'cancelled',
          reason: 'Cancelled on request. Anything already sent to TikTok stays there.',
          resolution: 'Retry the job to finish it; nothing already uploaded will be sent again.',
          outputTtlMs: this.outputTtlMs,
        });
      }
      if (interruption) throw interruption;
      if (isUserError(error)) return this.fail(jobId, error);
      throw error;
    }
  }

  /** Marks a job failed for good, with what to do next. */
  fail(jobId: string, error: UserError): JobRecord | undefined {
    return this.options.jobs.setState(jobId, {
      state: 'failed',
      reason: `${error.title}: ${error.detail}`,
      resolution: error.resolution,
      outputTtlMs: this.outputTtlMs,
    });
  }

  private async transformStage(job: JobRecord, signal: AbortSignal): Promise<Manifest> {
    const { jobs, jobsDir, stages } = this.options;
    const outDir = jobOutputDir(jobsDir, job.id);
    const manifestPath = join(outDir, MANIFEST_FILE);
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
      if (!job.result?.transform) jobs.mergeResult(job.id, { transform: summarizeManifest(manifest) });
      return manifest;
    }
    const inputPaths = await this.resolveInputs(job);
    jobs.setState(job.id, { state: 'transforming', reason: 'Reading, normalizing and hashing the input.' });
    // Output of an interrupted run is incomplete (no manifest): start clean.
    await rm(join(jobsDir, job.id), { recursive: true, force: true });
    const tempDir = join(jobsDir, job.id, 'tmp');
    await mkdir(outDir, { recursive: true });
    await mkdir(tempDir, { recursive: true });
    const progress = this.progressWriter(job.id);
    const manifest = await stages.transform({
      inputPaths,
      plan: job.plan,
      outDir,
      tempDir,
      signal,
      onProgress: (p) =>
        progress({
          stage: 'transform',
          recordsRead: p.recordsRead,
          bytesRead: p.bytesRead,
          totalBytes: p.totalBytes,
          percent: p.totalBytes > 0 ? Math.min(50, Math.round((p.bytesRead / p.totalBytes) * 50)) : 0,
        }),
    });
    progress.flush();
    await rm(tempDir, { recursive: true, force: true });
    jobs.mergeResult(job.id, { transform: summarizeManifest(manifest) });
    return manifest;
  }

  private async uploadStage(job: JobRecord, manifest: Manifest, signal: AbortSignal): Promise<JobRecord | undefined> {
    const { jobs, jobsDir, stages } = this.options;
    if (signal.aborted) throw signal.reason;
    const totalUnique = Object.values(manifest.types).reduce((sum, counts) => sum + (counts?.unique ?? 0), 0);
    if (totalUnique === 0) {
      return jobs.setState(job.id, {
        state: 'failed',
        reason: `No valid identifiers: ${manifest.recordsRead} records read, none normalized to a valid value in the mapped columns.`,
        resolution:
          'Check the column mapping and the rejects summary of the job (or run `inspect` on the file), then start a new job.',
        outputTtlMs: this.outputTtlMs,
      });
    }
    jobs.setState(job.id, {
      state: 'uploading',
      reason: `Uploading ${totalUnique} hashed identifiers to ${job.destination.label}.`,
    });
    const progress = this.progressWriter(job.id);
    let processing = false;
    const outcome = await stages.upload({
      manifest,
      outDir: jobOutputDir(jobsDir, job.id),
      plan: job.plan,
      ledgerId: job.id,
      destination: job.destination,
      signal,
      onProgress: (p) => {
        if (p.phase === 'processing' && !processing) {
          processing = true;
          progress.flush();
          jobs.setState(job.id, {
            state: 'processing',
            reason: `All files sent; waiting for ${job.destination.label} to finish calculating the audience.`,
            from: ['uploading'],
          });
        }
        progress({
          stage: p.phase === 'processing' ? 'processing' : 'upload',
          filesUploaded: p.filesUploaded,
          filesTotal: p.filesTotal,
          percent: 50 + (p.filesTotal > 0 ? Math.round((p.filesUploaded / p.filesTotal) * 50) : 50),
        });
      },
    });
    progress.flush();
    jobs.mergeResult(job.id, { upload: outcome.summary });
    if (outcome.state === 'completed')
      jobs.setProgress(job.id, { ...(jobs.get(job.id)?.progress ?? {}), percent: 100 });
    return jobs.setState(job.id, {
      state: outcome.state,
      reason: outcome.reason,
      resolution: outcome.resolution ?? null,
      outputTtlMs: this.outputTtlMs,
    });
  }

  private async resolveInputs(job: JobRecord): Promise<string[]> {
    const paths: string[] = [];
    for (const [index, input] of job.plan.inputs.entries()) {
      // CLI jobs may name files anywhere the operator can read; API jobs are confined to the data folder.
      if (job.origin === 'cli' && isAbsolute(input)) {
        if (!existsSync(input)) throw missingInput(input, `inputs[${index}]`);
        paths.push(input);
        continue;
      }
      try {
        paths.push(await resolveDataPath(this.options.dataDir, input, `inputs[${index}]`));
      } catch (error) {
        if (isUserError(error) && error.code === 'path_not_found') throw missingInput(input, `inputs[${index}]`, error);
        throw error;
      }
    }
    return paths;
  }

  private progressWriter(jobId: string): ((progress: JobProgress) => void) & { flush(): void } {
    let last = 0;
    let pending: JobProgress | undefined;
    const write = (progress: JobProgress): void => {
      pending = progress;
      const now = Date.now();
      if (now - last < this.progressIntervalMs) return;
      last = now;
      this.options.jobs.setProgress(jobId, progress);
      pending = undefined;
    };
    return Object.assign(write, {
      flush: () => {
        if (pending) this.options.jobs.setProgress(jobId, pending);
        pending = undefined;
      },
    });
  }
}

function missingInput(input: string, field: string, cause?: unknown): UserError {
  return new UserError({
    code: 'input_missing',
    title: 'Input file is gone',
    detail: `"${input}" no longer exists (it was moved or deleted after the job was created).`,
    resolution: 'Put the file back (same name) and retry the job, or start a new job with the file where it is now.',
    field,
    kind: 'failure',
    cause,
  });
}
