import { existsSync, renameSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { isUserError, UserError } from '../core/errors.ts';
import { jobReasons } from '../core/jobs/job-reasons.ts';
import { summarizeManifest, totalUnique } from '../core/jobs/manifest-summary.ts';
import { isStaleRunError, type RunFence } from '../core/jobs/run-fence.ts';
import type { Manifest } from '../core/transform/manifest.ts';
import { MANIFEST_FILE } from '../core/transform/manifest.ts';
import { TERMINAL_JOB_STATES } from '../core/jobs/job-lifecycle.ts';
import type { JobRecord, JobProgress, SqliteJobStore } from '../adapters/node/sqlite/job-store.ts';
import { resolveDataPath } from './data-folder.ts';
import { JobInterruption, type JobStages } from './job-stages.ts';

export const DEFAULT_OUTPUT_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface JobRunnerOptions {
  jobs: SqliteJobStore;
  dataDir: string;
  /** `<DATA_DIR>/.jobs`: one folder per job with `out/` (hashed output) and, while a run transforms, `run-<generation>/`. */
  jobsDir: string;
  stages: JobStages;
  /** How long hashed output is kept after a job ends (default 7 days). */
  outputTtlMs?: number;
  /** Minimum time between progress writes. */
  progressIntervalMs?: number;
}

interface Run {
  job: JobRecord;
  signal: AbortSignal;
  fence: RunFence | undefined;
}

export function jobOutputDir(jobsDir: string, jobId: string): string {
  return join(jobsDir, jobId, 'out');
}

/** Moved to src/core/jobs (shared with the cloud); re-exported for existing callers. */
export { summarizeManifest } from '../core/jobs/manifest-summary.ts';

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

  /**
   * `fence` is the run generation the queue claim took: every write of this run carries it, so once a
   * newer run holds the job this one's next write throws StaleRunError and it stops (the caller
   * treats that like a lost lease). Undefined: unfenced (tests that call the runner directly).
   */
  async run(jobId: string, signal: AbortSignal, fence?: RunFence): Promise<JobRecord | undefined> {
    const { jobs } = this.options;
    const job = jobs.get(jobId);
    if (!job || TERMINAL_JOB_STATES.has(job.state)) return job;
    const run: Run = { job, signal, fence };
    try {
      if (job.cancelRequested) throw new JobInterruption('cancel');
      const manifest = await this.transformStage(run);
      return await this.uploadStage(run, manifest);
    } catch (error) {
      const interruption =
        signal.aborted && signal.reason instanceof JobInterruption
          ? signal.reason
          : error instanceof JobInterruption
            ? error
            : undefined;
      if (isStaleRunError(error)) throw error;
      if (interruption?.why === 'cancel')
        return jobs.setState(jobId, { ...jobReasons.cancelled(), outputTtlMs: this.outputTtlMs }, fence);
      if (interruption) throw interruption;
      if (isUserError(error)) return this.fail(jobId, error, fence);
      throw error;
    }
  }

  /** Marks a job failed for good, with what to do next. */
  fail(jobId: string, error: UserError, fence?: RunFence): JobRecord | undefined {
    return this.options.jobs.setState(jobId, { ...jobReasons.failedWith(error), outputTtlMs: this.outputTtlMs }, fence);
  }

  private async transformStage({ job, signal, fence }: Run): Promise<Manifest> {
    const { jobs, jobsDir, stages } = this.options;
    const outDir = jobOutputDir(jobsDir, job.id);
    const manifestPath = join(outDir, MANIFEST_FILE);
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
      if (!job.result?.transform) jobs.mergeResult(job.id, { transform: summarizeManifest(manifest) }, fence);
      return manifest;
    }
    const inputPaths = await this.resolveInputs(job);
    jobs.setState(job.id, jobReasons.transforming(), fence);
    // Each run transforms into its own folder and moves it to out/ only while it still holds the
    // job, so a run that lost the job (or died midway) never leaves or mixes partitions in out/.
    // Output of an interrupted run is incomplete (no manifest): start clean.
    await rm(join(jobsDir, job.id), { recursive: true, force: true });
    const stagingDir = join(jobsDir, job.id, `run-${fence ?? 0}`);
    const tempDir = join(stagingDir, 'tmp');
    const stagedOut = join(stagingDir, 'out');
    await mkdir(stagedOut, { recursive: true });
    await mkdir(tempDir, { recursive: true });
    const progress = this.progressWriter(job.id, fence);
    const manifest = await stages.transform({
      inputPaths,
      plan: job.plan,
      outDir: stagedOut,
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
    jobs.withFence(job.id, fence, () => {
      rmSync(outDir, { recursive: true, force: true });
      renameSync(stagedOut, outDir);
    });
    await rm(stagingDir, { recursive: true, force: true });
    jobs.mergeResult(job.id, { transform: summarizeManifest(manifest) }, fence);
    return manifest;
  }

  private async uploadStage({ job, signal, fence }: Run, manifest: Manifest): Promise<JobRecord | undefined> {
    const { jobs, jobsDir, stages } = this.options;
    if (signal.aborted) throw signal.reason;
    const unique = totalUnique(manifest);
    if (unique === 0)
      return jobs.setState(
        job.id,
        { ...jobReasons.noValidIdentifiers(manifest.recordsRead), outputTtlMs: this.outputTtlMs },
        fence,
      );
    jobs.setState(job.id, jobReasons.uploading(unique, job.destination.label), fence);
    const progress = this.progressWriter(job.id, fence);
    let processing = false;
    const outcome = await stages.upload({
      manifest,
      outDir: jobOutputDir(jobsDir, job.id),
      plan: job.plan,
      ledgerId: job.id,
      fence,
      destination: job.destination,
      signal,
      onProgress: (p) => {
        if (p.phase === 'processing' && !processing) {
          processing = true;
          progress.flush();
          jobs.setState(job.id, jobReasons.processing(job.destination.label), fence);
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
    jobs.mergeResult(job.id, { upload: outcome.summary }, fence);
    if (outcome.state === 'completed')
      jobs.setProgress(job.id, { ...(jobs.get(job.id)?.progress ?? {}), percent: 100 }, fence);
    return jobs.setState(
      job.id,
      {
        state: outcome.state,
        reason: outcome.reason,
        resolution: outcome.resolution ?? null,
        outputTtlMs: this.outputTtlMs,
      },
      fence,
    );
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

  private progressWriter(
    jobId: string,
    fence: RunFence | undefined,
  ): ((progress: JobProgress) => void) & { flush(): void } {
    let last = 0;
    let pending: JobProgress | undefined;
    const write = (progress: JobProgress): void => {
      pending = progress;
      const now = Date.now();
      if (now - last < this.progressIntervalMs) return;
      last = now;
      this.options.jobs.setProgress(jobId, progress, fence);
      pending = undefined;
    };
    return Object.assign(write, {
      flush: () => {
        if (pending) this.options.jobs.setProgress(jobId, pending, fence);
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
