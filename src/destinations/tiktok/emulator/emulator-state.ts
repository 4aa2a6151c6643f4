import { randomBytes } from 'node:crypto';
import { BUSY_MESSAGE, EmulatorApiError, FLOOR_MESSAGE, TikTokCode, parameterError } from './emulator-api-error.ts';
import { isMatchKey, isSimulatedMatch, simulatedMatchKey } from './simulated-match.ts';
import { IDS_PER_SLICE, yieldToEventLoop } from './yield-to-event-loop.ts';

/** calculate_type values the emulator accepts, with TikTok's aliases mapped to their canonical name. */
const CALCULATE_TYPES: Record<string, string> = {
  EMAIL_SHA256: 'EMAIL_SHA256',
  PHONE_SHA256: 'PHONE_SHA256',
  IDFA_SHA256: 'IDFA_SHA256',
  GAID_SHA256: 'GAID_SHA256',
  IDFA_MD5: 'IDFA_MD5',
  GAID_MD5: 'GAID_MD5',
  FIRST_SHA256: 'FIRST_SHA256',
  MAID_SHA256: 'FIRST_SHA256',
  FIRST_MD5: 'FIRST_MD5',
  MAID_MD5: 'FIRST_MD5',
};

/** The 1,000-id floor below which REPLACE and REMOVE are refused. */
export const AUDIENCE_FLOOR = 1000;
export const MAX_NAME_LENGTH = 128;
export const MAX_FILE_PATHS = 500;
const DEFAULT_RETENTION_DAYS = 365;

/** Canonical calculate_type, or undefined when TikTok (as emulated) does not support it. */
export function canonicalCalculateType(value: string): string | undefined {
  return CALCULATE_TYPES[value];
}

/** The digest pattern a line of a file with this calculate_type must match. */
export function linePatternFor(calculateType: string): RegExp {
  return calculateType.endsWith('_MD5') ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{64}$/;
}

export type AudienceAction = 'CREATE' | 'APPEND' | 'REMOVE' | 'REPLACE' | 'RENAME' | 'DELETE';

export interface StoredFile {
  filePath: string;
  advertiserId: string;
  calculateType: string;
  md5: string;
  fileName: string;
  bytes: number;
  rows: number;
  uploadedAt: number;
  expiresAt: number;
  /** Lines of the file; null once expired (the ids are released, the tombstone answers 40910). */
  ids: string[] | null;
  /** `simulatedMatchKey` of each line, computed at upload; null with `ids`. */
  matchKeys: Uint32Array | null;
}

/** A usable file's lines, captured when an operation starts (expiry during the operation cannot pull them away). */
interface ResolvedFile {
  filePath: string;
  ids: string[];
  matchKeys: Uint32Array;
}

interface HistoryEntry {
  action: AudienceAction;
  msg: string;
  at: number;
}

interface AudienceRecord {
  audienceId: string;
  advertiserId: string;
  name: string;
  calculateType: string;
  ids: Set<string>;
  /** Matched ids among `ids` under the current match rate. */
  matched: number;
  /**
   * Ids received for adding (create / APPEND / REPLACE) that the audience no longer holds (removed
   * or replaced). With `ids` it is every id ever received, which is what counting repeats needs.
   */
  receivedNotHeld: Set<string>;
  idsReceivedTotal: number;
  duplicateIdsReceived: number;
  removeIdsReceivedTotal: number;
  appliedFilePaths: string[];
  createdAt: number;
  updatedAt: number;
  /** True while an update is being applied (it yields to the event loop on large files). */
  applying: boolean;
  calculatingUntil: number;
  /** cover_num shown while calculating: the value before the running operation. */
  coverBefore: number;
  retentionInDays: number;
  history: HistoryEntry[];
}

/** One performed audience operation, for tests proving "applied once". */
export interface EmulatorOperation {
  seq: number;
  at: string;
  requestId: string;
  advertiserId: string;
  audienceId: string;
  action: AudienceAction;
  filePaths: string[];
  /** Rows in the files of this operation, repeats included. */
  idsReceived: number;
  idsAdded: number;
  idsRemoved: number;
  sizeAfter: number;
}

