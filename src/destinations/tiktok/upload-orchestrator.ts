import { createHash } from 'node:crypto';
import { UserError } from '../../core/errors.ts';
import { UNFENCED, type RunFence } from '../../core/jobs/run-fence.ts';
import { IDENTIFIER_TYPES, calculateTypeOf, type IdentifierType } from '../../core/identifiers/rules.ts';
import type { AudiencePlan } from '../../core/plan.ts';
import type { Manifest, ManifestFile } from '../../core/transform/manifest.ts';
import { sleep as defaultSleep } from './request-rate-limiter.ts';
import { TIKTOK_LIMITS } from './tiktok-api-version.ts';
import type {
  AudienceAction,
  AudienceDetails,
  AudienceHistoryEntry,
  AudienceListItem,
  TikTokClient,
} from './tiktok-client.ts';
import { TikTokApiError } from './tiktok-errors.ts';
import {
  InMemoryAudienceWriteLocks,
  UPLOAD_LEDGER_VERSION,
  type AudienceWriteLocks,
  type LedgerAudience,
  type LedgerPartition,
  type PendingOperation,
  type UploadLedgerState,
  type UploadLedgerStore,
} from './upload-ledger.ts';

export type UploadProgressEvent =
  | {
      kind: 'type-started';
      type: IdentifierType;
      calculateType: string;
      audienceName: string;
      partitions: number;
      alreadyApplied: number;
    }
  | {
      kind: 'partition-uploaded';
      type: IdentifierType;
      path: string;
      rows: number;
      bytes: number;
      index: number;
      of: number;
      requestId: string | null;
    }
  /** A partition this run did not upload: already uploaded (and not yet applied), or already applied. */
  | {
      kind: 'partition-skipped';
      type: IdentifierType;
      path: string;
      index: number;
      of: number;
      already: 'uploaded' | 'applied';
    }
  | { kind: 'audience-found'; type: IdentifierType; audienceId: string; audienceName: string }
  | {
      kind: 'audience-created';
      type: IdentifierType;
      audienceId: string;
      audienceName: string;
      files: number;
      reconciled: boolean;
    }
  | {
      kind: 'audience-updated';
      type: IdentifierType;
      audienceId: string;
      action: AudienceAction;
      files: number;
      reconciled: boolean;
    }
  | { kind: 'file-expired'; type: IdentifierType; files: number }
  | { kind: 'waiting-for-audience'; type: IdentifierType; audienceId: string; elapsedMs: number }
  | { kind: 'type-completed'; type: IdentifierType; result: UploadTypeResult };

export interface UploadTypeResult {
  type: IdentifierType;
  calculateType: string;
  audienceId: string;
  audienceName: string;
  /** This upload created the audience. */
  created: boolean;
  /** Files uploaded to TikTok in this run (re-uploads of expired files included). */
  filesUploaded: number;
  /** Partitions that the ledger showed as already uploaded or applied. */
  filesSkipped: number;
  /** Unique ids sent for this type (the sum of its partitions' rows). */
  idsSent: number;
  coverNum?: number;
  /** cover_num ÷ ids sent; only for create/replace, where the audience is exactly what was sent. */
  matchRate?: number;
  isValid: boolean;
  history: AudienceHistoryEntry[];
}

export interface UploadResult {
  advertiserId: string;
  action: AudiencePlan['action'];
  audiences: UploadTypeResult[];
  /** Nothing had to be written at TikTok: a re-run of a finished upload. */
  alreadyComplete: boolean;
}

export interface UploadRequest {
  manifest: Manifest;
  /** Bytes of a partition, by its manifest path (relative to the transform output). */
  readPartition(path: string): Promise<Uint8Array>;
  audience: AudiencePlan;
  advertiserId: string;
  client: TikTokClient;
  ledger: UploadLedgerStore;
  ledgerId: string;
  /** The run's generation (src/core/jobs/run-fence.ts): every ledger write carries it; default unfenced. */
  fence?: RunFence;
  onProgress?: (event: UploadProgressEvent) => void;
  signal?: AbortSignal;
  /** Waiting for the audience to become valid after applying; timeoutMs 0 reads the status once. */
  poll?: { timeoutMs: number; intervalMs: number };
  /** File paths per create/update call (TikTok: 1–500, fewer than 50 recommended). */
  batchSize?: number;
  /**
   * How long after sending a create whose answer was lost its name lookup is given before the run
   * concludes that TikTok did not create it (TikTok's list can lag behind a create). Default 5 minutes.
   */
  createLookupWindowMs?: number;
  /** Pause between those lookups (default 15 s). */
  createLookupIntervalMs?: number;
  /**
   * When set, a lookup inside the window that does not show the create (or fails for a moment) ends
   * the run with CreateLookupPending instead of sleeping until the next one; the ledger keeps the
   * pending marker, so the next run looks again first. For the cloud, where a delayed message costs
   * nothing and a Lambda waiting out the window does.
   */
  deferCreateLookup?: boolean;
  /**
   * Serializes writes to one audience across jobs (default: one lock table for this process).
   * Local mode passes the SQLite locks (shared by every process of the data folder); the cloud a DynamoDB one.
   */
  audienceLocks?: AudienceWriteLocks;
  /** Lease of an audience lock; renewed every third of it while held (default 60 s). */
  audienceLockTtlMs?: number;
  /** Pause between attempts to take a lock another job holds (default 1 s). */
  audienceLockPollMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => Date;
}

