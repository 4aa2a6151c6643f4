import type { IdentifierType } from '../../core/identifiers/rules.ts';
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
 * not have happened: it is reconciled with TikTok (name lookup / audience history) before anything
 * is sent again.
 */
export type PendingOperation =
  | {
      kind: 'create';
      audienceName: string;
      /** Partition MD5s carried by the create. */
      md5s: string[];
      /** Audiences that already had this name before the create was sent. */
      existingIdsWithName: string[];
      startedAt: string;
    }
  | {
      kind: 'update';
      action: AudienceAction;
      md5s: string[];
      /** The audience's history before the update was sent. */
      historyBefore: HistoryMarker;
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

/** The port. `save` resolves only once the state is durable (fsync, committed transaction, …). */
export interface UploadLedgerStore {
  load(ledgerId: string): Promise<UploadLedgerState | undefined>;
  save(ledgerId: string, state: UploadLedgerState): Promise<void>;
}

/** For tests and single-process use: keeps deep copies so callers cannot mutate stored state. */
export class InMemoryUploadLedgerStore implements UploadLedgerStore {
  readonly #states = new Map<string, string>();
  saves = 0;

  async load(ledgerId: string): Promise<UploadLedgerState | undefined> {
    const json = this.#states.get(ledgerId);
    return json === undefined ? undefined : (JSON.parse(json) as UploadLedgerState);
  }

  async save(ledgerId: string, state: UploadLedgerState): Promise<void> {
    this.saves += 1;
    this.#states.set(ledgerId, JSON.stringify(state));
  }

  ids(): string[] {
    return [...this.#states.keys()];
  }
}