export interface EmulatorAudienceView {
  audienceId: string;
  advertiserId: string;
  name: string;
  calculateType: string;
  /** Distinct ids held. */
  idCount: number;
  /** cover_num as `get` reports it now. */
  coverNum: number;
  /** Matched distinct ids held (what cover_num becomes once valid). */
  matchedCount: number;
  isValid: boolean;
  calculatingUntil: string;
  appliedFilePaths: string[];
  /** Sum of rows over files applied with create / APPEND / REPLACE, repeats included. */
  idsReceivedTotal: number;
  /** Ids that arrived (for adding) more than once across operations, or twice within one. */
  duplicateIdsReceived: number;
  /** Sum of rows over files applied with REMOVE. */
  removeIdsReceivedTotal: number;
  retentionInDays: number;
  createdAt: string;
  updatedAt: string;
}

export interface EmulatorUpload {
  filePath: string;
  md5: string;
  calculateType: string;
  rows: number;
  advertiserId: string;
  uploadedAt: string;
  expiresAt: string;
  fileName: string;
  bytes: number;
  expired: boolean;
}

/** TikTok's `YYYY-MM-DD HH:mm:ss` (UTC). */
export function formatTikTokTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export interface ApplyContext {
  now: number;
  requestId: string;
  calculatingMs: number;
  /** The time when applying ends (calculating starts then); `now` when absent. */
  clock?: () => number;
}

/** All audiences and uploaded files of the emulated TikTok, and the domain rules applied to them. */
export class EmulatorState {
  private files = new Map<string, StoredFile>();
  private audiences = new Map<string, AudienceRecord>();
  private operationLog: EmulatorOperation[] = [];
  private idBase = BigInt(Date.now()) * 1_000_000n;
  private nextAudienceSeq = 1;
  private nextOperationSeq = 1;

  constructor(private matchRate: number) {}

  clear(): void {
    this.files.clear();
    this.audiences.clear();
    this.operationLog = [];
    // Keep the id sequence running so an id from before the reset never names a new audience.
  }

  setMatchRate(matchRate: number): void {
    if (matchRate === this.matchRate) return;
    this.matchRate = matchRate;
    for (const audience of this.audiences.values()) audience.matched = this.countMatched(audience.ids);
  }

  // ---- files ----

  addFile(file: Omit<StoredFile, 'filePath'>): StoredFile {
    const filePath = `emulator/${file.advertiserId}/${randomBytes(16).toString('hex')}`;
    const stored: StoredFile = { ...file, filePath };
    this.files.set(filePath, stored);
    return stored;
  }

  /** Releases the ids of expired files; their tombstones keep answering 40910. */
  sweepExpiredFiles(now: number): void {
    for (const file of this.files.values()) {
      if (file.ids !== null && file.expiresAt <= now) {
        file.ids = null;
        file.matchKeys = null;
      }
    }
  }

  private resolveFiles(advertiserId: string, calculateType: string, filePaths: string[], now: number): ResolvedFile[] {
    return filePaths.map((filePath) => {
      const file = this.files.get(filePath);
      if (!file || file.advertiserId !== advertiserId) {
        throw new EmulatorApiError(
          TikTokCode.fileNotFound,
          `File not found: file_path ${filePath} does not exist for advertiser ${advertiserId}`,
        );
      }
      if (file.ids === null || file.matchKeys === null || file.expiresAt <= now) {
        throw new EmulatorApiError(
          TikTokCode.fileExpired,
          `File expired: file_path ${filePath} expired at ${formatTikTokTime(file.expiresAt)}; upload the file again`,
        );
      }
      if (file.calculateType !== calculateType) {
        throw parameterError(
          `Identifier type mismatch: file_path ${filePath} holds ${file.calculateType} ids, the audience takes ${calculateType}`,
        );
      }
      return { filePath, ids: file.ids, matchKeys: file.matchKeys };
    });
  }

  // ---- audiences ----

  private requireAudience(advertiserId: string, audienceId: string): AudienceRecord {
    const audience = this.audiences.get(audienceId);
    if (!audience || audience.advertiserId !== advertiserId) {
      throw new EmulatorApiError(
        TikTokCode.notFound,
        `Audience ${audienceId} does not exist for advertiser ${advertiserId}`,
      );
    }
    return audience;
  }

  private countMatched(ids: Iterable<string>): number {
    let matched = 0;
    for (const id of ids) if (isSimulatedMatch(id, this.matchRate)) matched += 1;
    return matched;
  }

