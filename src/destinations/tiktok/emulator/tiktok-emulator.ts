import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  type EndpointContext,
  type EndpointData,
  type EndpointHandler,
  createAudience,
  deleteAudiences,
  getAudiences,
  listAudiences,
  updateAudience,
  uploadFile,
} from './audience-endpoints.ts';
import { EmulatorApiError, TikTokCode, parameterError } from './emulator-api-error.ts';
import {
  type EmulatorAudienceView,
  type EmulatorOperation,
  EmulatorState,
  type EmulatorUpload,
} from './emulator-state.ts';
import { parseMultipart, readBody } from './request-body.ts';
import { type RequestParams, queryParams, requiredId } from './request-params.ts';
import { RollingWindowLimiter } from './rolling-window-limiter.ts';
import { createSeededRandom } from './seeded-random.ts';
import { DEFAULT_STATE_RETENTION_MS, StateFile, loadState, retainedSnapshot } from './state-file.ts';

export type { EmulatorAudienceView, EmulatorOperation, EmulatorUpload } from './emulator-state.ts';
export { BUSY_MESSAGE, FLOOR_MESSAGE, TikTokCode } from './emulator-api-error.ts';

/** The API version the emulator serves; every TikTok path is under `/open_api/<version>/`. */
export const EMULATED_API_VERSION = 'v1.3';
const API_PREFIX = `/open_api/${EMULATED_API_VERSION}/`;
const INSPECTION_PREFIX = '/__emulator/';
const JSON_BODY_LIMIT = 1024 * 1024;
/** Room for the multipart boundaries and the small fields around the file. */
const MULTIPART_OVERHEAD = 64 * 1024;
const REQUEST_LOG_LIMIT = 100_000;

/** Rates are shares of requests in [0, 1], drawn per request after the QPS check. */
export interface EmulatorFaultRates {
  /** Answer code 50000. */
  serverError?: number;
  /** Answer code 40100 although under the QPS. */
  throttle?: number;
  /** Never answer; the socket is destroyed after `timeoutHangMs` (or when the client gives up). */
  timeout?: number;
  /** Destroy the socket without an answer. */
  drop?: number;
  /**
   * Perform the request, then destroy the socket instead of answering: the "did my create happen?"
   * case a client must reconcile. Never part of the `faultRate` mix.
   */
  lostResponse?: number;
}

export type EmulatorFaultKind = keyof EmulatorFaultRates;

export interface EmulatorOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Requests admitted in any rolling second; more are answered 40100 without being performed. */
  qps: number;
  /**
   * Length of that rolling window (1000). A little shorter (e.g. 900) forgives arrival jitter, e.g.
   * when client and emulator share one busy event loop in a test.
   */
  rateWindowMs: number;
  /** Share of ids that match (deterministic per id). */
  matchRate: number;
  /** How long an audience stays "calculating" (busy, is_valid false) after a create or file update. */
  calculatingMs: number;
  /** Share of requests answered with a random transient fault: 50000, 40100 or a dropped connection (never a hang). */
  faultRate: number;
  faults?: EmulatorFaultRates;
  /** Added before answering each TikTok request. */
  latencyMs: number;
  /** Accepted `Access-Token` values. */
  tokens: string[];
  /** Advertiser ids that exist; every accepted token reaches all of them unless `tokenAdvertisers` says otherwise. */
  advertisers: string[];
  /** Per token, the advertisers it may reach; another existing advertiser answers 40001 (no permission). */
  tokenAdvertisers?: Record<string, string[]>;
  /** When set, state is saved there (atomically, before each answer to a change) and loaded on start. */
  statePath?: string;
  /** How long saved state keeps audiences (and their hashed ids), file records and operations after their last change. */
  stateRetentionMs: number;
  /** Lifetime of an uploaded file_path; after it, using it answers 40910. */
  fileTtlMs: number;
  maxFileBytes: number;
  /** Seed for fault injection, so a run can be replayed. Random when absent. */
  seed?: number;
  /** How long an injected timeout holds the connection before destroying it. */
  timeoutHangMs: number;
}

export const DEFAULT_EMULATOR_OPTIONS: EmulatorOptions = {
  host: '127.0.0.1',
  port: 0,
  qps: 10,
  rateWindowMs: 1000,
  matchRate: 0.6,
  calculatingMs: 2000,
  faultRate: 0,
  latencyMs: 0,
  tokens: ['emulator-token'],
  advertisers: ['7000000000000000001'],
  fileTtlMs: 60 * 60 * 1000,
  stateRetentionMs: DEFAULT_STATE_RETENTION_MS,
  maxFileBytes: 50 * 1024 * 1024,
  timeoutHangMs: 30_000,
};