export const DEFAULT_POLL = { timeoutMs: 10 * 60_000, intervalMs: 10_000 } as const;
export const DEFAULT_BATCH_SIZE = TIKTOK_LIMITS.recommendedFilePathsPerCall;
/** A create whose answer was lost is looked up by name for this long before it is sent again. */
export const DEFAULT_CREATE_LOOKUP_WINDOW_MS = 5 * 60_000;
export const DEFAULT_CREATE_LOOKUP_INTERVAL_MS = 15_000;
export const CREATE_LOOKUP_WINDOW_ENV = 'TIKTOK_CREATE_LOOKUP_WINDOW_MS';

/** `createLookupWindowMs` from TIKTOK_CREATE_LOOKUP_WINDOW_MS when it is a whole number of ms (tests shorten it). */
export function createLookupWindowFromEnv(env: Record<string, string | undefined>): { createLookupWindowMs?: number } {
  const raw = env[CREATE_LOOKUP_WINDOW_ENV];
  if (raw === undefined || raw === '') return {};
  const ms = Number(raw);
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new UserError({
      code: 'invalid_create_lookup_window',
      title: `Invalid ${CREATE_LOOKUP_WINDOW_ENV}`,
      detail: 'It must be a whole number of milliseconds.',
      resolution: `Unset ${CREATE_LOOKUP_WINDOW_ENV} (5 minutes) or set it to e.g. 300000.`,
      field: CREATE_LOOKUP_WINDOW_ENV,
    });
  return { createLookupWindowMs: ms };
}
/** Pause a deferred create lookup asks for (shorter at the window's end): the 5-minute window takes about five runs. */
export const DEFERRED_LOOKUP_PAUSE_MS = 60_000;

/**
 * A lost create's lookup is not settled yet and the run was asked not to wait for it (deferCreateLookup):
 * run again after `retryAfterMs`; the ledger still holds the create's marker, so nothing is created twice.
 */
export class CreateLookupPending extends Error {
  constructor(
    readonly audienceName: string,
    readonly retryAfterMs: number,
  ) {
    super(
      `Looking "${audienceName}" up again in ${Math.ceil(retryAfterMs / 1000)} s: TikTok's answer to its create was lost.`,
    );
    this.name = 'CreateLookupPending';
  }
}

export const DEFAULT_AUDIENCE_LOCK_TTL_MS = 60_000;
export const DEFAULT_AUDIENCE_LOCK_POLL_MS = 1_000;
/** Without a lock store from the caller, uploads in this process still never write one audience at once. */
const processAudienceLocks = new InMemoryAudienceWriteLocks();
/** Attempts of one write whose outcome stayed unknown (reconciled between attempts). */
const MAX_WRITE_ATTEMPTS = 5;
/** Sends of one update whose answer keeps getting lost (resending is safe: set semantics). */
const MAX_UPDATE_SENDS = 10;
/** Pause before resending an update, times the attempt (a busy audience settles in between). */
const UPDATE_RESEND_PAUSE_MS = 250;

function createOutcomeUnknown(
  pending: Extract<PendingOperation, { kind: 'create' }>,
  windowMs: number,
  cause: TikTokApiError,
): UserError {
  const minutes = Math.round(windowMs / 60_000);
  return new UserError({
    code: 'create_outcome_unknown',
    title: 'Not known whether TikTok created the audience',
    detail: `TikTok never answered the request that creates "${pending.audienceName}" (sent ${pending.startedAt}), and looking the name up for ${minutes === 0 ? `${Math.round(windowMs / 1000)} seconds` : `${minutes} minute${minutes === 1 ? '' : 's'}`} kept failing (${cause.kind}${cause.code === null ? '' : `, code ${cause.code}`}${cause.requestId ? `, request_id ${cause.requestId}` : ''}).`,
    resolution: `Check that TikTok is reachable, and in TikTok Ads Manager (or \`audiences list\`) whether "${pending.audienceName}" exists. Then retry the job: it looks the name up again first and creates the audience only if it is not there.`,
    kind: 'failure',
    cause,
  });
}

/** `<name> · EMAIL`: one audience per identifier type (an audience has one calculate_type). */
export function audienceNameFor(baseName: string, type: IdentifierType): string {
  return `${baseName} · ${type}`;
}