  private isValid(audience: AudienceRecord, now: number): boolean {
    return !audience.applying && now >= audience.calculatingUntil;
  }

  private displayedCover(audience: AudienceRecord, now: number): number {
    return this.isValid(audience, now) ? audience.matched : audience.coverBefore;
  }

  /**
   * Adds every line of the files to the audience; returns [rows received, distinct ids newly added].
   * `previous` is the set a REPLACE is replacing: ids in it were received before too.
   */
  private async receive(
    audience: AudienceRecord,
    files: ResolvedFile[],
    previous?: Set<string>,
  ): Promise<[number, number]> {
    let rows = 0;
    let added = 0;
    for (const { ids, matchKeys } of files) {
      for (let index = 0; index < ids.length; index += 1) {
        if (index % IDS_PER_SLICE === IDS_PER_SLICE - 1) await yieldToEventLoop();
        const id = ids[index] as string;
        rows += 1;
        if (audience.ids.has(id)) {
          audience.duplicateIdsReceived += 1;
          continue;
        }
        if (audience.receivedNotHeld.delete(id) || previous?.has(id)) audience.duplicateIdsReceived += 1;
        audience.ids.add(id);
        added += 1;
        if (isMatchKey(matchKeys[index] ?? 0, this.matchRate)) audience.matched += 1;
      }
    }
    audience.idsReceivedTotal += rows;
    return [rows, added];
  }

  private startCalculating(audience: AudienceRecord, context: ApplyContext, coverBefore: number): void {
    const appliedAt = context.clock ? context.clock() : context.now;
    audience.coverBefore = coverBefore;
    audience.calculatingUntil = appliedAt + context.calculatingMs;
    audience.updatedAt = appliedAt;
  }

  private record(operation: Omit<EmulatorOperation, 'seq' | 'at'>, now: number): void {
    this.operationLog.push({ seq: this.nextOperationSeq++, at: new Date(now).toISOString(), ...operation });
  }

  /** Creates an audience; it becomes visible once its files are applied. */
  async create(
    input: { advertiserId: string; name: string; calculateType: string; filePaths: string[]; retentionInDays?: number },
    context: ApplyContext,
  ): Promise<string> {
    const files = this.resolveFiles(input.advertiserId, input.calculateType, input.filePaths, context.now);
    const audienceId = (this.idBase + BigInt(this.nextAudienceSeq++)).toString();
    const audience: AudienceRecord = {
      audienceId,
      advertiserId: input.advertiserId,
      name: input.name,
      calculateType: input.calculateType,
      ids: new Set(),
      matched: 0,
      receivedNotHeld: new Set(),
      idsReceivedTotal: 0,
      duplicateIdsReceived: 0,
      removeIdsReceivedTotal: 0,
      appliedFilePaths: [...input.filePaths],
      createdAt: context.now,
      updatedAt: context.now,
      applying: false,
      calculatingUntil: context.now,
      coverBefore: 0,
      retentionInDays: input.retentionInDays ?? DEFAULT_RETENTION_DAYS,
      history: [],
    };
    const [rows, added] = await this.receive(audience, files);
    this.startCalculating(audience, context, 0);
    audience.history.push({
      action: 'CREATE',
      msg: `Created from ${files.length} file(s) with ${rows} rows`,
      at: context.now,
    });
    this.audiences.set(audienceId, audience);
    this.record(
      {
        requestId: context.requestId,
        advertiserId: input.advertiserId,
        audienceId,
        action: 'CREATE',
        filePaths: [...input.filePaths],
        idsReceived: rows,
        idsAdded: added,
        idsRemoved: 0,
        sizeAfter: audience.ids.size,
      },
      context.now,
    );
    return audienceId;
  }

  /** Type and busy checks shared by every update; returns the audience. */
  private requireIdle(advertiserId: string, audienceId: string, now: number): AudienceRecord {
    const audience = this.requireAudience(advertiserId, audienceId);
    if (audience.applying || now < audience.calculatingUntil) throw parameterError(BUSY_MESSAGE);
    return audience;
  }

