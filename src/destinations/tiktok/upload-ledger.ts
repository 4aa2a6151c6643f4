import type { IdentifierType } from '../../core/identifiers/rules.ts';
import { StaleRunError, type RunFence } from '../../core/jobs/run-fence.ts';
import type { AudienceAction, AudienceHistoryEntry } from './tiktok-client.ts';

/**
 * The upload ledger: what has already happened at TikTok for one upload (one audience plan and one
 * transform output), so that a crash or a retry at any point neither uploads a file twice nor
 * creates a second audience. Plain JSON; stored through the `UploadLedgerStore` port (a JSON file
 * for the CLI, SQLite for local mode, DynamoDB in the cloud).
 */
export const UPLOAD_LEDGER_VERSION = 1;

export interface LedgerPartition {
  /** Path in the transform output, e.g. `email_sha256/part-00000.csv`. */
  path: string;
  rows: number;
  /** TikTok's file_path once uploaded (valid for a limited time, only for this advertiser). */
  filePath?: string;
  uploadedAt?: string;
  /** Set once a create/update that carried this file succeeded (or was proven to have happened). */
  appliedAt?: string;
  appliedAs?: 'CREATE' | AudienceAction;
}

/**
 * A write that was about to be sent. If it is still here when a run starts, the write may or may
 * not have happened: a create is looked up by name before anything is sent again; an update is sent
 * again (TikTok's file API has set semantics, so that gives the same audience).
 */
export type PendingOperation =
  | {
      kind: 'create';
      audienceName: string;
      /** Partition MD5s carried by the create. */
      md5s: string[];
      /** Audiences that already had this name before the create was sent (none: a taken name is refused first). */
      existingIdsWithName: string[];
      startedAt: string;
    }
  | {
      kind: 'update';
      action: AudienceAction;
      md5s: string[];
      /** Ledgers written before updates were resent instead of reconciled may still hold it; unused. */
      historyBefore?: HistoryMarker;
      startedAt: string;
    };

/** Entry count and both ends of an audience's history (up to 100 entries). */
export interface HistoryMarker {
  count: number;
  first: AudienceHistoryEntry | null;
  last: AudienceHistoryEntry | null;
}

export interface LedgerTypeResult {
  coverNum?: number;
  matchRate?: number;
  isValid: boolean;
  history: AudienceHistoryEntry[];
  checkedAt: string;
}

export interface LedgerAudience {
  type: IdentifierType;
  calculateType: string;
  audienceName: string;
  audienceId?: string;
  /** True when this upload created the audience. */
  created: boolean;
  /** Partitions by MD5. */
  partitions: Record<string, LedgerPartition>;
  pending?: PendingOperation;
  /** All partitions applied. */
  appliedAt?: string;
  /** Status read after applying (cover_num, match rate, history). */
  result?: LedgerTypeResult;
}

export interface UploadLedgerState {
  version: typeof UPLOAD_LEDGER_VERSION;
  advertiserId: string;
  action: 'create' | 'append' | 'remove' | 'replace';
  audiences: Partial<Record<IdentifierType, LedgerAudience>>;
  createdAt: string;
  updatedAt: string;
}

/**
 * The ledger port: a JSON file for the CLI, SQLite in local mode, DynamoDB in the cloud. Fenced (see
 * src/core/jobs/run-fence.ts): each ledger remembers the highest fence that took it, and refuses
 * writes from older ones, so a run that lost its job to a newer run cannot record (or, since every
 * write to TikTok is recorded as pending first, send) anything more.
 */
export interface UploadLedgerStore {
  /** Reads the state without taking the ledger (reports, the outcome of a finished run). */
  load(ledgerId: string): Promise<UploadLedgerState | undefined>;
  /**
   * Takes the ledger for the run holding `fence` and returns its state, in one conditional write:
   * succeeds when no fence or a fence ≤ `fence` holds it (and records `fence`); otherwise throws
   * StaleRunError. A run calls it once, before anything else, so that a stale run's later saves fail.
   */
  acquire(ledgerId: string, fence: RunFence): Promise<UploadLedgerState | undefined>;
  /**
   * Saves the whole state, conditional on the ledger's fence being ≤ `fence` (a DynamoDB
   * ConditionExpression; a SQLite transaction): otherwise throws StaleRunError and stores nothing.
   * Resolves only once the state is durable (fsync, committed transaction, acknowledged write).
   */
  save(ledgerId: string, state: UploadLedgerState, fence: RunFence): Promise<void>;
}

/**
 * Serializes writes to one TikTok audience across jobs and processes (TikTok answers 40002 "busy" to
 * overlapping updates, and two creates of one name make two audiences). A lease: SQLite rows in local
 * mode (`SqliteAudienceLocks`), a DynamoDB item with a conditional put in the cloud. Keys are
 * `<advertiser>/id/<audienceId>` for updates and `<advertiser>/name/<name>` for creates.
 */
export interface AudienceWriteLocks {
  /**
   * Takes or renews the lock for `holder`, in one conditional write: succeeds when the key is free,
   * its lease has expired, or `holder` already holds it; sets the lease to now + ttlMs. Returns
   * whether `holder` holds it now. Never blocks.
   */
  tryAcquire(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock if (and only if) `holder` still holds it. */
  release(key: string, holder: string): Promise<void>;
}

/** For tests and single-process use: keeps deep copies so callers cannot mutate stored state. */
export class InMemoryUploadLedgerStore implements UploadLedgerStore {
  readonly #states = new Map<string, string>();
  readonly #fences = new Map<string, RunFence>();
  saves = 0;

  async load(ledgerId: string): Promise<UploadLedgerState | undefined> {
    const json = this.#states.get(ledgerId);
    return json === undefined ? undefined : (JSON.parse(json) as UploadLedgerState);
  }

  async acquire(ledgerId: string, fence: RunFence): Promise<UploadLedgerState | undefined> {
    this.#check(ledgerId, fence);
    this.#fences.set(ledgerId, fence);
    return this.load(ledgerId);
  }

  async save(ledgerId: string, state: UploadLedgerState, fence: RunFence): Promise<void> {
    this.#check(ledgerId, fence);
    this.#fences.set(ledgerId, fence);
    this.saves += 1;
    this.#states.set(ledgerId, JSON.stringify(state));
  }

  #check(ledgerId: string, fence: RunFence): void {
    const current = this.#fences.get(ledgerId);
    if (current !== undefined && current > fence) throw new StaleRunError(`ledger ${ledgerId}`, fence, current);
  }

  ids(): string[] {
    return [...this.#states.keys()];
  }
}

/** In-process locks with an injectable clock (tests, the CLI). */
export class InMemoryAudienceWriteLocks implements AudienceWriteLocks {
  readonly #locks = new Map<string, { holder: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async tryAcquire(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const current = this.#locks.get(key);
    if (current && current.holder !== holder && current.expiresAt > now) return false;
    this.#locks.set(key, { holder, expiresAt: now + ttlMs });
    return true;
  }

  async release(key: string, holder: string): Promise<void> {
    if (this.#locks.get(key)?.holder === holder) this.#locks.delete(key);
  }

  holderOf(key: string): string | undefined {
    const current = this.#locks.get(key);
    return current && current.expiresAt > this.now() ? current.holder : undefined;
  }
}
