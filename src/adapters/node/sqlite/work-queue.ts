import type Database from 'better-sqlite3';
import type { RunFence } from '../../../core/jobs/run-fence.ts';
import { startJobRun } from './job-store.ts';

export type QueueMessageState = 'ready' | 'leased' | 'done' | 'dead';

export interface QueueMessage {
  id: number;
  jobId: string;
  state: QueueMessageState;
  /** Claims so far, including the current one. */
  attempts: number;
  maxAttempts: number;
  availableAt: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  lastError: string | null;
  /**
   * The job's run generation this claim took (the fence every write of the run carries); 0 when the
   * message was not just claimed (listings).
   */
  generation: RunFence;
}

export interface WorkQueueOptions {
  /** Claims before a message is dead-lettered (a crash mid-run counts as one). */
  maxAttempts?: number;
  /** Back-off before retry n (1-based): base·2^(n−1), capped, ±20 % jitter. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  now?: () => number;
  random?: () => number;
}

interface QueueRow {
  id: number;
  job_id: string;
  state: QueueMessageState;
  attempts: number;
  max_attempts: number;
  available_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
}

function toMessage(row: QueueRow, generation: RunFence = 0): QueueMessage {
  return {
    generation,
    id: row.id,
    jobId: row.job_id,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    availableAt: row.available_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    lastError: row.last_error,
  };
}

export type FailOutcome = { retried: true; availableAt: number } | { retried: false; deadLettered: true };

/**
 * A durable at-least-once queue in the job database. A claim is a lease: if the worker dies, the
 * lease expires and another claim takes the message. Failures retry with back-off; a message that
 * keeps failing (or keeps killing its worker) moves to `dead` with the reason.
 */
export class SqliteWorkQueue {
  readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly db: Database.Database,
    options: WorkQueueOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoffBaseMs = options.backoffBaseMs ?? 1_000;
    this.backoffMaxMs = options.backoffMaxMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Adds a message; when `leaseTo` is given it starts leased to that owner (the CLI runs its own job). */
  enqueue(jobId: string, options: { leaseTo?: { owner: string; leaseMs: number } } = {}): QueueMessage {
    const now = this.now();
    const lease = options.leaseTo;
    const row = this.db
      .prepare(
        `INSERT INTO work_queue (job_id, state, attempts, max_attempts, available_at, lease_owner, lease_expires_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(
        jobId,
        lease ? 'leased' : 'ready',
        lease ? 1 : 0,
        this.maxAttempts,
        now,
        lease?.owner ?? null,
        lease ? now + lease.leaseMs : null,
        now,
        now,
      ) as QueueRow;
    return toMessage(row, lease ? (startJobRun(this.db, jobId) ?? 0) : 0);
  }

  /**
   * Claims the next due message (ready and due, or leased with an expired lease). A message whose
   * attempts are used up is dead-lettered instead of handed out again. The claim raises the job's
   * run generation in the same transaction: from then on an earlier run of the job is fenced out.
   * Jobs in `skipJobIds` are never claimed: their run in this process is alive, even if its lease
   * expired while the event loop was busy (it will renew it at its next heartbeat).
   */
  claim(owner: string, leaseMs: number, skipJobIds: Iterable<string> = []): QueueMessage | undefined {
    const skip = JSON.stringify([...skipJobIds]);
    return this.db
      .transaction((): QueueMessage | undefined => {
        for (;;) {
          const now = this.now();
          const row = this.db
            .prepare(
              `SELECT * FROM work_queue
               WHERE ((state = 'ready' AND available_at <= ?) OR (state = 'leased' AND lease_expires_at <= ?))
                 AND job_id NOT IN (SELECT value FROM json_each(?))
               ORDER BY available_at, id LIMIT 1`,
            )
            .get(now, now, skip) as QueueRow | undefined;
          if (!row) return undefined;
          if (row.attempts >= row.max_attempts) {
            const reason =
              row.state === 'leased'
                ? `The worker stopped ${row.attempts} times while running this job (crash or kill); giving up so it cannot block the queue.`
                : (row.last_error ?? 'Attempts used up.');
            this.db
              .prepare(
                `UPDATE work_queue SET state = 'dead', lease_owner = NULL, lease_expires_at = NULL, last_error = ?, updated_at = ? WHERE id = ?`,
              )
              .run(reason, now, row.id);
            continue;
          }
          const claimed = this.db
            .prepare(
              `UPDATE work_queue SET state = 'leased', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, updated_at = ?
               WHERE id = ? RETURNING *`,
            )
            .get(owner, now + leaseMs, now, row.id) as QueueRow;
          return toMessage(claimed, startJobRun(this.db, row.job_id) ?? 0);
        }
      })
      .immediate();
  }

  /** Extends a lease still held by `owner`; false when it was lost (expired and claimed by another). */
  heartbeat(id: number, owner: string, leaseMs: number): boolean {
    const now = this.now();
    const result = this.db
      .prepare(
        `UPDATE work_queue SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND state = 'leased' AND lease_owner = ?`,
      )
      .run(now + leaseMs, now, id, owner);
    return result.changes === 1;
  }

  complete(id: number, owner: string): boolean {
    const result = this.db
      .prepare(
        `UPDATE work_queue SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ? AND lease_owner = ?`,
      )
      .run(this.now(), id, owner);
    return result.changes === 1;
  }

  /** Records a failure: retried after back-off while attempts remain and `retryable`, else dead-lettered. */
  fail(id: number, owner: string, error: string, options: { retryable: boolean }): FailOutcome | undefined {
    return this.db
      .transaction((): FailOutcome | undefined => {
        const row = this.db.prepare(`SELECT * FROM work_queue WHERE id = ? AND lease_owner = ?`).get(id, owner) as
          QueueRow | undefined;
        if (!row) return undefined;
        const now = this.now();
        if (options.retryable && row.attempts < row.max_attempts) {
          const availableAt = now + this.backoffMs(row.attempts);
          this.db
            .prepare(
              `UPDATE work_queue SET state = 'ready', available_at = ?, lease_owner = NULL, lease_expires_at = NULL, last_error = ?, updated_at = ? WHERE id = ?`,
            )
            .run(availableAt, error, now, id);
          return { retried: true, availableAt };
        }
        this.db
          .prepare(
            `UPDATE work_queue SET state = 'dead', lease_owner = NULL, lease_expires_at = NULL, last_error = ?, updated_at = ? WHERE id = ?`,
          )
          .run(error, now, id);
        return { retried: false, deadLettered: true };
      })
      .immediate();
  }

  backoffMs(attempt: number): number {
    const base = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(base * (0.8 + 0.4 * this.random()));
  }

  /** Makes leases of owners known to be dead claimable now, instead of waiting for them to expire. */
  releaseLeases(isOwnerAlive: (owner: string) => boolean): number {
    const now = this.now();
    const leased = this.db
      .prepare(`SELECT id, lease_owner FROM work_queue WHERE state = 'leased' AND lease_expires_at > ?`)
      .all(now) as Array<{ id: number; lease_owner: string }>;
    let released = 0;
    for (const row of leased) {
      if (isOwnerAlive(row.lease_owner)) continue;
      this.db
        .prepare(`UPDATE work_queue SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND lease_owner = ?`)
        .run(now, now, row.id, row.lease_owner);
      released += 1;
    }
    return released;
  }

  /** Settles the open messages of a job (cancel, delete): nothing will pick them up again. */
  settleJob(jobId: string): void {
    this.db
      .prepare(
        `UPDATE work_queue SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE job_id = ? AND state IN ('ready', 'leased')`,
      )
      .run(this.now(), jobId);
  }

  deleteJob(jobId: string): void {
    this.db.prepare(`DELETE FROM work_queue WHERE job_id = ?`).run(jobId);
  }

  messagesOf(jobId: string): QueueMessage[] {
    return (this.db.prepare(`SELECT * FROM work_queue WHERE job_id = ? ORDER BY id`).all(jobId) as QueueRow[]).map(
      toMessage,
    );
  }

  deadLetters(): QueueMessage[] {
    return (
      this.db.prepare(`SELECT * FROM work_queue WHERE state = 'dead' ORDER BY updated_at DESC`).all() as QueueRow[]
    ).map(toMessage);
  }

  /** Dead letters whose job still shows as unfinished (a claim dead-lettered it after a crash loop). */
  deadLettersOfUnfinishedJobs(): QueueMessage[] {
    const rows = this.db
      .prepare(
        `SELECT q.* FROM work_queue q JOIN jobs j ON j.id = q.job_id
         WHERE q.state = 'dead' AND j.state IN ('queued', 'transforming', 'uploading', 'processing')
           AND NOT EXISTS (SELECT 1 FROM work_queue o WHERE o.job_id = q.job_id AND o.state IN ('ready', 'leased'))`,
      )
      .all() as QueueRow[];
    return rows.map(toMessage);
  }

  /** Messages still to run (ready or leased). */
  pendingCount(): number {
    return this.db
      .prepare(`SELECT count(*) FROM work_queue WHERE state IN ('ready', 'leased')`)
      .pluck()
      .get() as number;
  }
}
