import { UserError } from '../../core/errors.ts';

/**
 * One error taxonomy for TikTok answers. `classifyTikTokCode` is the only place that turns an
 * envelope code into a kind; the client is the only place that builds these errors.
 */

export type TikTokErrorKind =
  | 'throttled'
  | 'retryable'
  | 'busy'
  | 'credentials'
  | 'not_found'
  | 'invalid'
  | 'file'
  | 'file_expired'
  | 'signature_mismatch';

const THROTTLED_CODES = new Set([40100, 40016, 40133, 40132, 61000]);
const RETRYABLE_CODES = new Set([40202, 50000, 50002, 51003, 60001]);
const CREDENTIAL_CODES = new Set([40001, 40102, 40104, 40105, 40106, 40113, 40118, 40119, 40125]);
const ADVERTISER_CODES = new Set([40300, 40301]);
const FILE_CODES = new Set([40905, 40906, 40907, 40908, 40909, 40915]);
export const AUDIENCE_BUSY_OR_PARAMETER_CODE = 40002;
export const FILE_EXPIRED_CODE = 40910;
export const SIGNATURE_MISMATCH_CODE = 40900;
export const PARTIAL_SUCCESS_CODE = 20001;

/**
 * 40002 means both "audience busy (being updated or calculated)" — wait and retry — and final
 * parameter errors such as "would fall below 1,000". Only the message tells them apart, and its
 * wording is not documented, so the matcher is configurable.
 */
export type BusyMessageMatcher = (message: string) => boolean;

const FINAL_40002 = /(1,?000|minimum|at least|fewer than|less than|below|calculate_type|mismatch|invalid|not exist)/i;
const BUSY_40002 =
  /(busy|being (calculated|updated|processed)|(is|still|in|under) calculat(ing|ion)|in progress|try again later|not ready)/i;

export const defaultBusyMessageMatcher: BusyMessageMatcher = (message) =>
  BUSY_40002.test(message) && !FINAL_40002.test(message);

export function classifyTikTokCode(
  code: number,
  message: string,
  isBusy: BusyMessageMatcher = defaultBusyMessageMatcher,
): TikTokErrorKind {
  if (THROTTLED_CODES.has(code)) return 'throttled';
  if (RETRYABLE_CODES.has(code)) return 'retryable';
  if (code === AUDIENCE_BUSY_OR_PARAMETER_CODE) return isBusy(message) ? 'busy' : 'invalid';
  if (CREDENTIAL_CODES.has(code)) return 'credentials';
  if (ADVERTISER_CODES.has(code) || code === 40007) return 'not_found';
  if (code === SIGNATURE_MISMATCH_CODE) return 'signature_mismatch';
  if (code === FILE_EXPIRED_CODE) return 'file_expired';
  if (FILE_CODES.has(code)) return 'file';
  // Undocumented 5xxxx codes are server-side by TikTok's numbering: treat them as transient.
  if (code >= 50000 && code < 70000) return 'retryable';
  return 'invalid';
}

/** HTTP status without a readable envelope (gateways, a path without its trailing slash, …). */
export function classifyHttpStatus(status: number): TikTokErrorKind {
  if (status === 429) return 'throttled';
  if (status >= 500) return 'retryable';
  if (status === 401 || status === 403) return 'credentials';
  if (status === 404) return 'not_found';
  return 'invalid';
}

function resolutionFor(kind: TikTokErrorKind, code: number | null): string {
  switch (kind) {
    case 'throttled':
      return 'TikTok is limiting the request rate. The uploader backs off on its own; if this persists, lower TIKTOK_QPS or run fewer uploads at the same time, then run the same command again — finished work is not repeated.';
    case 'retryable':
      return 'TikTok (or the network) failed temporarily. Run the same command again later — finished work is not repeated. If it keeps failing, check https://business-api.tiktok.com status and your network.';
    case 'busy':
      return 'The audience is still being calculated by TikTok. Wait a few minutes and run the same command again.';
    case 'credentials':
      return 'The access token was refused (revoked, expired or without permission for audiences). Create a new long-term token in TikTok for Business (Developer portal → your app → advertiser authorization), then set TIKTOK_ACCESS_TOKEN (or save it in .audience-uploader/tiktok-credentials.json) and run the command again.';
    case 'not_found':
      return code !== null && ADVERTISER_CODES.has(code)
        ? 'TikTok does not know this advertiser for this token. Check TIKTOK_ADVERTISER_ID / --advertiser (the digits shown in TikTok Ads Manager) and that the token was authorized for that advertiser.'
        : 'The audience (or file) does not exist for this advertiser. Check the id with `audiences list`.';
    case 'file':
      return 'TikTok rejected the uploaded file. Re-run the transform to regenerate the partitions (one lowercase SHA-256 hex per line, .csv, at most 50 MB) and upload again.';
    case 'file_expired':
      return 'The uploaded file expired at TikTok before it was applied. Run the same command again: expired files are uploaded again automatically.';
    case 'signature_mismatch':
      return 'The file changed in transit (MD5 mismatch). Run the same command again; if it persists, re-run the transform.';
    case 'invalid':
      return 'TikTok rejected the request parameters. Check the audience name (at most 128 characters), the advertiser id and the action; the message from TikTok above says which parameter.';
  }
}

