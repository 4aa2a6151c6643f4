import { createHash } from 'node:crypto';
import { maskToken } from './mask-token.ts';
import { TIKTOK_API_VERSION, TIKTOK_LIMITS, TIKTOK_PATHS, TIKTOK_PRODUCTION_BASE_URL } from './tiktok-api-version.ts';
import {
  PARTIAL_SUCCESS_CODE,
  TikTokApiError,
  classifyHttpStatus,
  classifyTikTokCode,
  defaultBusyMessageMatcher,
  type BusyMessageMatcher,
  type TikTokErrorKind,
} from './tiktok-errors.ts';
import {
  RequestRateLimiter,
  RetryBudget,
  abortError,
  fullJitterDelayMs,
  processRequestRateLimiter,
  processRetryBudget,
  sleep as defaultSleep,
} from './request-rate-limiter.ts';

export { TIKTOK_API_VERSION, TIKTOK_PRODUCTION_BASE_URL };

export type AudienceAction = 'APPEND' | 'REMOVE' | 'REPLACE';

export interface AudienceHistoryEntry {
  action: string;
  msg: string;
  optTime: string;
}

export interface AudienceDetails {
  audienceId: string;
  name: string;
  calculateType: string;
  /** Matched people; can take 24–48 h to settle at TikTok. */
  coverNum: number | null;
  /** False while TikTok calculates. */
  isValid: boolean;
  isExpiring: boolean | null;
  expiredTime: string | null;
  msg: string | null;
  history: AudienceHistoryEntry[];
}

export interface AudienceListItem {
  audienceId: string;
  name: string;
  calculateType: string | null;
  coverNum: number | null;
  isValid: boolean | null;
  isCreator: boolean | null;
  createTime: string | null;
  expiredTime: string | null;
}

/** What the client reports about its own retries (request ids only — never tokens or ids). */
export interface TikTokRetryEvent {
  endpoint: string;
  attempt: number;
  kind: TikTokErrorKind;
  code: number | null;
  requestId: string | null;
  delayMs: number;
}

export interface TikTokClientOptions {
  baseUrl: string;
  accessToken: string;
  fetch?: typeof fetch;
  /** Shared by every client of the process by default. */
  limiter?: RequestRateLimiter;
  /** Per attempt; default 60 s. */
  timeoutMs?: number;
  /** Per attempt of a file upload (up to 50 MB); default `timeoutMs` when given, else 5 minutes. */
  uploadTimeoutMs?: number;
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number; budget?: RetryBudget };
  /** How long to wait out an audience that is busy calculating (40002), and the longest pause between tries (default 15 min, 5 s). */
  busy?: { timeoutMs?: number; delayMs?: number; matcher?: BusyMessageMatcher };
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
  onRetry?: (event: TikTokRetryEvent) => void;
}

interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: Record<string, unknown>;
  form?: () => FormData;
  /** Safe to send again when the outcome of an attempt is unknown (timeouts, lost connections). */
  idempotent: boolean;
  signal?: AbortSignal;
}

interface Envelope {
  code: number;
  message: string;
  request_id?: string;
  data?: unknown;
}

function isEnvelope(value: unknown): value is Envelope {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'number';
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function idString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return '';
}

function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function stringOrNull(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return null;
}