  rename(
    input: { advertiserId: string; audienceId: string; name: string },
    context: ApplyContext,
    checkBusy = true,
  ): void {
    const audience = checkBusy
      ? this.requireIdle(input.advertiserId, input.audienceId, context.now)
      : this.requireAudience(input.advertiserId, input.audienceId);
    audience.name = input.name;
    audience.updatedAt = context.now;
    audience.history.push({ action: 'RENAME', msg: 'Audience renamed', at: context.now });
    this.record(
      {
        requestId: context.requestId,
        advertiserId: input.advertiserId,
        audienceId: input.audienceId,
        action: 'RENAME',
        filePaths: [],
        idsReceived: 0,
        idsAdded: 0,
        idsRemoved: 0,
        sizeAfter: audience.ids.size,
      },
      context.now,
    );
  }

  /** APPEND, REMOVE or REPLACE; refused (changing nothing) when busy, mistyped or below the floor. */
  async updateFiles(
    input: {
      advertiserId: string;
      audienceId: string;
      filePaths: string[];
      action: 'APPEND' | 'REMOVE' | 'REPLACE';
      calculateType?: string;
    },
    context: ApplyContext,
  ): Promise<void> {
    const audience = this.requireIdle(input.advertiserId, input.audienceId, context.now);
    if (input.calculateType !== undefined && input.calculateType !== audience.calculateType) {
      throw parameterError(
        `Identifier type mismatch: the audience takes ${audience.calculateType} ids, the request says ${input.calculateType}`,
      );
    }
    const files = this.resolveFiles(input.advertiserId, audience.calculateType, input.filePaths, context.now);
    const coverBefore = this.displayedCover(audience, context.now);
    let rows = 0;
    let added = 0;
    let removed = 0;
    audience.coverBefore = coverBefore;
    audience.applying = true; // concurrent updates are refused as busy from here on
    try {
      if (input.action === 'APPEND') {
        [rows, added] = await this.receive(audience, files);
      } else if (input.action === 'REPLACE') {
        const next = new Set<string>();
        for (const file of files) {
          for (let index = 0; index < file.ids.length; index += 1) {
            if (index % IDS_PER_SLICE === IDS_PER_SLICE - 1) await yieldToEventLoop();
            next.add(file.ids[index] as string);
          }
        }
        if (next.size < AUDIENCE_FLOOR) throw parameterError(`${FLOOR_MESSAGE}: REPLACE would leave ${next.size} ids`);
        const before = audience.ids;
        audience.ids = new Set();
        audience.matched = 0;
        [rows] = await this.receive(audience, files, before);
        let index = 0;
        for (const id of before) {
          if ((index += 1) % IDS_PER_SLICE === 0) await yieldToEventLoop();
          if (audience.ids.has(id)) continue;
          removed += 1;
          audience.receivedNotHeld.add(id);
        }
        added = audience.ids.size - (before.size - removed);
      } else {
        const toRemove = new Map<string, number>();
        for (const file of files) {
          rows += file.ids.length;
          for (let index = 0; index < file.ids.length; index += 1) {
            if (index % IDS_PER_SLICE === IDS_PER_SLICE - 1) await yieldToEventLoop();
            const id = file.ids[index] as string;
            if (audience.ids.has(id)) toRemove.set(id, file.matchKeys[index] ?? 0);
          }
        }
        const remaining = audience.ids.size - toRemove.size;
        if (remaining < AUDIENCE_FLOOR) throw parameterError(`${FLOOR_MESSAGE}: REMOVE would leave ${remaining} ids`);
        for (const [id, key] of toRemove) {
          audience.ids.delete(id);
          audience.receivedNotHeld.add(id);
          if (isMatchKey(key, this.matchRate)) audience.matched -= 1;
        }
        removed = toRemove.size;
        audience.removeIdsReceivedTotal += rows;
      }
    } finally {
      audience.applying = false;
    }
    audience.appliedFilePaths.push(...input.filePaths);
    this.startCalculating(audience, context, coverBefore);
    audience.history.push({
      action: input.action,
      msg: `${input.action} with ${files.length} file(s) and ${rows} rows`,
      at: context.now,
    });
    this.record(
      {
        requestId: context.requestId,
        advertiserId: input.advertiserId,
        audienceId: input.audienceId,
        action: input.action,
        filePaths: [...input.filePaths],
        idsReceived: rows,
        idsAdded: added,
        idsRemoved: removed,
        sizeAfter: audience.ids.size,
      },
      context.now,
    );
  }