export class TikTokApiError extends Error {
  readonly kind: TikTokErrorKind;
  /** TikTok's envelope code, or null when there was no envelope (HTTP error, timeout, network). */
  readonly code: number | null;
  readonly httpStatus: number | null;
  /** TikTok's request_id: quote it to TikTok support. */
  readonly requestId: string | null;
  /** TikTok's own message (never contains our token). */
  readonly tiktokMessage: string;
  /** What a person should do next. */
  readonly resolution: string;
  /** The endpoint path, e.g. `/dmp/custom_audience/create/`. */
  readonly endpoint: string;
  /**
   * True when the request may have been carried out although no answer arrived (timeout or a
   * connection lost after sending). Writes must be reconciled before they are sent again.
   */
  readonly outcomeUnknown: boolean;
  /** Attempts made, retries included. */
  readonly attempts: number;

  constructor(init: {
    kind: TikTokErrorKind;
    code: number | null;
    httpStatus?: number | null;
    requestId?: string | null;
    tiktokMessage: string;
    endpoint: string;
    outcomeUnknown?: boolean;
    attempts?: number;
    resolution?: string;
    cause?: unknown;
  }) {
    const where = init.code !== null ? `code ${init.code}` : init.httpStatus ? `HTTP ${init.httpStatus}` : 'no answer';
    const rid = init.requestId ? `, request_id ${init.requestId}` : '';
    super(
      `TikTok ${init.endpoint} failed (${init.kind}, ${where}${rid}): ${init.tiktokMessage}`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.name = 'TikTokApiError';
    this.kind = init.kind;
    this.code = init.code;
    this.httpStatus = init.httpStatus ?? null;
    this.requestId = init.requestId ?? null;
    this.tiktokMessage = init.tiktokMessage;
    this.endpoint = init.endpoint;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
    this.attempts = init.attempts ?? 1;
    this.resolution = init.resolution ?? resolutionFor(init.kind, init.code);
  }

  /** Kinds worth another attempt of the same request (busy is waited out separately). */
  get transient(): boolean {
    return this.kind === 'throttled' || this.kind === 'retryable' || this.kind === 'busy';
  }

  withAttempts(attempts: number): TikTokApiError {
    return new TikTokApiError({
      kind: this.kind,
      code: this.code,
      httpStatus: this.httpStatus,
      requestId: this.requestId,
      tiktokMessage: this.tiktokMessage,
      endpoint: this.endpoint,
      outcomeUnknown: this.outcomeUnknown,
      attempts,
      resolution: this.resolution,
      cause: this.cause,
    });
  }
}

export function isTikTokApiError(error: unknown): error is TikTokApiError {
  return error instanceof TikTokApiError;
}

const TITLES: Record<TikTokErrorKind, string> = {
  throttled: 'TikTok kept refusing requests as too frequent',
  retryable: 'TikTok did not complete the request',
  busy: 'The TikTok audience stayed busy',
  credentials: 'TikTok refused the access token',
  not_found: 'TikTok could not find it',
  invalid: 'TikTok rejected the request',
  file: 'TikTok rejected an uploaded file',
  file_expired: 'An uploaded file expired at TikTok',
  signature_mismatch: 'TikTok received a different file than was sent',
};

/** The person-facing form of a TikTok failure: cause (with TikTok's message and request_id) and fix. */
export function tikTokErrorToUserError(error: TikTokApiError): UserError {
  const parts = [error.tiktokMessage];
  if (error.code !== null) parts.push(`code ${error.code}`);
  else if (error.httpStatus) parts.push(`HTTP ${error.httpStatus}`);
  if (error.requestId) parts.push(`request_id ${error.requestId}`);
  if (error.attempts > 1) parts.push(`after ${error.attempts} attempts`);
  return new UserError({
    code: `tiktok_${error.kind}`,
    title: TITLES[error.kind],
    detail: `${error.endpoint}: ${parts.join('; ')}.`,
    resolution: error.resolution,
    kind: 'failure',
    cause: error,
  });
}