export interface EmulatorRequestLogEntry {
  requestId: string;
  at: string;
  method: string;
  path: string;
  /** HTTP status answered; null when the connection was dropped or left hanging. */
  httpStatus: number | null;
  /** TikTok code in the body; null when there was no envelope. */
  code: number | null;
  message: string | null;
  advertiserId: string | null;
  fault: EmulatorFaultKind | null;
  /** Refused by the QPS limit (not an injected fault). */
  throttled: boolean;
  durationMs: number;
}

export interface RunningEmulator {
  /** e.g. `http://127.0.0.1:PORT/open_api/v1.3` (no trailing slash). */
  baseUrl: string;
  port: number;
  /** The options in force (a copy). */
  options: EmulatorOptions;
  close(): Promise<void>;
  /** Changes options while running (host, port and statePath are fixed at start); a `seed` restarts the fault sequence. */
  configure(partial: Partial<EmulatorOptions>): void;
  /** Forgets every audience, file, operation and logged request. */
  reset(): void;
  audiences(): EmulatorAudienceView[];
  /** Sorted distinct ids an audience holds. */
  audienceIds(audienceId: string): string[];
  operations(): EmulatorOperation[];
  requestLog(): EmulatorRequestLogEntry[];
  uploads(): EmulatorUpload[];
}

/** Validates and merges options; throws an Error naming the bad option. */
export function resolveEmulatorOptions(
  partial: Partial<EmulatorOptions>,
  base: EmulatorOptions = DEFAULT_EMULATOR_OPTIONS,
): EmulatorOptions {
  const defined = Object.fromEntries(
    Object.entries(partial).filter(([, value]) => value !== undefined),
  ) as Partial<EmulatorOptions>;
  const options: EmulatorOptions = {
    ...base,
    ...defined,
    tokens: [...(defined.tokens ?? base.tokens)],
    advertisers: [...(defined.advertisers ?? base.advertisers)],
  };
  if (defined.faults !== undefined) options.faults = { ...defined.faults };
  if (defined.tokenAdvertisers !== undefined)
    options.tokenAdvertisers = Object.fromEntries(
      Object.entries(defined.tokenAdvertisers).map(([token, ids]) => [token, [...ids]]),
    );
  const share = (name: string, value: number | undefined): void => {
    if (value !== undefined && !(value >= 0 && value <= 1))
      throw new Error(`${name} must be between 0 and 1, got ${value}`);
  };
  const nonNegative = (name: string, value: number): void => {
    if (!(Number.isFinite(value) && value >= 0)) throw new Error(`${name} must be a number ≥ 0, got ${value}`);
  };
  if (!(Number.isInteger(options.qps) && options.qps >= 1))
    throw new Error(`qps must be a whole number ≥ 1, got ${options.qps}`);
  if (!(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535))
    throw new Error(`port must be 0–65535, got ${options.port}`);
  share('matchRate', options.matchRate);
  share('faultRate', options.faultRate);
  for (const [kind, rate] of Object.entries(options.faults ?? {})) share(`faults.${kind}`, rate);
  if (!(Number.isFinite(options.rateWindowMs) && options.rateWindowMs >= 1 && options.rateWindowMs <= 60_000))
    throw new Error(`rateWindowMs must be 1–60000, got ${options.rateWindowMs}`);
  nonNegative('calculatingMs', options.calculatingMs);
  nonNegative('latencyMs', options.latencyMs);
  nonNegative('fileTtlMs', options.fileTtlMs);
  nonNegative('timeoutHangMs', options.timeoutHangMs);
  nonNegative('stateRetentionMs', options.stateRetentionMs);
  if (!(Number.isInteger(options.maxFileBytes) && options.maxFileBytes >= 1))
    throw new Error(`maxFileBytes must be a whole number ≥ 1, got ${options.maxFileBytes}`);
  if (options.tokens.length === 0 || options.tokens.some((token) => typeof token !== 'string' || token === ''))
    throw new Error('tokens must hold at least one non-empty token');
  if (options.advertisers.some((id) => !/^[0-9]+$/.test(id))) throw new Error('advertisers must be strings of digits');
  return options;
}

const maskToken = (token: string): string => `…${token.slice(-4)}`;