  retain(input: { advertiserId: string; audienceId: string; retentionInDays: number }, now: number): void {
    const audience = this.requireAudience(input.advertiserId, input.audienceId);
    audience.retentionInDays = input.retentionInDays;
    audience.updatedAt = now;
  }

  delete(input: { advertiserId: string; audienceIds: string[] }, context: ApplyContext): void {
    for (const audienceId of input.audienceIds) this.requireAudience(input.advertiserId, audienceId);
    for (const audienceId of new Set(input.audienceIds)) {
      const audience = this.requireAudience(input.advertiserId, audienceId);
      this.audiences.delete(audienceId);
      this.record(
        {
          requestId: context.requestId,
          advertiserId: input.advertiserId,
          audienceId,
          action: 'DELETE',
          filePaths: [],
          idsReceived: 0,
          idsAdded: 0,
          idsRemoved: audience.ids.size,
          sizeAfter: 0,
        },
        context.now,
      );
    }
  }

  /** The `audience_details` object of `get` and the items of `list`. */
  describe(audience: AudienceRecord, now: number): Record<string, unknown> {
    const isValid = this.isValid(audience, now);
    const expiresAt = audience.updatedAt + audience.retentionInDays * 86_400_000;
    return {
      audience_id: audience.audienceId,
      name: audience.name,
      calculate_type: audience.calculateType,
      audience_type: 'Customer File',
      cover_num: this.displayedCover(audience, now),
      is_valid: isValid,
      is_expiring: expiresAt - now < 7 * 86_400_000,
      expired_time: formatTikTokTime(expiresAt),
      create_time: formatTikTokTime(audience.createdAt),
      is_creator: true,
      shared: false,
      msg: isValid ? 'Ready' : 'Calculating',
    };
  }

  get(
    input: { advertiserId: string; audienceIds: string[]; historySize: number },
    now: number,
  ): Array<Record<string, unknown>> {
    return input.audienceIds.map((audienceId) => {
      const audience = this.requireAudience(input.advertiserId, audienceId);
      const history = audience.history
        .slice(-input.historySize)
        .reverse()
        .map((entry) => ({ action: entry.action, msg: entry.msg, opt_time: formatTikTokTime(entry.at) }));
      return { audience_details: this.describe(audience, now), audience_history: history };
    });
  }

  /** The advertiser's audiences, newest first (ties broken by id, newest first). */
  listFor(advertiserId: string, audienceIds?: string[]): AudienceRecord[] {
    const wanted = audienceIds ? new Set(audienceIds) : undefined;
    return [...this.audiences.values()]
      .filter((audience) => audience.advertiserId === advertiserId && (!wanted || wanted.has(audience.audienceId)))
      .sort((a, b) => b.createdAt - a.createdAt || (BigInt(b.audienceId) > BigInt(a.audienceId) ? 1 : -1));
  }

  // ---- inspection ----

  audienceViews(now: number): EmulatorAudienceView[] {
    return [...this.audiences.values()].map((audience) => ({
      audienceId: audience.audienceId,
      advertiserId: audience.advertiserId,
      name: audience.name,
      calculateType: audience.calculateType,
      idCount: audience.ids.size,
      coverNum: this.displayedCover(audience, now),
      matchedCount: audience.matched,
      isValid: this.isValid(audience, now),
      calculatingUntil: new Date(audience.calculatingUntil).toISOString(),
      appliedFilePaths: [...audience.appliedFilePaths],
      idsReceivedTotal: audience.idsReceivedTotal,
      duplicateIdsReceived: audience.duplicateIdsReceived,
      removeIdsReceivedTotal: audience.removeIdsReceivedTotal,
      retentionInDays: audience.retentionInDays,
      createdAt: new Date(audience.createdAt).toISOString(),
      updatedAt: new Date(audience.updatedAt).toISOString(),
    }));
  }

  /** Sorted distinct ids held by an audience (empty when it does not exist). */
  audienceIds(audienceId: string): string[] {
    const audience = this.audiences.get(audienceId);
    return audience ? [...audience.ids].sort() : [];
  }

  hasAudience(audienceId: string): boolean {
    return this.audiences.has(audienceId);
  }

