import type Database from 'better-sqlite3';
import { StaleRunError, type RunFence } from '../../../core/jobs/run-fence.ts';
import type {
  AudienceWriteLocks,
  UploadLedgerState,
  UploadLedgerStore,
} from '../../../destinations/tiktok/upload-ledger.ts';

/**
 * The upload ledger on SQLite: one JSON document per ledger id (a job) and the fence of the run that
 * holds it. Every write is one IMMEDIATE transaction that checks the fence first, so a stale run's
 * write fails however the two runs interleave (even across processes sharing the file). `save`
 * commits before it returns (synchronous better-sqlite3, synchronous=FULL), so a crash right after an
 * upload is recorded can never lose the record and cause a second upload.
 */
export class SqliteUploadLedgerStore implements UploadLedgerStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  async load(ledgerId: string): Promise<UploadLedgerState | undefined> {
    const json = this.db.prepare('SELECT state_json FROM upload_ledgers WHERE ledger_id = ?').pluck().get(ledgerId) as
      string | undefined;
    return json === undefined ? undefined : (JSON.parse(json) as UploadLedgerState);
  }

  async acquire(ledgerId: string, fence: RunFence): Promise<UploadLedgerState | undefined> {
    return this.db
      .transaction(() => {
        const row = this.#checked(ledgerId, fence);
        if (row) this.db.prepare('UPDATE upload_ledgers SET fence = ? WHERE ledger_id = ?').run(fence, ledgerId);
        return row ? (JSON.parse(row.state_json) as UploadLedgerState) : undefined;
      })
      .immediate();
  }

  async save(ledgerId: string, state: UploadLedgerState, fence: RunFence): Promise<void> {
    this.db
      .transaction(() => {
        this.#checked(ledgerId, fence);
        this.db
          .prepare(
            `INSERT INTO upload_ledgers (ledger_id, state_json, updated_at, fence) VALUES (?, ?, ?, ?)
             ON CONFLICT (ledger_id) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at, fence = excluded.fence`,
          )
          .run(ledgerId, JSON.stringify(state), this.now(), fence);
      })
      .immediate();
  }

  /** The stored row, after checking that no newer run holds the ledger (the job's generation counts too). */
  #checked(ledgerId: string, fence: RunFence): { state_json: string; fence: number } | undefined {
    const row = this.db.prepare('SELECT state_json, fence FROM upload_ledgers WHERE ledger_id = ?').get(ledgerId) as
      { state_json: string; fence: number } | undefined;
    if (row && row.fence > fence) throw new StaleRunError(`ledger ${ledgerId}`, fence, row.fence);
    // In local mode a ledger belongs to the job of the same id: a newer claim fences it at once,
    // before the new run has written anything.
    if (fence > 0) {
      const generation = this.db.prepare('SELECT run_generation FROM jobs WHERE id = ?').pluck().get(ledgerId) as
        number | undefined;
      if (generation !== undefined && generation > fence) throw new StaleRunError(`job ${ledgerId}`, fence, generation);
    }
    return row;
  }

  delete(ledgerId: string): void {
    this.db.prepare('DELETE FROM upload_ledgers WHERE ledger_id = ?').run(ledgerId);
  }
}

/** Audience write locks as rows of `audience_locks`: shared by every process using the data folder. */
export class SqliteAudienceWriteLocks implements AudienceWriteLocks {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  async tryAcquire(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const result = this.db
      .prepare(
        `INSERT INTO audience_locks (lock_key, holder, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (lock_key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE audience_locks.holder = excluded.holder OR audience_locks.expires_at <= ?`,
      )
      .run(key, holder, now + ttlMs, now);
    return result.changes === 1;
  }

  async release(key: string, holder: string): Promise<void> {
    this.db.prepare('DELETE FROM audience_locks WHERE lock_key = ? AND holder = ?').run(key, holder);
  }
}