/** Identifier types of a manifest that have partitions, in rules order. */
export function manifestTypes(manifest: Manifest): IdentifierType[] {
  return IDENTIFIER_TYPES.filter((type) => (manifest.types[type]?.files.length ?? 0) > 0);
}

function sumRows(files: readonly ManifestFile[]): number {
  return files.reduce((total, file) => total + file.rows, 0);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** TikTok's file name must end in .csv or .txt; the name only helps a person reading TikTok's UI. */
function uploadFileName(path: string): string {
  return path
    .replace(/[\\/]+/g, '-')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^(?!.*\.(csv|txt)$)(.*)$/i, '$2.csv');
}

function validatePlan(request: UploadRequest, types: IdentifierType[]): void {
  const { audience, manifest } = request;
  if (types.length === 0) {
    throw new UserError({
      code: 'nothing_to_upload',
      title: 'Nothing to upload',
      detail: 'The transform output has no partitions (no valid identifiers were found).',
      resolution: 'Check the column mapping of the transform and that the input has identifiers, then transform again.',
    });
  }
  if (!/^\d+$/.test(request.advertiserId)) {
    throw new UserError({
      code: 'invalid_advertiser',
      title: 'Invalid advertiser id',
      detail: 'The advertiser id must be the digits of a TikTok advertiser id.',
      resolution: 'Set TIKTOK_ADVERTISER_ID or pass --advertiser with the id shown in TikTok Ads Manager.',
      field: 'advertiserId',
    });
  }
  if (audience.audienceId !== undefined && types.length > 1) {
    throw new UserError({
      code: 'audience_id_with_several_types',
      title: 'One audience id, several identifier types',
      detail: `This output has ${types.join(', ')} partitions, but a TikTok audience has a single calculate_type.`,
      resolution: 'Use --audience <name> so that one audience per type is used, or transform one identifier type only.',
      field: 'audienceId',
    });
  }
  if (audience.action === 'create' && audience.audienceId !== undefined) {
    throw new UserError({
      code: 'create_with_audience_id',
      title: 'Create with an existing audience id',
      detail: '"create" makes a new audience, but an existing audience id was given.',
      resolution:
        'Use --action append, remove or replace with --audience-id, or --audience <name> with --action create.',
      field: 'action',
    });
  }
  if (audience.action === 'replace') {
    for (const type of types) {
      const ids = sumRows(manifest.types[type]?.files ?? []);
      if (ids < TIKTOK_LIMITS.minAudienceSize) {
        throw new UserError({
          code: 'replace_below_minimum',
          title: 'Too few ids to replace an audience',
          detail: `REPLACE would leave the ${type} audience with ${ids} ids; TikTok refuses audiences under 1,000.`,
          resolution: 'Replace with a file of at least 1,000 ids, or use --action append.',
          field: 'action',
        });
      }
    }
  }
}

class UploadRun {
  readonly #request: UploadRequest;
  readonly #state: UploadLedgerState;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => Date;
  readonly #batchSize: number;
  readonly #createLookupWindowMs: number;
  readonly #createLookupIntervalMs: number;
  /** Writes sent to TikTok in this run (uploads, creates, updates). */
  writes = 0;

  constructor(request: UploadRequest, state: UploadLedgerState) {
    this.#request = request;
    this.#state = state;
    this.#sleep = request.sleep ?? defaultSleep;
    this.#now = request.now ?? (() => new Date());
    this.#createLookupWindowMs = request.createLookupWindowMs ?? DEFAULT_CREATE_LOOKUP_WINDOW_MS;
    this.#createLookupIntervalMs = request.createLookupIntervalMs ?? DEFAULT_CREATE_LOOKUP_INTERVAL_MS;
    this.#batchSize = Math.min(TIKTOK_LIMITS.maxFilePathsPerCall, Math.max(1, request.batchSize ?? DEFAULT_BATCH_SIZE));
  }

