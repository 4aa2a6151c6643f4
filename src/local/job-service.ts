import { randomUUID } from 'node:crypto';
import { renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import { jobReasons } from '../core/jobs/job-reasons.ts';
import type { JobPlan } from '../core/plan.ts';
import type { JobDestination, JobOrigin, JobRecord, SqliteJobStore } from '../adapters/node/sqlite/job-store.ts';
import { TERMINAL_JOB_STATES } from '../adapters/node/sqlite/job-store.ts';
import type { SqliteUploadLedgerStore } from '../adapters/node/sqlite/upload-ledger-store.ts';
import type { QueueMessage, SqliteWorkQueue } from '../adapters/node/sqlite/work-queue.ts';
import type { LocalWorker } from './local-worker.ts';

export interface JobServiceOptions {
  jobs: SqliteJobStore;
  queue: SqliteWorkQueue;
  ledger: Pick<SqliteUploadLedgerStore, 'delete'>;
  jobsDir: string;
  destination: JobDestination;
  /** Absent in processes that do not run a worker loop (the CLI's `jobs` command). */
  worker?: LocalWorker;
}

export function jobNotFound(id: string): UserError {
  return new UserError({
    code: 'job_not_found',
    title: 'Job not found',
    detail: `There is no job with id "${id.slice(0, 80)}".`,
    resolution: 'List the jobs (GET /api/jobs or `jobs list`) and use one of their ids.',
    field: 'id',
  });
}

/** The job operations shared by the HTTP API and the CLI. */
export class JobService {
  constructor(private readonly options: JobServiceOptions) {}

  get destination(): JobDestination {
    return this.options.destination;
  }

  /** Records a job and queues it; `leaseTo` hands the queue message straight to the caller (the CLI). */
  create(
    plan: JobPlan,
    origin: JobOrigin,
    leaseTo?: { owner: string; leaseMs: number },
  ): { job: JobRecord; message: QueueMessage } {
    const id = randomUUID();
    const { jobs, queue } = this.options;
    const created = jobs.inTransaction(() => {
      const job = jobs.create({ id, origin, plan, destination: this.options.destination });
      const message = queue.enqueue(id, leaseTo ? { leaseTo } : {});
      return { job, message };
    });
    this.options.worker?.notify();
    return created;
  }

  get(id: string): JobRecord {
    const job = this.options.jobs.get(id);
    if (!job) throw jobNotFound(id);
    return job;
  }

  cancel(id: string): JobRecord {
    const job = this.get(id);
    if (TERMINAL_JOB_STATES.has(job.state)) {
      throw new UserError({
        code: 'job_finished',
        title: 'Job already finished',
        detail: `The job is ${job.state}; there is nothing to cancel.`,
        resolution: 'Delete the job if you no longer need it.',
        field: 'id',
      });
    }
    const { jobs, queue, worker } = this.options;
    jobs.requestCancel(id);
    if (worker?.cancel(id)) return jobs.get(id) ?? job;
    // Not running in this process: a queued job is cancelled right here; one running elsewhere (the CLI) sees the flag within a heartbeat.
    const cancelled = jobs.setState(id, jobReasons.cancelledBeforeRun());
    if (cancelled) queue.settleJob(id);
    return jobs.get(id) ?? job;
  }

  retry(id: string): JobRecord {
    const job = this.get(id);
    if (!['failed', 'partially_failed', 'cancelled'].includes(job.state)) {
      throw new UserError({
        code: 'job_not_retryable',
        title: 'Job cannot be retried',
        detail: `The job is ${job.state}; only failed, partially failed or cancelled jobs can be retried.`,
        resolution: job.state === 'completed' ? 'Start a new job to upload again.' : 'Wait for the job to finish.',
        field: 'id',
      });
    }
    const { jobs, queue, worker } = this.options;
    queue.settleJob(id);
    const reset = jobs.resetForRetry(id);
    if (!reset) return jobs.get(id) ?? job; // another process retried it first
    queue.enqueue(id);
    worker?.notify();
    return reset ?? job;
  }

  /** Deletes the job, its events, ledger and hashed output. A running job is cancelled first. */
  async delete(id: string): Promise<void> {
    const job = this.get(id);
    const { jobs, queue, worker, ledger, jobsDir } = this.options;
    if (!TERMINAL_JOB_STATES.has(job.state)) {
      if (worker?.isRunning(id)) {
        worker.cancel(id);
        await worker.settled(id);
      } else if (job.state !== 'queued') {
        throw new UserError({
          code: 'job_running_elsewhere',
          title: 'Job is running',
          detail: 'Another process (the CLI) is running this job.',
          resolution: 'Cancel it, wait until it shows cancelled, then delete it.',
          field: 'id',
        });
      }
    }
    queue.deleteJob(id);
    ledger.delete(id);
    jobs.delete(id);
    await rm(join(jobsDir, id), { recursive: true, force: true });
  }

  /**
   * Removes hashed output that has outlived its retention; the job record stays. Each job's folder is
   * renamed aside inside the store's claim (so a retry that starts now finds either the whole old
   * output or none, never a half-deleted one), then deleted.
   */
  async expireOutputs(now = Date.now()): Promise<string[]> {
    const { jobs, jobsDir } = this.options;
    const swept: string[] = [];
    for (const id of jobs.expiredOutputs(now)) {
      const aside = join(jobsDir, `.expired-${id}-${randomUUID().slice(0, 8)}`);
      let moved = false;
      const claimed = jobs.claimExpiredOutput(id, now, () => {
        try {
          renameSync(join(jobsDir, id), aside);
          moved = true;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      });
      if (moved) await rm(aside, { recursive: true, force: true });
      if (claimed) swept.push(id);
    }
    return swept;
  }
}