/** Options as shown over HTTP: tokens reduced to their last 4 characters. */
function publicOptions(options: EmulatorOptions): Record<string, unknown> {
  const { tokens, tokenAdvertisers, ...rest } = options;
  return {
    ...rest,
    tokens: tokens.map(maskToken),
    ...(tokenAdvertisers
      ? {
          tokenAdvertisers: Object.fromEntries(
            Object.entries(tokenAdvertisers).map(([token, ids]) => [maskToken(token), ids]),
          ),
        }
      : {}),
  };
}

type Route =
  | { kind: 'json'; method: 'GET' | 'POST'; mutates: boolean; handle: EndpointHandler }
  | { kind: 'upload'; method: 'POST'; mutates: true };

const ROUTES: Record<string, Route> = {
  'dmp/custom_audience/file/upload/': { kind: 'upload', method: 'POST', mutates: true },
  'dmp/custom_audience/create/': { kind: 'json', method: 'POST', mutates: true, handle: createAudience },
  'dmp/custom_audience/update/': { kind: 'json', method: 'POST', mutates: true, handle: updateAudience },
  'dmp/custom_audience/get/': { kind: 'json', method: 'GET', mutates: false, handle: getAudiences },
  'dmp/custom_audience/list/': { kind: 'json', method: 'GET', mutates: false, handle: listAudiences },
  'dmp/custom_audience/delete/': { kind: 'json', method: 'POST', mutates: true, handle: deleteAudiences },
};