  get #client(): TikTokClient {
    return this.#request.client;
  }

  get #advertiserId(): string {
    return this.#request.advertiserId;
  }

  #stamp(): string {
    return this.#now().toISOString();
  }

  async #save(): Promise<void> {
    this.#state.updatedAt = this.#stamp();
    await this.#request.ledger.save(this.#request.ledgerId, this.#state, this.#request.fence ?? UNFENCED);
  }

  #emit(event: UploadProgressEvent): void {
    this.#request.onProgress?.(event);
  }

  #entry(type: IdentifierType): LedgerAudience {
    const plan = this.#request.audience;
    const existing = this.#state.audiences[type];
    const entry: LedgerAudience = existing ?? {
      type,
      calculateType: calculateTypeOf(type),
      audienceName: plan.name !== undefined ? audienceNameFor(plan.name, type) : '',
      created: false,
      partitions: {},
    };
    for (const file of this.#request.manifest.types[type]?.files ?? [])
      entry.partitions[file.md5] ??= { path: file.path, rows: file.rows };
    this.#state.audiences[type] = entry;
    return entry;
  }

  /** Uploads and applies every partition of one type; returns what it did (files uploaded/skipped). */
  async applyType(type: IdentifierType): Promise<{ uploaded: number; skipped: number }> {
    const files = this.#request.manifest.types[type]?.files ?? [];
    const entry = this.#entry(type);
    const counters = { uploaded: 0, skipped: 0 };
    const partition = (file: ManifestFile) => entry.partitions[file.md5] as LedgerPartition;
    counters.skipped = files.filter(
      (file) => partition(file).filePath !== undefined || partition(file).appliedAt !== undefined,
    ).length;
    this.#emit({
      kind: 'type-started',
      type,
      calculateType: entry.calculateType,
      audienceName: entry.audienceName,
      partitions: files.length,
      alreadyApplied: files.filter((file) => partition(file).appliedAt).length,
    });

    files.forEach((file, index) => {
      if (partition(file).appliedAt !== undefined)
        this.#emit({
          kind: 'partition-skipped',
          type,
          path: file.path,
          index: index + 1,
          of: files.length,
          already: 'applied',
        });
    });

    // Decided per partition (not by a flag), so a partition the ledger has not applied is never skipped.
    if (entry.pending || files.some((file) => partition(file).appliedAt === undefined)) {
      if (entry.pending) await this.#withAudienceLock(entry, () => this.#reconcile(entry));
      if (entry.audienceId === undefined) await this.#resolveAudience(entry);
      let pendingFiles = files.filter((file) => partition(file).appliedAt === undefined);
      if (this.#request.audience.action === 'remove' && pendingFiles.length === files.length)
        await this.#checkRemoveFloor(entry, sumRows(pendingFiles));
      for (const batch of chunk(pendingFiles, this.#batchSize)) await this.#applyBatch(entry, batch, counters);
      pendingFiles = files.filter((file) => partition(file).appliedAt === undefined);
      if (pendingFiles.length === 0) {
        entry.appliedAt = this.#stamp();
        await this.#save();
      }
    }
    return counters;
  }

  /** Finds (or checks) the audience this type goes to when the ledger does not know it yet. */
  async #resolveAudience(entry: LedgerAudience): Promise<void> {
    const plan = this.#request.audience;
    if (plan.audienceId !== undefined) {
      const details = await this.#client
        .getAudiences({
          advertiserId: this.#advertiserId,
          audienceIds: [plan.audienceId],
          signal: this.#request.signal,
        })
        .then(
          ([found]) => found,
          (error: unknown) => {
            if (error instanceof TikTokApiError && error.kind === 'not_found' && error.code === 40007) return undefined;
            throw error;
          },
        );
      if (!details || details.audienceId === '') {
        throw new UserError({
          code: 'audience_not_found',
          title: 'Audience not found',
          detail: `Audience ${plan.audienceId} does not exist for advertiser ${this.#advertiserId}.`,
          resolution: 'Check the id with `audiences list`, or use --audience <name> --action create.',
          field: 'audienceId',
          kind: 'failure',
        });
      }
      if (
        details.calculateType !== '' &&
        details.calculateType !== entry.calculateType &&
        !(entry.calculateType === 'FIRST_SHA256' && details.calculateType === 'MAID_SHA256')
      ) {
        throw new UserError({
          code: 'calculate_type_mismatch',
          title: 'Identifier type does not match the audience',
          detail: `Audience ${plan.audienceId} holds ${details.calculateType}, but these partitions are ${entry.type} (${entry.calculateType}).`,
          resolution:
            'Pick an audience of the same identifier type (see `audiences list`), or create a new one with --audience <name> --action create.',
          field: 'audienceId',
        });
      }
      entry.audienceId = details.audienceId;
      entry.audienceName = details.name || entry.audienceName;
      await this.#save();
      this.#emit({
        kind: 'audience-found',
        type: entry.type,
        audienceId: entry.audienceId,
        audienceName: entry.audienceName,
      });
      return;
    }
    const matches = await this.#client.findAudiencesByName(
      this.#advertiserId,
      entry.audienceName,
      this.#request.signal,
    );
    if (plan.action === 'create') {
      if (matches.length > 0) {
        throw new UserError({
          code: 'audience_name_taken',
          title: 'An audience with this name already exists',
          detail: `"${entry.audienceName}" already exists (id ${matches.map((match) => match.audienceId).join(', ')}); TikTok would create a second audience with the same name.`,
          resolution:
            'Choose another --audience name, or add to the existing audience with --action append (or --audience-id <id>).',
          field: 'audience',
        });
      }
      return; // created by the first batch
    }
    if (matches.length > 1) {
      throw new UserError({
        code: 'audience_name_ambiguous',
        title: 'Several audiences have this name',
        detail: `"${entry.audienceName}" matches audiences ${matches.map((match) => match.audienceId).join(', ')}.`,
        resolution: 'Name the audience by id with --audience-id <id>.',
        field: 'audience',
      });
    }
    const [match] = matches;
    if (!match) {
      if (plan.action === 'append') return; // appending to an audience that does not exist yet creates it
      throw new UserError({
        code: 'audience_not_found',
        title: 'Audience not found',
        detail: `No audience is named "${entry.audienceName}" for advertiser ${this.#advertiserId}, so there is nothing to ${plan.action}.`,
        resolution:
          'Check the name with `audiences list` (each identifier type has its own audience, "<name> · EMAIL"), or use --audience-id <id>.',
        field: 'audience',
        kind: 'failure',
      });
    }
    entry.audienceId = match.audienceId;
    await this.#save();
    this.#emit({
      kind: 'audience-found',
      type: entry.type,
      audienceId: match.audienceId,
      audienceName: entry.audienceName,
    });
  }

  async #checkRemoveFloor(entry: LedgerAudience, idsToRemove: number): Promise<void> {
    if (entry.audienceId === undefined) return;
    const [details] = await this.#client.getAudiences({
      advertiserId: this.#advertiserId,
      audienceIds: [entry.audienceId],
      signal: this.#request.signal,
    });
    const coverNum = details?.coverNum ?? null;
    if (coverNum !== null && coverNum - idsToRemove < TIKTOK_LIMITS.minAudienceSize) {
      throw new UserError({
        code: 'remove_below_minimum',
        title: 'Removing would shrink the audience below 1,000',
        detail: `Audience ${entry.audienceId} has about ${coverNum} matched people; removing ${idsToRemove} ids could leave fewer than 1,000, which TikTok refuses.`,
        resolution:
          'Remove fewer ids, or replace the audience with a new list of at least 1,000 ids (--action replace).',
        field: 'action',
      });
    }
  }

  async #ensureUploaded(entry: LedgerAudience, batch: ManifestFile[], counters: { uploaded: number }): Promise<void> {
    const all = this.#request.manifest.types[entry.type]?.files ?? [];
    for (const file of batch) {
      const partition = entry.partitions[file.md5] as LedgerPartition;
      const index = all.indexOf(file) + 1;
      if (partition.filePath !== undefined) {
        this.#emit({
          kind: 'partition-skipped',
          type: entry.type,
          path: file.path,
          index,
          of: all.length,
          already: 'uploaded',
        });
        continue;
      }
      const bytes = await this.#request.readPartition(file.path);
      const md5 = createHash('md5').update(bytes).digest('hex');
      if (md5 !== file.md5) {
        throw new UserError({
          code: 'partition_changed',
          title: 'A partition changed after the transform',
          detail: `${file.path} no longer matches the MD5 in manifest.json.`,
          resolution: 'Run the transform again into a fresh folder, then upload that folder.',
          kind: 'failure',
        });
      }
      const upload = async () =>
        this.#client.uploadFile({
          advertiserId: this.#advertiserId,
          calculateType: entry.calculateType,
          fileName: uploadFileName(file.path),
          bytes,
          signal: this.#request.signal,
        });
      this.writes += 1;
      let uploaded: Awaited<ReturnType<typeof upload>>;
      try {
        uploaded = await upload();
      } catch (error) {
        // 40900: the signature did not match what TikTok received. Send it once more, then give up.
        if (!(error instanceof TikTokApiError && error.kind === 'signature_mismatch')) throw error;
        uploaded = await upload();
      }
      partition.filePath = uploaded.filePath;
      partition.uploadedAt = this.#stamp();
      await this.#save();
      counters.uploaded += 1;
      this.#emit({
        kind: 'partition-uploaded',
        type: entry.type,
        path: file.path,
        rows: file.rows,
        bytes: file.bytes,
        index,
        of: all.length,
        requestId: uploaded.requestId,
      });
    }
  }

  #operationFor(entry: LedgerAudience): 'CREATE' | AudienceAction {
    if (entry.audienceId === undefined) return 'CREATE';
    const action = this.#request.audience.action;
    if (action === 'remove') return 'REMOVE';
    if (action === 'replace') {
      // The first batch replaces; later batches add to what it left.
      const anyApplied = Object.values(entry.partitions).some((partition) => partition.appliedAt !== undefined);
      return anyApplied ? 'APPEND' : 'REPLACE';
    }
    return 'APPEND';
  }

  async #applyBatch(entry: LedgerAudience, batch: ManifestFile[], counters: { uploaded: number }): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      await this.#ensureUploaded(entry, batch, counters);
      try {
        await this.#applyUploaded(entry, batch);
        return;
      } catch (error) {
        // 40910: a file_path expired before it was applied. Upload those files again (twice at most).
        if (!(error instanceof TikTokApiError && error.kind === 'file_expired') || attempt >= 3) throw error;
        for (const file of batch) {
          const partition = entry.partitions[file.md5] as LedgerPartition;
          delete partition.filePath;
          delete partition.uploadedAt;
        }
        await this.#save();
        this.#emit({ kind: 'file-expired', type: entry.type, files: batch.length });
      }
    }
  }

  #markApplied(entry: LedgerAudience, md5s: string[], as: 'CREATE' | AudienceAction): void {
    const at = this.#stamp();
    for (const md5 of md5s) {
      const partition = entry.partitions[md5];
      if (partition) {
        partition.appliedAt = at;
        partition.appliedAs = as;
      }
    }
  }

  /**
   * Runs `write` holding the audience's write lock (see AudienceWriteLocks): one job at a time
   * writes to an audience (by id), or creates one of a name. Waits while another job holds it.
   */
  async #withAudienceLock<T>(entry: LedgerAudience, write: () => Promise<T>): Promise<T> {
    const locks = this.#request.audienceLocks ?? processAudienceLocks;
    const key =
      entry.audienceId !== undefined
        ? `${this.#advertiserId}/id/${entry.audienceId}`
        : `${this.#advertiserId}/name/${entry.audienceName}`;
    const holder = `${this.#request.ledgerId}#${this.#request.fence ?? UNFENCED}`;
    const ttlMs = this.#request.audienceLockTtlMs ?? DEFAULT_AUDIENCE_LOCK_TTL_MS;
    const pollMs = this.#request.audienceLockPollMs ?? DEFAULT_AUDIENCE_LOCK_POLL_MS;
    while (!(await locks.tryAcquire(key, holder, ttlMs))) await this.#sleep(pollMs, this.#request.signal);
    const renew = setInterval(
      () => void locks.tryAcquire(key, holder, ttlMs).catch(() => undefined),
      Math.max(10, Math.floor(ttlMs / 3)),
    );
    try {
      return await write();
    } finally {
      clearInterval(renew);
      await locks.release(key, holder).catch(() => undefined);
    }
  }

  /** One create/update for an uploaded batch, made safe to repeat by a pending marker. */
  async #applyUploaded(entry: LedgerAudience, batch: ManifestFile[]): Promise<void> {
    await this.#withAudienceLock(entry, () => this.#applyLocked(entry, batch));
  }

  async #applyLocked(entry: LedgerAudience, batch: ManifestFile[]): Promise<void> {
    const md5s = batch.map((file) => file.md5);
    const filePaths = batch.map((file) => (entry.partitions[file.md5] as LedgerPartition).filePath as string);
    const signal = this.#request.signal;
    for (let attempt = 1; ; attempt += 1) {
      const operation = this.#operationFor(entry);
      if (operation === 'CREATE') {
        const existing = await this.#client.findAudiencesByName(this.#advertiserId, entry.audienceName, signal);
        if (existing.length > 0) {
          // Someone else created it since the check (another machine, the TikTok UI): never make a twin.
          throw new UserError({
            code: 'audience_name_taken',
            title: 'An audience with this name already exists',
            detail: `"${entry.audienceName}" was created elsewhere (id ${existing.map((audience) => audience.audienceId).join(', ')}) while this upload ran.`,
            resolution: 'Add to it with --action append --audience-id <id>, or choose another name.',
            kind: 'failure',
          });
        }
        entry.pending = {
          kind: 'create',
          audienceName: entry.audienceName,
          md5s,
          existingIdsWithName: [],
          startedAt: this.#stamp(),
        };
      } else {
        entry.pending = { kind: 'update', action: operation, md5s, startedAt: this.#stamp() };
      }
      await this.#save();
      this.writes += 1;
      try {
        if (operation === 'CREATE') {
          const created = await this.#client.createAudience({
            advertiserId: this.#advertiserId,
            name: entry.audienceName,
            calculateType: entry.calculateType,
            filePaths,
            retentionInDays: this.#request.audience.retentionInDays,
            signal,
          });
          entry.audienceId = created.audienceId;
          entry.created = true;
        } else {
          await this.#client.updateAudience({
            advertiserId: this.#advertiserId,
            audienceId: entry.audienceId as string,
            filePaths,
            action: operation,
            signal,
          });
        }
      } catch (error) {
        if (error instanceof TikTokApiError && error.outcomeUnknown) {
          // No answer: settle it before sending again. After too many tries the marker stays, so
          // the next run settles it first.
          if (attempt >= (operation === 'CREATE' ? MAX_WRITE_ATTEMPTS : MAX_UPDATE_SENDS)) throw error;
          if (await this.#reconcile(entry)) return;
          if (operation !== 'CREATE') await this.#sleep(UPDATE_RESEND_PAUSE_MS * attempt, signal);
          continue;
        }
        // Only a definite refusal clears the marker; after an abort or anything unexpected the
        // write may have happened, and the next run reconciles it.
        if (error instanceof TikTokApiError) {
          delete entry.pending;
          await this.#save();
        }
        throw error;
      }
      this.#markApplied(entry, md5s, operation);
      delete entry.pending;
      await this.#save();
      if (operation === 'CREATE')
        this.#emit({
          kind: 'audience-created',
          type: entry.type,
          audienceId: entry.audienceId as string,
          audienceName: entry.audienceName,
          files: md5s.length,
          reconciled: false,
        });
      else
        this.#emit({
          kind: 'audience-updated',
          type: entry.type,
          audienceId: entry.audienceId as string,
          action: operation,
          files: md5s.length,
          reconciled: false,
        });
      return;
    }
  }

  /**
   * Settles a write that may or may not have happened (a crash, a timeout). Returns true when it
   * is known to have happened (and records it as applied); false when it must be sent again.
   * - An update is simply sent again: TikTok's file API has set semantics (APPEND adds only ids not
   *   already there, REMOVE removes only those present, REPLACE sets the whole list), so a second
   *   send gives the same audience. Its history is never used as evidence: another job, a person
   *   in TikTok's UI or TikTok itself can add entries to it.
   * - A create is looked up by name (see #findLostCreate): a second create would make a twin.
   */
  async #reconcile(entry: LedgerAudience): Promise<boolean> {
    const pending = entry.pending as PendingOperation;
    let happened = false;
    if (pending.kind === 'create') {
      const created = await this.#findLostCreate(pending);
      happened = created !== undefined;
      if (created) {
        entry.audienceId = created.audienceId;
        entry.created = true;
        this.#markApplied(entry, pending.md5s, 'CREATE');
        this.#emit({
          kind: 'audience-created',
          type: entry.type,
          audienceId: created.audienceId,
          audienceName: pending.audienceName,
          files: pending.md5s.length,
          reconciled: true,
        });
      }
    }
    delete entry.pending;
    await this.#save();
    return happened;
  }

  /**
   * Looks a create whose answer was lost up by name, again and again, until it shows or a lookup
   * made `createLookupWindowMs` (5 minutes by default) after the create was sent still does not
   * show it: only then did TikTok not create it. When lookups keep failing until the window ends,
   * the run stops with `create_outcome_unknown` and keeps the marker, so a retry looks again.
   */
  async #findLostCreate(pending: Extract<PendingOperation, { kind: 'create' }>): Promise<AudienceListItem | undefined> {
    const signal = this.#request.signal;
    const sentAt = Date.parse(pending.startedAt);
    for (;;) {
      const elapsedMs = this.#now().getTime() - sentAt;
      const afterWindow = !(elapsedMs < this.#createLookupWindowMs);
      try {
        const matches = await this.#client.findAudiencesByName(this.#advertiserId, pending.audienceName, signal);
        const fresh = matches.filter((audience) => !pending.existingIdsWithName.includes(audience.audienceId));
        if (fresh.length > 1) {
          throw new UserError({
            code: 'duplicate_audiences',
            title: 'Several audiences were created',
            detail: `"${pending.audienceName}" exists ${fresh.length} times (ids ${fresh.map((audience) => audience.audienceId).join(', ')}), created outside this upload's ledger.`,
            resolution:
              'Delete the extra audiences in TikTok Ads Manager, keeping one, then run the same command again.',
            kind: 'failure',
          });
        }
        if (fresh[0] || afterWindow) return fresh[0];
      } catch (error) {
        if (!(error instanceof TikTokApiError && (error.transient || error.outcomeUnknown))) throw error;
        if (afterWindow) throw createOutcomeUnknown(pending, this.#createLookupWindowMs, error);
      }
      const remaining = this.#createLookupWindowMs - elapsedMs;
      if (this.#request.deferCreateLookup) {
        // Not found yet, or the lookup failed for a moment: the next run looks again, no later than the window's end.
        throw new CreateLookupPending(pending.audienceName, Math.max(1, Math.min(DEFERRED_LOOKUP_PAUSE_MS, remaining)));
      }
      await this.#sleep(Math.max(1, Math.min(this.#createLookupIntervalMs, remaining)), signal);
    }
  }

  /**
   * Reads the audiences' status, waiting (bounded) until TikTok has calculated all of them: one
   * shared wait after everything was applied, not one per type.
   */
  async status(
    applied: Array<{ type: IdentifierType; counters: { uploaded: number; skipped: number } }>,
  ): Promise<UploadTypeResult[]> {
    const poll = this.#request.poll ?? DEFAULT_POLL;
    const entries = applied.map(({ type }) => this.#state.audiences[type] as LedgerAudience);
    const ids = entries.map((entry) => entry.audienceId as string);
    const started = Date.now();
    let details = new Map<string, AudienceDetails>();
    let pause = 0;
    let paused = 0;
    for (;;) {
      const found = await this.#client.getAudiences({
        advertiserId: this.#advertiserId,
        audienceIds: ids,
        historySize: 10,
        signal: this.#request.signal,
      });
      details = new Map(found.map((item) => [item.audienceId, item]));
      // The larger of wall-clock time and time paused, so an injected sleep still ends the wait.
      const elapsedMs = Math.max(Date.now() - started, paused);
      const calculating = entries.filter((entry) => details.get(entry.audienceId as string)?.isValid === false);
      if (calculating.length === 0 || elapsedMs >= poll.timeoutMs) break;
      for (const entry of calculating)
        this.#emit({
          kind: 'waiting-for-audience',
          type: entry.type,
          audienceId: entry.audienceId as string,
          elapsedMs,
        });
      // Short first pauses (the emulator calculates in seconds), growing to the configured interval.
      pause = Math.min(poll.intervalMs, pause === 0 ? Math.min(1000, poll.intervalMs) : pause * 2);
      const wait = Math.min(pause, Math.max(0, poll.timeoutMs - elapsedMs));
      paused += wait;
      await this.#sleep(wait, this.#request.signal);
    }
    const exact = this.#request.audience.action === 'create' || this.#request.audience.action === 'replace';
    const results = applied.map(({ type, counters }, index): UploadTypeResult => {
      const entry = entries[index] as LedgerAudience;
      const audienceId = entry.audienceId as string;
      const current = details.get(audienceId);
      const idsSent = sumRows(this.#request.manifest.types[type]?.files ?? []);
      const isValid = current?.isValid ?? false;
      const coverNum = current?.coverNum ?? undefined;
      const matchRate = isValid && coverNum !== undefined && exact && idsSent > 0 ? coverNum / idsSent : undefined;
      entry.result = {
        isValid,
        history: current?.history ?? [],
        checkedAt: this.#stamp(),
        ...(coverNum === undefined ? {} : { coverNum }),
        ...(matchRate === undefined ? {} : { matchRate }),
      };
      return {
        type,
        calculateType: entry.calculateType,
        audienceId,
        audienceName: current?.name || entry.audienceName,
        created: entry.created,
        filesUploaded: counters.uploaded,
        filesSkipped: counters.skipped,
        idsSent,
        ...(coverNum === undefined ? {} : { coverNum }),
        ...(matchRate === undefined ? {} : { matchRate }),
        isValid,
        history: entry.result.history,
      };
    });
    await this.#save();
    for (const result of results) this.#emit({ kind: 'type-completed', type: result.type, result });
    return results;
  }
}

