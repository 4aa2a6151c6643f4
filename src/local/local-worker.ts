import type { SqliteJobStore } from '../adapters/node/sqlite/job-store.ts';
import type { QueueMessage, SqliteWorkQueue } from '../adapters/node/sqlite/work-queue.ts';
import { jobReasons } from '../core/jobs/job-reasons.ts';
import { isStaleRunError } from '../core/jobs/run-fence.ts';
import type { JobRunner } from './job-runner.ts';
import { JobInterruption } from './job-stages.ts';
import { isLeaseOwnerAlive, markRunning, retireLeaseOwner, runningHere } from './lease-owner.ts';

export interface LocalWorkerOptions {
  jobs: SqliteJobStore;
  queue: SqliteWorkQueue;
  runner: JobRunner;
  owner: string;
  /** Lease length; renewed every third of it while a job runs. */
  leaseMs?: number;
  /** Jobs run at the same time (each transform uses its own worker threads). */
  concurrency?: number;
  /** How often an idle worker looks for due work (it is also woken by `notify`). */
  pollMs?: number;
  /** Decides whether another worker's lease can be taken over at once; defaults to a pid check. */
  isOwnerAlive?: (owner: string) => boolean;
  /** Called with each unexpected error (for the terminal log). Messages only; never values. */
  onError?: (jobId: string, error: unknown) => void;
}

interface Running {
  message: QueueMessage;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Drains the durable queue in this process: claims a message with a lease, keeps the lease alive while
 * the job runs, retries failures with back-off and dead-letters what keeps failing, marking the job
 * failed with the reason.
 */
export class LocalWorker {
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly running = new Map<string, Running>();
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: LocalWorkerOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.pollMs = options.pollMs ?? 500;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    // Work left leased by a process that died (crash, SIGKILL) is taken over now, not after the lease.
    this.options.queue.releaseLeases(
      (owner) => owner !== this.options.owner && (this.options.isOwnerAlive ?? isLeaseOwnerAlive)(owner),
    );
    this.loop = this.run();
  }

  /** Something was enqueued: look now instead of at the next poll. */
  notify(): void {
    this.wake?.();
  }

  /** Aborts the job if it runs here; returns whether it did. */
  cancel(jobId: string): boolean {
    const running = this.running.get(jobId);
    if (!running) return false;
    running.controller.abort(new JobInterruption('cancel'));
    return true;
  }

  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /** Waits until the job stops running here (after a cancel). */
  async settled(jobId: string): Promise<void> {
    await this.running.get(jobId)?.done;
  }

  /** Stops claiming, interrupts running jobs (they resume on the next start) and waits for them. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    for (const running of this.running.values()) running.controller.abort(new JobInterruption('shutdown'));
    await this.loop;
    await Promise.all([...this.running.values()].map((running) => running.done));
    retireLeaseOwner(this.options.owner);
  }

  /** Runs one already-claimed message to its end (the CLI uses this for the job it created). */
  runClaimed(message: QueueMessage): Promise<void> {
    return this.execute(message);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      while (!this.stopped && this.running.size < this.concurrency) {
        // Never re-take a job this process still runs: its lease may have run out while the event
        // loop was busy, but the run is alive and renews it at its next heartbeat.
        const message = this.options.queue.claim(this.options.owner, this.leaseMs, runningHere());
        if (!message) break;
        void this.execute(message);
      }
      this.settleDeadLetters();
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.pollMs);
      });
      clearTimeout(this.timer);
      this.wake = undefined;
    }
  }

  private execute(message: QueueMessage): Promise<void> {
    const { jobs, queue, runner, owner } = this.options;
    const controller = new AbortController();
    const heartbeat = setInterval(
      () => {
        if (!queue.heartbeat(message.id, owner, this.leaseMs)) controller.abort(new JobInterruption('lease-lost'));
        else if (jobs.get(message.jobId)?.cancelRequested) controller.abort(new JobInterruption('cancel'));
        // At most every second: a cancel requested by another process (API ↔ CLI) is seen promptly.
      },
      Math.max(50, Math.min(1_000, Math.floor(this.leaseMs / 3))),
    );
    const done = (async () => {
      try {
        await runner.run(message.jobId, controller.signal, message.generation);
        queue.complete(message.id, owner);
      } catch (error) {
        if (error instanceof JobInterruption) return; // the lease will be released or taken over
        if (isStaleRunError(error)) {
          // A newer run took the job (this one stalled past its lease): stop, write nothing more.
          controller.abort(new JobInterruption('lease-lost'));
          return;
        }
        this.options.onError?.(message.jobId, error);
        const text = error instanceof Error ? error.message : String(error);
        const outcome = queue.fail(message.id, owner, text, { retryable: true });
        if (outcome?.retried) {
          const seconds = Math.max(1, Math.round((outcome.availableAt - Date.now()) / 1000));
          jobs.addEvent(message.jobId, 'retry', {
            attempt: message.attempts,
            maxAttempts: message.maxAttempts,
            inSeconds: seconds,
          });
          const job = jobs.get(message.jobId);
          if (job)
            jobs.setState(
              message.jobId,
              jobReasons.retrying(job.state, text, seconds, message.attempts, message.maxAttempts),
              message.generation,
            );
        } else if (outcome) {
          this.markDeadLettered(message.jobId, text, message.attempts);
        }
      } finally {
        clearInterval(heartbeat);
        this.running.delete(message.jobId);
        this.wake?.();
      }
    })();
    this.running.set(message.jobId, { message, controller, done });
    markRunning(message.jobId, done);
    return done;
  }

  /** Jobs whose message was dead-lettered by a claim (crash loop) are marked failed with the reason. */
  private settleDeadLetters(): void {
    for (const dead of this.options.queue.deadLettersOfUnfinishedJobs())
      this.markDeadLettered(dead.jobId, dead.lastError ?? 'unknown error', dead.attempts);
  }

  private markDeadLettered(jobId: string, error: string, attempts: number): void {
    this.options.jobs.setState(jobId, {
      ...jobReasons.gaveUp(attempts, error),
      outputTtlMs: this.options.runner.outputTtlMs,
    });
  }
}