function booleanOrNull(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

const PER_MINUTE_LIMIT = /per minute|\/min\b|minute/i;

/** Network error codes that prove the request never reached the server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * TikTok Marketing API client for customer-file audiences (docs/tiktok-api.md). It receives its
 * transport, so tests pin exact requests; it unwraps the envelope in one place, and applies the
 * traffic discipline (shared token bucket, timeouts, back-off with full jitter, retry budget,
 * waiting out busy audiences) to every call.
 */
export class TikTokClient {
  readonly baseUrl: string;
  readonly #accessToken: string;
  readonly #fetch: typeof fetch;
  readonly #limiter: RequestRateLimiter;
  readonly #timeoutMs: number;
  readonly #uploadTimeoutMs: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #budget: RetryBudget;
  readonly #busyTimeoutMs: number;
  readonly #busyDelayMs: number;
  readonly #isBusy: BusyMessageMatcher;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #onRetry: ((event: TikTokRetryEvent) => void) | undefined;

  constructor(options: TikTokClientOptions) {
    if (!options.accessToken) throw new TypeError('TikTokClient needs an access token');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#accessToken = options.accessToken;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#limiter = options.limiter ?? processRequestRateLimiter();
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#uploadTimeoutMs = options.uploadTimeoutMs ?? options.timeoutMs ?? 5 * 60_000;
    this.#maxAttempts = Math.max(1, options.retry?.maxAttempts ?? 6);
    this.#baseDelayMs = options.retry?.baseDelayMs ?? 500;
    this.#maxDelayMs = options.retry?.maxDelayMs ?? 20_000;
    this.#budget = options.retry?.budget ?? processRetryBudget();
    this.#busyTimeoutMs = options.busy?.timeoutMs ?? 15 * 60_000;
    this.#busyDelayMs = options.busy?.delayMs ?? 5_000;
    this.#isBusy = options.busy?.matcher ?? defaultBusyMessageMatcher;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? (() => Date.now());
    this.#onRetry = options.onRetry;
  }

  /** Serializes without the token. */
  toJSON(): { baseUrl: string } {
    return { baseUrl: this.baseUrl };
  }

  // ---- endpoints -------------------------------------------------------------------------------

  /** Uploads one customer file; returns the file_path to use in create/update. */
  async uploadFile(input: {
    advertiserId: string;
    calculateType: string;
    fileName: string;
    bytes: Uint8Array;
    signal?: AbortSignal;
  }): Promise<{ filePath: string; requestId: string | null }> {
    if (!/\.(csv|txt)$/i.test(input.fileName))
      throw new TypeError(`TikTok accepts only .csv or .txt files (got ${input.fileName})`);
    if (input.bytes.byteLength > TIKTOK_LIMITS.maxFileBytes)
      throw new RangeError(`File ${input.fileName} is larger than TikTok's 50 MB limit`);
    const signature = md5Hex(input.bytes);
    const { data, requestId } = await this.#request({
      method: 'POST',
      path: TIKTOK_PATHS.fileUpload,
      idempotent: true,
      signal: input.signal,
      form: () => {
        const form = new FormData();
        form.set('advertiser_id', input.advertiserId);
        form.set('calculate_type', input.calculateType);
        form.set('file_signature', signature);
        form.set('file', new Blob([input.bytes as Uint8Array<ArrayBuffer>], { type: 'text/csv' }), input.fileName);
        return form;
      },
    });
    const filePath = stringOrNull(record(data).file_path);
    if (!filePath) throw this.#malformed(TIKTOK_PATHS.fileUpload, requestId, 'data.file_path is missing');
    return { filePath, requestId };
  }

  async createAudience(input: {
    advertiserId: string;
    name: string;
    calculateType: string;
    filePaths: string[];
    retentionInDays?: number;
    signal?: AbortSignal;
  }): Promise<{ audienceId: string; requestId: string | null }> {
    const body: Record<string, unknown> = {
      advertiser_id: input.advertiserId,
      custom_audience_name: input.name,
      calculate_type: input.calculateType,
      file_paths: input.filePaths,
    };
    if (input.retentionInDays !== undefined) body.retention_in_days = input.retentionInDays;
    const { data, requestId } = await this.#request({
      method: 'POST',
      path: TIKTOK_PATHS.create,
      json: body,
      idempotent: false,
      signal: input.signal,
    });
    const audienceId = idString(record(data).custom_audience_id);
    if (!audienceId) throw this.#malformed(TIKTOK_PATHS.create, requestId, 'data.custom_audience_id is missing');
    return { audienceId, requestId };
  }

  /** Applies files to an audience. The action is always sent: TikTok's default would be REPLACE. */
  async updateAudience(input: {
    advertiserId: string;
    audienceId: string;
    filePaths: string[];
    action: AudienceAction;
    signal?: AbortSignal;
  }): Promise<{ requestId: string | null }> {
    const { requestId } = await this.#request({
      method: 'POST',
      path: TIKTOK_PATHS.update,
      json: {
        advertiser_id: input.advertiserId,
        custom_audience_id: input.audienceId,
        file_paths: input.filePaths,
        action: input.action,
      },
      idempotent: false,
      signal: input.signal,
    });
    return { requestId };
  }

  async renameAudience(input: {
    advertiserId: string;
    audienceId: string;
    name: string;
    signal?: AbortSignal;
  }): Promise<{ requestId: string | null }> {
    const { requestId } = await this.#request({
      method: 'POST',
      path: TIKTOK_PATHS.update,
      json: {
        advertiser_id: input.advertiserId,
        custom_audience_id: input.audienceId,
        custom_audience_name: input.name,
      },
      idempotent: true,
      signal: input.signal,
    });
    return { requestId };
  }

  /** Status, cover_num and history of audiences (any number of ids; sent 100 at a time). */
  async getAudiences(input: {
    advertiserId: string;
    audienceIds: string[];
    historySize?: number;
    signal?: AbortSignal;
  }): Promise<AudienceDetails[]> {
    const results: AudienceDetails[] = [];
    for (const ids of chunk(input.audienceIds, TIKTOK_LIMITS.maxAudienceIdsPerGet)) {
      const { data } = await this.#request({
        method: 'GET',
        path: TIKTOK_PATHS.get,
        query: {
          advertiser_id: input.advertiserId,
          custom_audience_ids: JSON.stringify(ids),
          history_size: input.historySize,
        },
        idempotent: true,
        signal: input.signal,
      });
      const list = record(data).list;
      for (const item of Array.isArray(list) ? list : []) results.push(parseAudienceDetails(item));
    }
    return results;
  }

  /** Every audience of the advertiser: all pages, the last one included. */
  async listAudiences(input: {
    advertiserId: string;
    pageSize?: number;
    signal?: AbortSignal;
  }): Promise<AudienceListItem[]> {
    const pageSize = Math.min(TIKTOK_LIMITS.maxPageSize, Math.max(1, input.pageSize ?? TIKTOK_LIMITS.maxPageSize));
    const items: AudienceListItem[] = [];
    for (let page = 1; ; page += 1) {
      const { data } = await this.#request({
        method: 'GET',
        path: TIKTOK_PATHS.list,
        query: { advertiser_id: input.advertiserId, page, page_size: pageSize },
        idempotent: true,
        signal: input.signal,
      });
      const body = record(data);
      const list = Array.isArray(body.list) ? body.list : [];
      for (const item of list) items.push(parseListItem(item));
      const pageInfo = record(body.page_info);
      const totalPage = numberOrNull(pageInfo.total_page);
      // `page < total_page` (not `<=` minus one): the last page is fetched too. Without page_info,
      // a short page is the last one.
      const more = totalPage !== null ? page < totalPage : list.length === pageSize;
      if (!more || list.length === 0) return items;
    }
  }

  /** Audiences with exactly this name (TikTok does not keep names unique). */
  async findAudiencesByName(advertiserId: string, name: string, signal?: AbortSignal): Promise<AudienceListItem[]> {
    const all = await this.listAudiences({ advertiserId, signal });
    return all.filter((audience) => audience.name === name);
  }

  async deleteAudiences(input: { advertiserId: string; audienceIds: string[]; signal?: AbortSignal }): Promise<void> {
    for (const ids of chunk(input.audienceIds, TIKTOK_LIMITS.maxAudienceIdsPerGet)) {
      await this.#request({
        method: 'POST',
        path: TIKTOK_PATHS.delete,
        json: { advertiser_id: input.advertiserId, custom_audience_ids: ids },
        idempotent: false,
        signal: input.signal,
      });
    }
  }

  // ---- transport -------------------------------------------------------------------------------

  #url(path: string, query?: Record<string, string | number | undefined>): string {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    return url.toString();
  }

  /** Whatever a server echoes back, the token never leaves this class unmasked. */
  #redact(text: string): string {
    return text.includes(this.#accessToken) ? text.split(this.#accessToken).join(maskToken(this.#accessToken)) : text;
  }

  #missingEndpointResolution(): string {
    return `Check the API base URL (${this.baseUrl}, TIKTOK_API_BASE_URL): it must end in /open_api/${TIKTOK_API_VERSION}, e.g. ${TIKTOK_PRODUCTION_BASE_URL} or the emulator's address.`;
  }

  #malformed(endpoint: string, requestId: string | null, detail: string): TikTokApiError {
    return new TikTokApiError({
      kind: 'retryable',
      code: null,
      requestId,
      tiktokMessage: `Unexpected answer from TikTok: ${detail}`,
      endpoint,
    });
  }

  /** One attempt: send, read, unwrap the envelope. Throws TikTokApiError for every failure. */
  async #attempt(spec: RequestSpec): Promise<{ data: unknown; requestId: string | null }> {
    const controller = new AbortController();
    let timedOut = false;
    const timeoutMs = spec.form ? this.#uploadTimeoutMs : this.#timeoutMs;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = () => controller.abort();
    spec.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const headers: Record<string, string> = { 'Access-Token': this.#accessToken };
    let body: string | FormData | undefined;
    if (spec.json) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.form) body = spec.form();
    let status = 0;
    let text: string;
    try {
      const response = await this.#fetch(this.#url(spec.path, spec.query), {
        method: spec.method,
        headers,
        body,
        signal: controller.signal,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (spec.signal?.aborted) throw abortError(spec.signal);
      const code = networkErrorCode(error);
      const notSent = status === 0 && code !== undefined && NOT_SENT_CODES.has(code);
      throw new TikTokApiError({
        kind: 'retryable',
        code: null,
        httpStatus: status || null,
        tiktokMessage: timedOut ? `No answer within ${timeoutMs} ms` : `Connection failed${code ? ` (${code})` : ''}`,
        endpoint: spec.path,
        outcomeUnknown: !notSent,
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onCallerAbort);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!isEnvelope(parsed)) {
      const kind = status >= 200 && status < 300 ? 'retryable' : classifyHttpStatus(status);
      throw new TikTokApiError({
        kind,
        code: null,
        httpStatus: status,
        tiktokMessage: this.#redact(`HTTP ${status} without a TikTok answer${text ? `: ${text.slice(0, 200)}` : ''}`),
        endpoint: spec.path,
        ...(status === 404 ? { resolution: this.#missingEndpointResolution() } : {}),
        // A gateway error (or a 2xx that is not TikTok's) may come after the API did the work.
        outcomeUnknown: status >= 500 || (status >= 200 && status < 300),
      });
    }
    const requestId = typeof parsed.request_id === 'string' ? parsed.request_id : null;
    if (status === 404) {
      // The endpoint itself is missing: a wrong base URL or a path without its trailing slash.
      throw new TikTokApiError({
        kind: 'not_found',
        code: parsed.code,
        httpStatus: status,
        requestId,
        tiktokMessage: this.#redact(typeof parsed.message === 'string' ? parsed.message : 'Not Found'),
        endpoint: spec.path,
        resolution: this.#missingEndpointResolution(),
      });
    }
    if (parsed.code === 0 || parsed.code === PARTIAL_SUCCESS_CODE) return { data: parsed.data, requestId };
    const message = this.#redact(typeof parsed.message === 'string' ? parsed.message : '');
    throw new TikTokApiError({
      kind: classifyTikTokCode(parsed.code, message, this.#isBusy),
      code: parsed.code,
      httpStatus: status,
      requestId,
      tiktokMessage: message,
      endpoint: spec.path,
    });
  }

  /** Attempts with traffic discipline: rate limit, back-off with full jitter, budget, busy waits. */
  async #request(spec: RequestSpec): Promise<{ data: unknown; requestId: string | null }> {
    let attempt = 0;
    let busySince: number | undefined;
    let busyWaits = 0;
    for (;;) {
      attempt += 1;
      await this.#limiter.acquire(spec.signal);
      try {
        const result = await this.#attempt(spec);
        this.#budget.recordSuccess();
        return result;
      } catch (error) {
        if (!(error instanceof TikTokApiError)) throw error;
        if (error.kind === 'busy') busyWaits += 1;
        const delayMs = this.#retryDelay(
          error,
          attempt,
          spec,
          (busySince ??= error.kind === 'busy' ? this.#now() : undefined),
          busyWaits,
        );
        if (delayMs === undefined) throw error.withAttempts(attempt);
        this.#onRetry?.({
          endpoint: spec.path,
          attempt,
          kind: error.kind,
          code: error.code,
          requestId: error.requestId,
          delayMs,
        });
        await this.#sleep(delayMs, spec.signal);
      }
    }
  }

  /** The pause before the next attempt, or undefined when the error is final. */
  #retryDelay(
    error: TikTokApiError,
    attempt: number,
    spec: RequestSpec,
    busySince: number | undefined,
    busyWaits: number,
  ): number | undefined {
    if (error.kind === 'busy') {
      // Not a failure: the audience is calculating. Wait it out, bounded by its own deadline, with
      // pauses growing from 1 s to the busy delay (and some jitter, so waiters do not align).
      if (busySince === undefined || this.#now() - busySince >= this.#busyTimeoutMs) return undefined;
      const pause = Math.min(this.#busyDelayMs, 1000 * 2 ** (busyWaits - 1));
      return Math.floor(pause * (0.5 + this.#random() / 2));
    }
    if (error.kind !== 'throttled' && error.kind !== 'retryable') return undefined;
    if (error.outcomeUnknown && !spec.idempotent) return undefined;
    if (attempt >= this.#maxAttempts) return undefined;
    if (!this.#budget.tryConsume()) return undefined;
    // A per-minute limit is not lifted by retrying within seconds: start from a much longer pause.
    if (error.kind === 'throttled' && PER_MINUTE_LIMIT.test(error.tiktokMessage)) {
      return fullJitterDelayMs(
        attempt,
        Math.max(this.#baseDelayMs, 15_000),
        Math.max(this.#maxDelayMs, 120_000),
        this.#random,
      );
    }
    return fullJitterDelayMs(attempt, this.#baseDelayMs, this.#maxDelayMs, this.#random);
  }
}

function parseHistory(value: unknown): AudienceHistoryEntry[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry) => {
    const item = record(entry);
    return {
      action: stringOrNull(item.action) ?? '',
      msg: stringOrNull(item.msg) ?? '',
      optTime: stringOrNull(item.opt_time) ?? '',
    };
  });
}

function parseAudienceDetails(value: unknown): AudienceDetails {
  const item = record(value);
  const details = record(item.audience_details);
  return {
    audienceId: idString(details.audience_id ?? details.custom_audience_id),
    name: stringOrNull(details.name) ?? '',
    calculateType: stringOrNull(details.calculate_type) ?? '',
    coverNum: numberOrNull(details.cover_num),
    isValid: details.is_valid === true,
    isExpiring: booleanOrNull(details.is_expiring),
    expiredTime: stringOrNull(details.expired_time),
    msg: stringOrNull(details.msg),
    history: parseHistory(item.audience_history),
  };
}

function parseListItem(value: unknown): AudienceListItem {
  const item = record(value);
  return {
    audienceId: idString(item.audience_id ?? item.custom_audience_id),
    name: stringOrNull(item.name) ?? '',
    calculateType: stringOrNull(item.calculate_type),
    coverNum: numberOrNull(item.cover_num),
    isValid: booleanOrNull(item.is_valid),
    isCreator: booleanOrNull(item.is_creator),
    createTime: stringOrNull(item.create_time),
    expiredTime: stringOrNull(item.expired_time),
  };
}

/** A client on the process-wide token bucket, set to `qps` (TIKTOK_QPS). */
export function createTikTokClient(
  settings: { baseUrl: string; accessToken: string; qps?: number } & Omit<
    Partial<TikTokClientOptions>,
    'baseUrl' | 'accessToken'
  >,
): TikTokClient {
  const { qps, ...options } = settings;
  return new TikTokClient({ limiter: processRequestRateLimiter(qps), ...options });
}