  operations(): EmulatorOperation[] {
    return this.operationLog.map((operation) => ({ ...operation, filePaths: [...operation.filePaths] }));
  }

  uploads(now: number): EmulatorUpload[] {
    return [...this.files.values()].map((file) => ({
      filePath: file.filePath,
      md5: file.md5,
      calculateType: file.calculateType,
      rows: file.rows,
      advertiserId: file.advertiserId,
      uploadedAt: new Date(file.uploadedAt).toISOString(),
      expiresAt: new Date(file.expiresAt).toISOString(),
      fileName: file.fileName,
      bytes: file.bytes,
      expired: file.ids === null || file.expiresAt <= now,
    }));
  }

  counts(): { audiences: number; files: number; operations: number } {
    return { audiences: this.audiences.size, files: this.files.size, operations: this.operationLog.length };
  }

  // ---- persistence ----

  /**
   * Forgets what is older than the retention, so hashed ids do not stay on disk forever: audiences
   * not changed since `cutoff` (with their ids), records of files uploaded before it, operations
   * before it; and releases the ids of files already expired at `now`. Returns what was removed.
   */
  purgeBefore(cutoff: number, now: number): { audiences: number; files: number; operations: number } {
    this.sweepExpiredFiles(now);
    let audiences = 0;
    for (const [audienceId, audience] of this.audiences) {
      if (audience.updatedAt < cutoff && !audience.applying) {
        this.audiences.delete(audienceId);
        audiences += 1;
      }
    }
    let files = 0;
    for (const [filePath, file] of this.files) {
      if (file.uploadedAt < cutoff && file.expiresAt <= now) {
        this.files.delete(filePath);
        files += 1;
      }
    }
    const before = this.operationLog.length;
    this.operationLog = this.operationLog.filter((operation) => Date.parse(operation.at) >= cutoff);
    return { audiences, files, operations: before - this.operationLog.length };
  }

  toJSON(): PersistedState {
    return {
      format: 'tiktok-emulator-state',
      version: 1,
      idBase: this.idBase.toString(),
      nextAudienceSeq: this.nextAudienceSeq,
      nextOperationSeq: this.nextOperationSeq,
      files: [...this.files.values()].map(({ matchKeys: _matchKeys, ...file }) => file),
      audiences: [...this.audiences.values()].map(({ ids, receivedNotHeld, matched: _matched, ...rest }) => ({
        ...rest,
        ids: [...ids],
        receivedNotHeld: [...receivedNotHeld],
      })),
      operations: this.operationLog,
    };
  }

  static fromJSON(persisted: PersistedState, matchRate: number): EmulatorState {
    if (persisted.format !== 'tiktok-emulator-state' || persisted.version !== 1) {
      throw new Error(
        `Not a TikTok emulator state file (format ${String(persisted.format)}, version ${String(persisted.version)})`,
      );
    }
    const state = new EmulatorState(matchRate);
    state.idBase = BigInt(persisted.idBase);
    state.nextAudienceSeq = persisted.nextAudienceSeq;
    state.nextOperationSeq = persisted.nextOperationSeq;
    for (const file of persisted.files) {
      state.files.set(file.filePath, {
        ...file,
        matchKeys: file.ids ? Uint32Array.from(file.ids, simulatedMatchKey) : null,
      });
    }
    for (const { ids, receivedNotHeld, ...rest } of persisted.audiences) {
      const held = new Set(ids);
      // An update cut short by a crash mid-apply is not resumed: the audience is simply usable again.
      state.audiences.set(rest.audienceId, {
        ...rest,
        applying: false,
        ids: held,
        receivedNotHeld: new Set(receivedNotHeld),
        matched: state.countMatched(held),
      });
    }
    state.operationLog = persisted.operations;
    return state;
  }
}

type PersistedAudience = Omit<AudienceRecord, 'ids' | 'receivedNotHeld' | 'matched'> & {
  ids: string[];
  receivedNotHeld: string[];
};

export interface PersistedState {
  format: 'tiktok-emulator-state';
  version: 1;
  idBase: string;
  nextAudienceSeq: number;
  nextOperationSeq: number;
  files: Array<Omit<StoredFile, 'matchKeys'>>;
  audiences: PersistedAudience[];
  operations: EmulatorOperation[];
}