const RANDOM_FAULTS: EmulatorFaultKind[] = ['serverError', 'throttle', 'drop'];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** Starts the emulated TikTok Marketing API on 127.0.0.1 (by default on a free port). */
export async function startTikTokEmulator(partial: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  let options = resolveEmulatorOptions(partial);
  const retention = { retentionMs: options.stateRetentionMs, now: Date.now };
  const state = options.statePath
    ? await loadState(options.statePath, options.matchRate, retention)
    : new EmulatorState(options.matchRate);
  const stateFile = options.statePath
    ? new StateFile(options.statePath, () => retainedSnapshot(state, retention))
    : null;
  const limiter = new RollingWindowLimiter(options.qps, options.rateWindowMs);
  let random = createSeededRandom(options.seed ?? randomBytes(4).readUInt32BE(0));
  let requestLog: EmulatorRequestLogEntry[] = [];
  let requestSeq = 0;
  const hangTimers = new Set<NodeJS.Timeout>();

  const newRequestId = (): string => {
    requestSeq += 1;
    const stamp = new Date()
      .toISOString()
      .replace(/[-:TZ.]/g, '')
      .slice(0, 14);
    return `${stamp}${String(requestSeq).padStart(8, '0')}${randomBytes(4).toString('hex').toUpperCase()}`;
  };

  const log = (entry: EmulatorRequestLogEntry): void => {
    requestLog.push(entry);
    if (requestLog.length > REQUEST_LOG_LIMIT) requestLog = requestLog.slice(-REQUEST_LOG_LIMIT / 2);
  };

  const pickFault = (): EmulatorFaultKind | null => {
    const rates = options.faults ?? {};
    let draw = random();
    for (const kind of ['serverError', 'throttle', 'timeout', 'drop', 'lostResponse'] as const) {
      const rate = rates[kind] ?? 0;
      if (draw < rate) return kind;
      draw -= rate;
    }
    if (options.faultRate > 0 && random() < options.faultRate)
      return RANDOM_FAULTS[Math.floor(random() * RANDOM_FAULTS.length)] ?? 'serverError';
    return null;
  };

  async function handleApi(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    const requestId = newRequestId();
    const method = request.method ?? 'GET';
    const entry: EmulatorRequestLogEntry = {
      requestId,
      at: new Date().toISOString(),
      method,
      path: url.pathname,
      httpStatus: null,
      code: null,
      message: null,
      advertiserId: null,
      fault: null,
      throttled: false,
      durationMs: 0,
    };
    const answer = (code: number, message: string, data: EndpointData = {}, status = 200): void => {
      entry.code = code;
      entry.message = message;
      entry.durationMs = Math.round(performance.now() - started);
      log(entry);
      if (entry.fault === 'lostResponse') return void request.socket.destroy();
      entry.httpStatus = status;
      sendJson(response, status, { code, message, request_id: requestId, data });
    };

    // Like TikTok's gateway, a wrong path or method gets a plain HTTP error, not an envelope.
    const plainError = (status: number, text: string): void => {
      entry.httpStatus = status;
      entry.message = text;
      entry.durationMs = Math.round(performance.now() - started);
      log(entry);
      response.writeHead(status, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
    };
    const route = ROUTES[url.pathname.slice(API_PREFIX.length)];
    if (!route) return plainError(404, `404 Not Found: no endpoint at ${url.pathname} (TikTok paths end with "/")`);
    if (route.method !== method)
      return plainError(405, `405 Method Not Allowed: use ${route.method} for ${url.pathname}`);

    if (!limiter.tryAcquire(performance.now())) {
      entry.throttled = true;
      return answer(TikTokCode.throttled, `Too many requests: the app's limit is ${options.qps} requests per second`);
    }
    if (options.latencyMs > 0) await sleep(options.latencyMs);

    // An injected fault is decided before anything is read or performed, so a retry is always safe
    // (except `lostResponse`, whose whole point is an operation performed but never answered).
    const fault = pickFault();
    entry.fault = fault;
    if (fault === 'drop') {
      entry.durationMs = Math.round(performance.now() - started);
      log(entry);
      request.socket.destroy();
      return;
    }
    if (fault === 'timeout') {
      log(entry);
      const timer = setTimeout(() => {
        hangTimers.delete(timer);
        request.socket.destroy();
      }, options.timeoutHangMs);
      hangTimers.add(timer);
      response.on('close', () => {
        clearTimeout(timer);
        hangTimers.delete(timer);
      });
      return;
    }
    if (fault === 'serverError')
      return answer(TikTokCode.serverError, 'Internal service error (injected by the emulator); retry later');
    if (fault === 'throttle') return answer(TikTokCode.throttled, 'Too many requests (injected by the emulator)');

    try {
      const token = request.headers['access-token'];
      if (typeof token !== 'string' || token === '') {
        throw new EmulatorApiError(TikTokCode.tokenEmpty, 'Access token is empty: send it in the Access-Token header');
      }
      if (!options.tokens.includes(token))
        throw new EmulatorApiError(
          TikTokCode.tokenInvalid,
          `Access token is invalid or revoked (token ${maskToken(token)})`,
        );

      const contentType = request.headers['content-type'] ?? '';
      let params: RequestParams;
      let upload:
        { calculateType?: string; fileSignature?: string; file?: { name: string; bytes: Buffer } } | undefined;
      if (route.kind === 'upload') {
        if (!contentType.startsWith('multipart/form-data'))
          throw parameterError('Content-Type must be multipart/form-data');
        const body = await readBody(request, options.maxFileBytes + MULTIPART_OVERHEAD);
        if (!body.ok)
          throw new EmulatorApiError(
            TikTokCode.fileTooLarge,
            `File too large: the request has ${body.receivedBytes} bytes, files may have at most ${options.maxFileBytes}`,
          );
        let form;
        try {
          form = await parseMultipart(contentType, body.bytes);
        } catch (error) {
          throw parameterError(`Malformed multipart body: ${(error as Error).message}`);
        }
        params = Object.fromEntries(form.fields);
        upload = { file: form.files.get('file') };
        const calculateType = form.fields.get('calculate_type');
        const fileSignature = form.fields.get('file_signature');
        if (calculateType !== undefined) upload.calculateType = calculateType;
        if (fileSignature !== undefined) upload.fileSignature = fileSignature;
      } else if (method === 'GET') {
        params = queryParams(url.searchParams);
      } else {
        if (!contentType.startsWith('application/json')) throw parameterError('Content-Type must be application/json');
        const body = await readBody(request, JSON_BODY_LIMIT);
        if (!body.ok) throw new EmulatorApiError(TikTokCode.invalidParameters, 'Request body too large');
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.bytes.toString('utf8'));
        } catch {
          throw parameterError('The request body is not valid JSON');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw parameterError('The request body must be a JSON object');
        params = parsed as RequestParams;
      }

      const advertiserId = requiredId(params, 'advertiser_id');
      entry.advertiserId = advertiserId;
      if (!options.advertisers.includes(advertiserId))
        throw new EmulatorApiError(TikTokCode.advertiserNotFound, `Advertiser ${advertiserId} does not exist`);
      const reachable = options.tokenAdvertisers?.[token];
      if (reachable && !reachable.includes(advertiserId)) {
        throw new EmulatorApiError(
          TikTokCode.noPermission,
          `No permission: this access token is not authorized for advertiser ${advertiserId}`,
        );
      }

      const now = Date.now();
      state.sweepExpiredFiles(now);
      const context: EndpointContext = {
        state,
        advertiserId,
        now,
        requestId,
        calculatingMs: options.calculatingMs,
        clock: Date.now,
        fileTtlMs: options.fileTtlMs,
        maxFileBytes: options.maxFileBytes,
      };
      const data =
        route.kind === 'upload'
          ? await uploadFile(context, {
              calculateType: upload?.calculateType,
              fileSignature: upload?.fileSignature,
              file: upload?.file,
            })
          : await route.handle(context, params);
      if (route.mutates && stateFile) await stateFile.save();
      answer(TikTokCode.ok, 'OK', data);
    } catch (error) {
      if (error instanceof EmulatorApiError) return answer(error.code, error.message);
      if (request.destroyed || response.destroyed) {
        // The client went away mid-request (timeout, killed process): nothing was performed, nobody to answer.
        entry.message = 'The client closed the connection before the request was read';
        entry.durationMs = Math.round(performance.now() - started);
        return log(entry);
      }
      console.error(
        `TikTok emulator: internal error answering ${method} ${url.pathname} (request ${requestId})`,
        error,
      );
      answer(TikTokCode.serverError, 'Internal error in the emulator');
    }
  }

  async function handleInspection(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice(INSPECTION_PREFIX.length);
    const method = request.method ?? 'GET';
    const idsMatch = /^audiences\/([0-9]+)\/ids$/.exec(path);
    if (method === 'GET' && path === 'state') {
      return sendJson(response, 200, {
        options: publicOptions(options),
        counts: { ...state.counts(), requests: requestLog.length },
        audiences: running.audiences(),
      });
    }
    if (method === 'GET' && idsMatch?.[1] !== undefined) {
      const audienceId = idsMatch[1];
      if (!state.hasAudience(audienceId)) return sendJson(response, 404, { error: `No audience ${audienceId}` });
      return sendJson(response, 200, { audienceId, ids: state.audienceIds(audienceId) });
    }
    if (method === 'GET' && path === 'operations') return sendJson(response, 200, { operations: running.operations() });
    if (method === 'GET' && path === 'requests') return sendJson(response, 200, { requests: running.requestLog() });
    if (method === 'GET' && path === 'uploads') return sendJson(response, 200, { uploads: running.uploads() });
    if (method === 'POST' && path === 'reset') {
      running.reset();
      if (stateFile) await stateFile.save();
      return sendJson(response, 200, { ok: true });
    }
    if (method === 'POST' && path === 'config') {
      const body = await readBody(request, JSON_BODY_LIMIT);
      try {
        if (!body.ok) throw new Error('body too large');
        running.configure(JSON.parse(body.bytes.toString('utf8')) as Partial<EmulatorOptions>);
      } catch (error) {
        return sendJson(response, 400, { error: (error as Error).message });
      }
      return sendJson(response, 200, { ok: true, options: publicOptions(options) });
    }
    return sendJson(response, 404, { error: `No inspection endpoint ${method} ${url.pathname}` });
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://emulator.invalid');
    const handler = url.pathname.startsWith(API_PREFIX)
      ? handleApi
      : url.pathname.startsWith(INSPECTION_PREFIX)
        ? handleInspection
        : null;
    if (!handler) {
      const text = `404 Not Found: ${url.pathname} (TikTok paths are under ${API_PREFIX})`;
      response.writeHead(404, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      return void response.end(text);
    }
    handler(request, response, url).catch((error: unknown) => {
      console.error('TikTok emulator: failed to answer a request', error);
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const running: RunningEmulator = {
    baseUrl: `http://${options.host}:${port}/open_api/${EMULATED_API_VERSION}`,
    port,
    get options() {
      return resolveEmulatorOptions({}, options);
    },
    async close() {
      for (const timer of hangTimers) clearTimeout(timer);
      hangTimers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (stateFile) await stateFile.flush();
    },
    configure(partialOptions) {
      const { host: _host, port: _port, statePath: _statePath, ...changeable } = partialOptions;
      const next = resolveEmulatorOptions(changeable, options);
      // Giving a seed (even the same one) restarts the fault sequence, so a scenario can be replayed.
      if (changeable.seed !== undefined) random = createSeededRandom(changeable.seed);
      options = next;
      limiter.setLimit(options.qps, options.rateWindowMs);
      state.setMatchRate(options.matchRate);
    },
    reset() {
      state.clear();
      requestLog = [];
      limiter.reset();
      stateFile
        ?.save()
        .catch((error: unknown) => console.error('TikTok emulator: could not save state after reset', error));
    },
    audiences: () => state.audienceViews(Date.now()),
    audienceIds: (audienceId) => state.audienceIds(audienceId),
    operations: () => state.operations(),
    requestLog: () => requestLog.map((entry) => ({ ...entry })),
    uploads: () => state.uploads(Date.now()),
  };
  return running;
}