/**
 * Uploads a transform output to TikTok: one audience per identifier type, partitions uploaded once
 * and applied once, whatever happens in between (see upload-ledger.ts). Safe to call again with the
 * same ledger id after a crash, a timeout or a completed run.
 *
 * Per type, in order: settle a write left pending by an earlier run (create → name lookup,
 * update → audience history); find or check the audience (by id, or by `<name> · TYPE`); refuse a
 * REMOVE that would go under 1,000; then per batch of ≤ batchSize partitions: upload the ones
 * without a file_path (ledger saved after each), record the write as pending, send create/update,
 * record it as applied. An expired file_path (40910) is uploaded again. Finally one bounded wait
 * for every audience to be calculated, and cover_num / match rate / history are read.
 */
export async function uploadTransformOutput(request: UploadRequest): Promise<UploadResult> {
  const types = manifestTypes(request.manifest);
  validatePlan(request, types);
  const now = (request.now ?? (() => new Date()))().toISOString();
  // Taking the ledger fences out any earlier run of this upload that is still alive somewhere.
  const loaded = await request.ledger.acquire(request.ledgerId, request.fence ?? UNFENCED);
  if (loaded && (loaded.advertiserId !== request.advertiserId || loaded.action !== request.audience.action)) {
    throw new UserError({
      code: 'ledger_mismatch',
      title: 'The upload ledger belongs to another upload',
      detail: `Ledger ${request.ledgerId} records ${loaded.action} for advertiser ${loaded.advertiserId}.`,
      resolution:
        'Use a different ledger (for the CLI: transform into a fresh folder) or run the upload with its original arguments.',
      kind: 'failure',
    });
  }
  const state: UploadLedgerState = loaded ?? {
    version: UPLOAD_LEDGER_VERSION,
    advertiserId: request.advertiserId,
    action: request.audience.action,
    audiences: {},
    createdAt: now,
    updatedAt: now,
  };
  const run = new UploadRun(request, state);
  // Types one after the other (each its own audience); then one wait for TikTok to calculate them all.
  const applied: Array<{ type: IdentifierType; counters: { uploaded: number; skipped: number } }> = [];
  for (const type of types) applied.push({ type, counters: await run.applyType(type) });
  const audiences = await run.status(applied);
  return {
    advertiserId: request.advertiserId,
    action: request.audience.action,
    audiences,
    alreadyComplete: run.writes === 0,
  };
}
